"""A container attached to declared networks under DNS aliases (service discovery)."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_docker as docker

from netkit.resources import HOST_LABEL, PORTS_LABEL, ports_label
from netkit.spec import ContainerSpec

ServiceContainerArgs = ContainerSpec
"""Inputs of `ServiceContainer` (the same record as a `docker.containers[]` entry)."""


class ServiceContainer(pulumi.ComponentResource):
    """A long-running container that peers on its networks reach by name.

    Docker's embedded DNS answers, on each user-defined network, the container's name and
    its aliases on that network; `names` lists them per network.
    """

    container_id: pulumi.Output[str]
    """The Docker container ID."""
    names: dict[str, list[str]]
    """Network name -> the DNS names this container answers to on that network."""

    def __init__(
        self,
        name: str,
        args: ServiceContainerArgs,
        networks: Mapping[str, pulumi.Input[str]],
        image: str,
        opts: pulumi.ResourceOptions | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        """`networks` maps each declared network name to its (output) Docker name;
        `labels`: extra Docker labels (a stack's owner labels)."""
        super().__init__("netkit:docker:ServiceContainer", name, None, opts)
        labels = {**(labels or {}), "netkit.component": "ServiceContainer"}
        if args.host:
            labels[HOST_LABEL] = args.host
        listening = args.listening()
        if listening:
            labels[PORTS_LABEL] = ports_label((p.port, p.protocol) for p in listening)
        attachments = [
            docker.ContainerNetworksAdvancedArgs(
                name=networks[a.network], aliases=sorted(set(a.aliases))
            )
            for a in args.networks
        ]
        ports = [
            docker.ContainerPortArgs(
                internal=p.port, external=p.host_port or p.port, ip=p.host_ip, protocol=p.protocol
            )
            for p in args.publish
        ]
        container = docker.Container(
            f"{name}-container",
            name=args.name,
            image=args.image or image,
            command=args.command,
            networks_advanced=attachments,
            ports=ports,
            restart="unless-stopped",
            must_run=True,
            labels=[
                docker.ContainerLabelArgs(label=key, value=value)
                for key, value in sorted(labels.items())
            ],
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
        self.container_id = container.id
        self.names = {a.network: sorted({args.name, *a.aliases}) for a in args.networks}
        self.register_outputs({"container_id": self.container_id, "names": self.names})
