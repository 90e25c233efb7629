"""Least-privilege connections: one `allow()` writes both sides' NetworkPolicies.

In the spirit of cdk8s-plus' `connections.allowTo`, but the unit is a declared
connection between endpoints (a service, a whole namespace, a CIDR) that may sit in
different namespaces. Each connection is a `Connection` component holding an egress
policy in the source namespace and an ingress policy in the destination namespace, with
names derived from the endpoints so they never change between runs.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from netkit.model import Endpoint, PolicyPort
from netkit.names import connection_id
from netkit.ports import format_port
from netkit_components.kubernetes.selectors import peer, pod_selector, policy_ports


class Connection(pulumi.ComponentResource):
    """`source` may open connections to `destination` on `ports`, and nothing more.

    Writes an Egress policy selecting the source pods (when the source is in the
    cluster) and an Ingress policy selecting the destination pods (when the destination
    is in the cluster). Both are needed under a default deny on both sides.
    """

    policy_names: pulumi.Output[list[str]]
    """`namespace/name` of the NetworkPolicies written: the egress one, then the ingress one."""

    def __init__(
        self,
        name: str,
        source: Endpoint,
        destination: Endpoint,
        ports: list[PolicyPort],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "source": source.describe(),
            "destination": destination.describe(),
            "ports": [format_port(p) for p in ports],
        }
        super().__init__("netkit:kubernetes:Connection", name, props, opts)
        child = pulumi.ResourceOptions(parent=self)
        ident = connection_id(source, destination)
        port_list = policy_ports(ports)
        names: list[pulumi.Output[str]] = []
        if source.namespace is not None:
            egress = k8s.networking.v1.NetworkPolicy(
                f"{name}-egress",
                metadata=self._metadata(f"egress-{ident}", source.namespace, props),
                spec={
                    "pod_selector": pod_selector(source),
                    "policy_types": ["Egress"],
                    "egress": [{"to": [peer(destination)], "ports": port_list}],
                },
                opts=child,
            )
            names.append(egress.metadata.apply(lambda m: f"{m.namespace}/{m.name}"))
        if destination.namespace is not None:
            ingress = k8s.networking.v1.NetworkPolicy(
                f"{name}-ingress",
                metadata=self._metadata(f"ingress-{ident}", destination.namespace, props),
                spec={
                    "pod_selector": pod_selector(destination),
                    "policy_types": ["Ingress"],
                    "ingress": [{"from_": [peer(source)], "ports": port_list}],
                },
                opts=child,
            )
            names.append(ingress.metadata.apply(lambda m: f"{m.namespace}/{m.name}"))
        self.policy_names = pulumi.Output.all(*names)
        self.register_outputs({"policy_names": self.policy_names})

    @staticmethod
    def _metadata(
        name: str, namespace: str, props: dict[str, Any]
    ) -> k8s.meta.v1.ObjectMetaArgsDict:
        return {
            "name": name[:253],
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "netkit"},
            "annotations": {
                "netkit.dev/connection": f"{props['source']} -> {props['destination']} "
                + ",".join(props["ports"])
            },
        }


def allow(
    name: str,
    source: Endpoint,
    destination: Endpoint,
    ports: list[PolicyPort],
    opts: pulumi.ResourceOptions | None = None,
) -> Connection:
    """Allow `source` to reach `destination` on `ports` (both policies written)."""
    return Connection(name, source, destination, ports, opts)
