"""The pack's rules, one module per area; `policies.registry.RULES` lists them all."""
