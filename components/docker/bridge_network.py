"""A user-defined Docker bridge network."""

from __future__ import annotations

import hashlib
import ipaddress

import pulumi
import pulumi_docker as docker

from netkit.docker_reach.topology import INTERNAL_BRIDGE_PREFIX
from netkit.resources import ICC_OPTION
from netkit.spec import BridgeSpec, SubnetSpec
from netkit_components.docker.labels import network_labels

BridgeNetworkArgs = BridgeSpec
"""Inputs of `BridgeNetwork` (the same record as a `docker.bridges[]` entry)."""

# Bridge driver options, as `docker network create -o` names them.
MTU_OPTION = "com.docker.network.driver.mtu"
BRIDGE_NAME_OPTION = "com.docker.network.bridge.name"


def internal_bridge_name(name: str) -> str:
    """`nkint-` and a hash of the network name: at most 15 characters, stable."""
    return INTERNAL_BRIDGE_PREFIX + hashlib.sha256(name.encode()).hexdigest()[:9]


def ipam_configs(subnets: list[SubnetSpec]) -> list[docker.NetworkIpamConfigArgs]:
    return [
        docker.NetworkIpamConfigArgs(subnet=s.subnet, gateway=s.gateway, ip_range=s.ip_range)
        for s in subnets
    ]


def has_ipv6(subnets: list[SubnetSpec]) -> bool:
    return any(ipaddress.ip_network(s.subnet).version == 6 for s in subnets)


class BridgeNetwork(pulumi.ComponentResource):
    """A user-defined Docker bridge: private subnet, embedded DNS for container names.

    Secure by default: `internal` (no route off the host) unless the spec says otherwise.
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
        super().__init__("netkit:docker:BridgeNetwork", name, None, opts)
        options = {ICC_OPTION: "true" if args.icc else "false"}
        if args.mtu is not None:
            options[MTU_OPTION] = str(args.mtu)
        bridge_name = args.bridge_name
        if bridge_name is None and args.internal:
            bridge_name = internal_bridge_name(args.name)
        if bridge_name is not None:
            options[BRIDGE_NAME_OPTION] = bridge_name
        network = docker.Network(
            f"{name}-network",
            name=args.name,
            driver="bridge",
            internal=args.internal,
            ipv6=has_ipv6(args.subnets),
            ipam_configs=ipam_configs(args.subnets),
            options=options,
            labels=network_labels(
                args.labels,
                component="BridgeNetwork",
                role=args.role,
                multi_host=args.multi_host,
                host=args.host,
            ),
            # Its name is fixed, and Docker refuses a second network of that name: a
            # replacement must delete the old one first.
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
        self.network_id = network.id
        self.network_name = network.name
        self.subnets = pulumi.Output.from_input([s.subnet for s in args.subnets])
        self.register_outputs(
            {
                "network_id": self.network_id,
                "network_name": self.network_name,
                "subnets": self.subnets,
            }
        )
