"""netkit's components as a Pulumi component package, for programs in any Pulumi language.

Pulumi's Python component provider (`pulumi.provider.experimental`) infers the package
schema from each component's `__init__(self, name, args, opts)`: `args` must be a
TypedDict (or a plainly annotated class), never a pydantic model, and it arrives as a
plain dict whose keys are the Python names. So the components here are thin adapters:
each validates its dict with the spec record the stack file uses (the same one-line
messages), then declares the real component as its only child. The real components keep
their Python type tokens (`netkit:docker:BridgeNetwork`, `netkit:stack:NetworkStack`),
which is what the policy pack reads; the package's own tokens are `netkit:index:<Name>`
(the provider puts every resource and type in the `index` module).

This module must not use `from __future__ import annotations`: the provider reads the
annotations at run time and does not resolve strings.
"""

import sys
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi.errors import InputPropertiesError
from pulumi.provider import main as serve_provider
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.provider import ConstructResult
from pulumi.provider.server import ComponentInitError

import netkit
from netkit.errors import NetkitError, one_line
from netkit.spec import (
    DEFAULT_IMAGE,
    PROJECT,
    BridgeSpec,
    ContainerSpec,
    OverlaySpec,
    from_wire,
    parse_stack_config,
    validate_record,
)
from netkit_components import docker as docker_components
from netkit_components import stack as stack_component

PACKAGE = "netkit"
"""The package name: resource tokens are `netkit:index:<Name>`."""


def _source(kind: str, name: str) -> str:
    return f"{PACKAGE}:index:{kind} {name!r}"


def _child(parent: pulumi.Resource) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent)


def _resolved(outputs: Mapping[str, pulumi.Output[str]]) -> pulumi.Output[dict[str, str]]:
    """One output of a mapping of outputs (`Output.all()` of nothing would be a list)."""
    empty: dict[str, str] = {}
    return pulumi.Output.all(**outputs) if outputs else pulumi.Output.from_input(empty)


# --------------------------------------------------------------------------- inputs
# Field names and docs mirror the spec records (a unit test holds them equal).


class Subnet(TypedDict):
    """One IPAM subnet of a network."""

    subnet: str
    """IPv4 or IPv6 CIDR owned by the network, e.g. "10.10.0.0/24"."""
    gateway: NotRequired[str]
    """Gateway address inside `subnet`. Default: Docker picks the first address."""
    ip_range: NotRequired[str]
    """Sub-range containers are allocated from. Default: the whole subnet."""


class BridgeNetworkArgs(TypedDict):
    """Inputs of `BridgeNetwork`: a `docker.bridges[]` entry of the stack file."""

    name: str
    """Docker network name."""
    host: NotRequired[str]
    """Name of the Docker host it lives on, as the label netkit.host (the Docker provider
    passed in `opts` places it). Default: none."""
    subnets: list[Subnet]
    """IPAM config: one IPv4 and optionally one IPv6 subnet."""
    internal: NotRequired[bool]
    """No route out of the host. Default: True (backends stay private)."""
    icc: NotRequired[bool]
    """Inter-container communication on this bridge. Default: True (needed for DNS peers)."""
    mtu: NotRequired[int]
    """Bridge MTU. Default: the engine's (1500)."""
    bridge_name: NotRequired[str]
    """Linux interface name (at most 15 characters). Default: `br-<id>`."""
    labels: NotRequired[dict[str, str]]
    """Docker labels on the network."""
    multi_host: NotRequired[bool]
    """Meant to carry traffic between hosts (a bridge cannot: use an overlay)."""
    role: NotRequired[str]
    """Free-form tier ("frontend", "backend"); policy rules may key on it."""


class OverlayNetworkArgs(TypedDict):
    """Inputs of `OverlayNetwork`: a `docker.overlays[]` entry of the stack file."""

    name: str
    """Docker network name."""
    subnets: list[Subnet]
    """IPAM config: one IPv4 and optionally one IPv6 subnet."""
    encrypted: NotRequired[bool]
    """IPsec between hosts. Default: False; prod stacks require it through the pack."""
    attachable: NotRequired[bool]
    """Standalone containers may join (not only swarm services). Default: True."""
    vxlan_id: NotRequired[int]
    """VXLAN network identifier. Default: derived from the name, so it is stable across runs."""
    internal: NotRequired[bool]
    """No route out. Default: False."""
    labels: NotRequired[dict[str, str]]
    """Docker labels on the network."""
    role: NotRequired[str]
    """Free-form tier, as for bridges."""


class Attachment(TypedDict):
    """A network a container joins."""

    network: pulumi.Input[str]
    """Docker name of the network, usually another component's `networkName` output."""
    aliases: NotRequired[list[str]]
    """Extra DNS names on this network. The container name always resolves."""


class Publish(TypedDict):
    """A published port."""

    port: int
    """Container port."""
    host_port: NotRequired[int]
    """Host port. Default: the same as `port`."""
    host_ip: NotRequired[str]
    """Host address to bind. Default: 127.0.0.1 (loopback only, never all interfaces)."""
    protocol: NotRequired[str]
    """tcp or udp. Default: tcp."""


class Listen(TypedDict):
    """A port the container listens on."""

    port: int
    """Container port, e.g. 8080."""
    protocol: NotRequired[str]
    """tcp or udp. Default: tcp."""


class ServiceContainerArgs(TypedDict):
    """Inputs of `ServiceContainer`: a `docker.containers[]` entry of the stack file."""

    name: str
    """Container name; always resolvable by peers on its networks."""
    host: NotRequired[str]
    """Name of the Docker host it runs on, as the label netkit.host (the Docker provider
    passed in `opts` places it). Default: none."""
    image: NotRequired[str]
    """Image reference. Default: netkit's locally built busybox image."""
    command: NotRequired[list[str]]
    """Command. Default: busybox httpd on 8080, so peers have something to reach."""
    networks: list[Attachment]
    """Networks to join (at least one), each with optional aliases."""
    publish: NotRequired[list[Publish]]
    """Published ports. Default: none."""
    ports: NotRequired[list[Listen]]
    """Ports it listens on (`netkit probe` tries them). Default: 8080/tcp with the default command, else the published container ports."""


class NetworkStackArgs(TypedDict):
    """Inputs of `NetworkStack`: the `netkit:` keys of a stack file, without the prefix."""

    stack: NotRequired[str]
    """Stack name for `kubernetes.renderDirectory`'s `{stack}`. Default: the current stack."""
    reserved: NotRequired[Any]
    """`netkit:reserved`: ranges the stack must never use."""
    exposure: NotRequired[Any]
    """`netkit:exposure`: what the stack may expose."""
    docker: NotRequired[Any]
    """`netkit:docker`: bridges, overlays and containers."""
    kubernetes: NotRequired[Any]
    """`netkit:kubernetes`: Calico, namespaces, services, ingresses and connections."""


# --------------------------------------------------------------------------- components


class BridgeNetwork(pulumi.ComponentResource):
    """A user-defined Docker bridge: private subnet, embedded DNS for container names.

    Secure by default: `internal` (no route off the host) unless the inputs say otherwise.
    """

    network_id: pulumi.Output[str]
    """The Docker network ID."""
    network_name: pulumi.Output[str]
    """The Docker network name (what containers attach to)."""
    subnets: pulumi.Output[list[str]]
    """The IPAM subnets, IPv4 first."""

    def __init__(
        self, name: str, args: BridgeNetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        spec = validate_record(BridgeSpec, args, _source("BridgeNetwork", name))
        super().__init__(f"{PACKAGE}:index:BridgeNetwork", name, None, opts)
        inner = docker_components.BridgeNetwork(name, spec, opts=_child(self))
        self.network_id = inner.network_id
        self.network_name = inner.network_name
        self.subnets = inner.subnets
        self.register_outputs(
            {
                "network_id": inner.network_id,
                "network_name": inner.network_name,
                "subnets": inner.subnets,
            }
        )


class OverlayNetwork(pulumi.ComponentResource):
    """A swarm-scope Docker overlay network (needs swarm mode on the engine)."""

    network_id: pulumi.Output[str]
    """The Docker network ID."""
    network_name: pulumi.Output[str]
    """The Docker network name (what containers attach to)."""
    subnets: pulumi.Output[list[str]]
    """The IPAM subnets, IPv4 first."""

    def __init__(
        self, name: str, args: OverlayNetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        spec = validate_record(OverlaySpec, args, _source("OverlayNetwork", name))
        super().__init__(f"{PACKAGE}:index:OverlayNetwork", name, None, opts)
        inner = docker_components.OverlayNetwork(name, spec, opts=_child(self))
        self.network_id = inner.network_id
        self.network_name = inner.network_name
        self.subnets = inner.subnets
        self.register_outputs(
            {
                "network_id": inner.network_id,
                "network_name": inner.network_name,
                "subnets": inner.subnets,
            }
        )


class ServiceContainer(pulumi.ComponentResource):
    """A long-running container that peers on its networks reach by name."""

    container_id: pulumi.Output[str]
    """The Docker container ID."""
    names: pulumi.Output[dict[str, list[str]]]
    """Docker network name -> the DNS names this container answers to on that network."""

    def __init__(
        self, name: str, args: ServiceContainerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        # A network is usually another component's output, unknown until it exists: the
        # record names the attachments by position, and the real names are passed beside.
        attachments = list(args.get("networks") or [])
        keys = [f"network-{index}" for index in range(len(attachments))]
        record = {
            **args,
            "networks": [
                {**attachment, "network": key}
                for key, attachment in zip(keys, attachments, strict=True)
            ],
        }
        spec: ContainerSpec = validate_record(
            ContainerSpec, record, _source("ServiceContainer", name)
        )
        networks: dict[str, pulumi.Input[str]] = {
            key: attachment["network"] for key, attachment in zip(keys, attachments, strict=True)
        }
        super().__init__(f"{PACKAGE}:index:ServiceContainer", name, None, opts)
        inner = docker_components.ServiceContainer(
            name, spec, networks=networks, image=spec.image or DEFAULT_IMAGE, opts=_child(self)
        )
        self.container_id = inner.container_id
        aliases = [sorted({spec.name, *a.aliases}) for a in spec.networks]
        self.names = pulumi.Output.all(*networks.values()).apply(
            lambda resolved: dict(zip(resolved, aliases, strict=True))
        )
        self.register_outputs({"container_id": self.container_id, "names": self.names})


class NetworkStack(pulumi.ComponentResource):
    """A whole environment's container networking, from the keys of a stack file.

    The inputs are what `Pulumi.<stack>.yaml` holds under `netkit:` (reserved, exposure,
    docker, kubernetes), checked as the stack file is; the stack's intent travels on the
    child `netkit:stack:NetworkStack`, so the policy pack sees it.
    """

    networks: pulumi.Output[dict[str, str]]
    """Declared network name -> Docker network ID."""
    dns: pulumi.Output[dict[str, list[str]]]
    """Container -> names it resolves by Docker's embedded DNS."""
    service_dns: pulumi.Output[dict[str, str]]
    """`namespace/service` -> cluster DNS name."""

    def __init__(
        self, name: str, args: NetworkStackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        config = {
            f"{PROJECT}:{key}": from_wire(value) for key, value in args.items() if key != "stack"
        }
        spec = parse_stack_config(config, _source("NetworkStack", name))
        stack = args.get("stack") or pulumi.get_stack()
        super().__init__(f"{PACKAGE}:index:NetworkStack", name, None, opts)
        inner = stack_component.NetworkStack(name, spec, stack, opts=_child(self))
        self.networks = _resolved(inner.networks)
        self.dns = pulumi.Output.from_input(inner.dns)
        self.service_dns = _resolved(inner.service_dns)
        self.register_outputs(
            {"networks": self.networks, "dns": self.dns, "service_dns": self.service_dns}
        )


COMPONENTS: list[type[pulumi.ComponentResource]] = [
    BridgeNetwork,
    OverlayNetwork,
    ServiceContainer,
    NetworkStack,
]


class NetkitProvider(ComponentProvider):
    """The component provider, with user mistakes reported as invalid inputs.

    A mistake raised in a component's `__init__` would reach the engine with a Python
    traceback; as `InputPropertiesError` the engine prints the message alone.
    """

    def construct(
        self,
        name: str,
        resource_type: str,
        inputs: Mapping[str, pulumi.Input[Any]],
        options: pulumi.ResourceOptions | None = None,
    ) -> ConstructResult:
        try:
            return super().construct(name, resource_type, dict(inputs), options)
        except ComponentInitError as error:
            if isinstance(error.inner, NetkitError):
                # The message already names each key; an empty list of property errors
                # still matters: with None, pulumi 3.272's server fails to build the status
                # ("'Status' object has no attribute 'trailing_metadata'").
                lines = "\n".join(one_line(p) for p in error.inner.problems)
                raise InputPropertiesError(lines, []) from None
            raise


def provider() -> NetkitProvider:
    return NetkitProvider(COMPONENTS, PACKAGE, None, netkit.__version__)


def serve(args: list[str] | None = None) -> None:
    """Serve the package to the engine (what the plugin's `__main__.py` runs)."""
    serve_provider(provider(), sys.argv[1:] if args is None else args)
