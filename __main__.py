"""Entry point the Pulumi engine runs; the program lives in `netkit_components.program`."""

from netkit_components.program import deploy

deploy(check_engines=True)
