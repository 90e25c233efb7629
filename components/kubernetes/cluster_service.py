"""A Kubernetes Service: a stable DNS name in front of selected pods."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from netkit.spec import ServicePortSpec, ServiceType


@dataclass(frozen=True)
class ClusterServiceArgs:
    namespace: str
    """Namespace of the Service and the pods it selects."""
    selector: dict[str, str]
    """Pod labels to route to."""
    ports: list[ServicePortSpec]
    """Ports; each targets the container port of the same name."""
    type: ServiceType = "ClusterIP"
    """ClusterIP (default), Headless (clusterIP: None, one DNS record per pod), NodePort, LoadBalancer."""
    cluster_domain: str = "cluster.local"
    """The cluster's DNS domain. Default: cluster.local."""
    labels: dict[str, str] = field(default_factory=dict)
    """Labels on the Service itself (not on the pods it selects)."""


def dns_name(service: str, namespace: str, cluster_domain: str = "cluster.local") -> str:
    return f"{service}.{namespace}.svc.{cluster_domain}"


class ClusterService(pulumi.ComponentResource):
    """A Service with a predictable name: `<name>.<namespace>.svc.<cluster domain>`."""

    service_name: pulumi.Output[str]
    """The Service's name."""
    dns_name: pulumi.Output[str]
    """The fully qualified name clients use."""

    def __init__(
        self,
        name: str,
        service_name: str,
        args: ClusterServiceArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("netkit:kubernetes:ClusterService", name, None, opts)
        spec: k8s.core.v1.ServiceSpecArgsDict = {
            "selector": dict(args.selector),
            "ports": [
                {"name": p.name, "port": p.port, "target_port": p.name, "protocol": p.protocol}
                for p in args.ports
            ],
            "type": "ClusterIP" if args.type == "Headless" else args.type,
        }
        if args.type == "Headless":
            spec["cluster_ip"] = "None"
        service = k8s.core.v1.Service(
            f"{name}-service",
            metadata={
                "name": service_name,
                "namespace": args.namespace,
                "labels": dict(args.labels),
            },
            spec=spec,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.service_name = service.metadata.apply(lambda m: m.name or service_name)
        self.dns_name = pulumi.Output.from_input(
            dns_name(service_name, args.namespace, args.cluster_domain)
        )
        self.register_outputs({"service_name": self.service_name, "dns_name": self.dns_name})
