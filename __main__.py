"""Entry point the Pulumi engine runs; the program lives in `components.program`."""

from components.program import deploy

deploy(check_engines=True)
