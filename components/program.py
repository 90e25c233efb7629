"""The Pulumi program: read the stack's spec from config, declare the NetworkStack."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from netkit.errors import NetkitError
from netkit.spec import StackSpec, parse_stack_config
from netkit_components.stack import NetworkStack


def current_config() -> dict[str, Any]:
    """Every config value of this run (from the engine or from `set_all_config`)."""
    return {**get_config_env(), **CONFIG.get()}


def load_spec() -> StackSpec:
    stack = pulumi.get_stack()
    return parse_stack_config(current_config(), f"Pulumi.{stack}.yaml")


def deploy() -> NetworkStack:
    """Build the stack; a user mistake ends the run with its one-line message."""
    stack = pulumi.get_stack()
    try:
        spec = load_spec()
    except NetkitError as error:
        # RunError: the engine prints the message without a Python traceback.
        raise pulumi.RunError(str(error)) from None
    network = NetworkStack(f"netkit-{stack}", spec, stack)
    pulumi.export("networks", network.networks)
    pulumi.export("dns", network.dns)
    pulumi.export("service_dns", network.service_dns)
    return network
