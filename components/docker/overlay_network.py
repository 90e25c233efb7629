"""A swarm-scope Docker overlay network."""

from __future__ import annotations

import pulumi
import pulumi_docker as docker

from components.docker.bridge_network import has_ipv6, ipam_configs
from components.docker.labels import network_labels
from netkit.spec import OverlaySpec

OverlayNetworkArgs = OverlaySpec
"""Inputs of `OverlayNetwork` (the same record as a `docker.overlays[]` entry)."""

ENCRYPTED_OPTION = "encrypted"
"""Overlay driver option that turns on IPsec between hosts (`docker network create -o encrypted`)."""


class OverlayNetwork(pulumi.ComponentResource):
    """An overlay spanning the swarm's hosts; needs `docker swarm init` on the engine."""

    network_id: pulumi.Output[str]
    network_name: pulumi.Output[str]
    subnets: pulumi.Output[list[str]]

    def __init__(
        self, name: str, args: OverlayNetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("netkit:docker:OverlayNetwork", name, None, opts)
        options = {ENCRYPTED_OPTION: "true"} if args.encrypted else {}
        network = docker.Network(
            f"{name}-network",
            name=args.name,
            driver="overlay",
            attachable=args.attachable,
            internal=args.internal,
            ipv6=has_ipv6(args.subnets),
            ipam_configs=ipam_configs(args.subnets),
            options=options,
            labels=network_labels(args.labels, component="OverlayNetwork", role=args.role),
            opts=pulumi.ResourceOptions(parent=self),
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
