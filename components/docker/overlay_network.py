"""A swarm-scope Docker overlay network."""

from __future__ import annotations

import hashlib
import ipaddress

import pulumi
import pulumi_docker as docker

from netkit.resources import ENCRYPTED_OPTION
from netkit.spec import OverlaySpec, SubnetSpec
from netkit_components.docker.bridge_network import has_ipv6, ipam_configs
from netkit_components.docker.labels import network_labels

OverlayNetworkArgs = OverlaySpec
"""Inputs of `OverlayNetwork` (the same record as a `docker.overlays[]` entry)."""

VXLAN_OPTION = "com.docker.network.driver.overlay.vxlanid_list"
"""Overlay driver option holding the network's VXLAN ID."""
"""Overlay driver option that turns on IPsec between hosts (`docker network create -o encrypted`)."""


# Docker's overlay driver allocates VNIs from 4097 up; 24 bits in all.
_FIRST_VNI, _LAST_VNI = 4097, 16777215


def default_vxlan_id(name: str) -> int:
    """A VXLAN ID derived from the network name: stable, and spread out to avoid clashes."""
    digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")
    return _FIRST_VNI + digest % (_LAST_VNI - _FIRST_VNI + 1)


def with_gateways(subnets: list[SubnetSpec]) -> list[SubnetSpec]:
    """The subnets with Docker's default gateway (the first address) written out.

    Swarm assigns it when none is given and reports it back once allocated, so a
    refresh would otherwise see a change and replace the network.
    """
    return [
        s
        if s.gateway is not None
        else s.model_copy(update={"gateway": str(ipaddress.ip_network(s.subnet)[1])})
        for s in subnets
    ]


class OverlayNetwork(pulumi.ComponentResource):
    """An overlay spanning the swarm's hosts; needs `docker swarm init` on the engine."""

    network_id: pulumi.Output[str]
    """The Docker network ID."""
    network_name: pulumi.Output[str]
    """The Docker network name (what containers and swarm services attach to)."""
    subnets: pulumi.Output[list[str]]
    """The IPAM subnets, IPv4 first."""

    def __init__(
        self,
        name: str,
        args: OverlayNetworkArgs,
        opts: pulumi.ResourceOptions | None = None,
        host: str | None = None,
    ) -> None:
        """`host`: the stack's name of the swarm manager it is created on (a label)."""
        super().__init__("netkit:docker:OverlayNetwork", name, None, opts)
        # Docker picks a VXLAN ID when none is given and reports it back as an option,
        # which would make every later preview replace the network; pin it instead.
        options = {VXLAN_OPTION: str(args.vxlan_id or default_vxlan_id(args.name))}
        if args.encrypted:
            options[ENCRYPTED_OPTION] = "true"
        network = docker.Network(
            f"{name}-network",
            name=args.name,
            driver="overlay",
            attachable=args.attachable,
            internal=args.internal,
            ipv6=has_ipv6(args.subnets),
            ipam_configs=ipam_configs(with_gateways(args.subnets)),
            options=options,
            labels=network_labels(
                args.labels, component="OverlayNetwork", role=args.role, host=host
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
