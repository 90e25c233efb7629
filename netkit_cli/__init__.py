"""The `netkit` command line: the top layer, above `components` and `policies`.

It parses arguments, turns what a command names into a network model (registering the
stack synthesis with `netkit.sources`), runs the analyses and prints what they found.
"""
