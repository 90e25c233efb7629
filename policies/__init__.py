"""netkit's policy pack: rules over the network model, for `pulumi preview` and `netkit check`.

`netkit_policies.registry` lists the rules and runs them on a model; `netkit_policies.adapter` turns
them into pulumi-policy stack policies. `policies/__main__.py` only assembles the
`PolicyPack` (constructing one starts the analyzer server), so nothing imports it.
"""
