"""The pack's rules, one module per area; `netkit_policies.registry.RULES` lists them all."""
