"""The Pulumi program: read the stack's spec from config, declare the NetworkStack."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from netkit import docker_hosts
from netkit.errors import NetkitError, one_line
from netkit.spec import StackSpec, parse_stack_config
from netkit_components.stack import NetworkStack


def current_config() -> dict[str, Any]:
    """Every config value of this run (from the engine or from `set_all_config`)."""
    return {**get_config_env(), **CONFIG.get()}


def load_spec() -> StackSpec:
    stack = pulumi.get_stack()
    return parse_stack_config(current_config(), f"Pulumi.{stack}.yaml")


def deploy(check_engines: bool = False) -> NetworkStack:
    """Build the stack; a user mistake ends the run with its one-line message.

    `check_engines` (the engine's entry point sets it; offline synthesis does not): every
    declared host whose local engine is down is named in one line before any resource, so
    `pulumi up` or `pulumi refresh --run-program` says which host to start instead of one
    provider error per resource of that host; so is, for a stack with overlays, a host
    that is not (yet) an active member of its swarm.
    """
    stack = pulumi.get_stack()
    try:
        spec = load_spec()
    except NetkitError as error:
        # RunError: the engine prints the message without a Python traceback.
        raise pulumi.RunError("\n".join(one_line(p) for p in error.problems)) from None
    if check_engines:
        hosts = [(h.name, h.url) for h in spec.docker.hosts]
        down = docker_hosts.unanswered_hosts(hosts)
        if down is None and spec.docker.overlays:
            down = docker_hosts.unjoined_hosts(hosts)
        if down is not None:
            raise pulumi.RunError(down)
    network = NetworkStack(f"netkit-{stack}", spec, stack)
    pulumi.export("networks", network.networks)
    pulumi.export("dns", network.dns)
    pulumi.export("hosts", network.hosts)
    pulumi.export("containers", network.containers)
    pulumi.export("service_dns", network.service_dns)
    return network
