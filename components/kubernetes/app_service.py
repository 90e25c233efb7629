"""A namespace's workload: a Deployment and the ClusterService in front of it."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from netkit.spec import AppServiceSpec
from netkit_components.kubernetes.cluster_service import ClusterService, ClusterServiceArgs
from netkit_components.kubernetes.selectors import pod_labels

AppServiceArgs = AppServiceSpec
"""Inputs of `AppService` (the same record as a `kubernetes.namespaces[].services[]` entry)."""


class AppService(pulumi.ComponentResource):
    """Pods labelled `app: <name>` with named container ports, and their Service.

    Policies select these pods by the same label, so what the spec names is what the
    NetworkPolicies protect. Containers run as non-root with a read-only root filesystem.
    """

    dns_name: pulumi.Output[str]
    """The fully qualified name of its Service (`<name>.<namespace>.svc.<cluster domain>`)."""

    def __init__(
        self,
        name: str,
        namespace: str,
        args: AppServiceArgs,
        cluster_domain: str = "cluster.local",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("netkit:kubernetes:AppService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        labels = {**args.labels, **pod_labels(args.name)}
        k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata={"name": args.name, "namespace": namespace, "labels": labels},
            spec={
                "replicas": args.replicas,
                "selector": {"match_labels": pod_labels(args.name)},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "automount_service_account_token": False,
                        "containers": [
                            {
                                "name": args.name,
                                "image": args.image,
                                # The declared ports, for an image that serves whatever it
                                # is told to (the local cluster's server image does).
                                "env": [
                                    {
                                        "name": "NETKIT_PORTS",
                                        "value": " ".join(
                                            f"{p.port}/{p.protocol}" for p in args.ports
                                        ),
                                    }
                                ],
                                "ports": [
                                    {
                                        "name": p.name,
                                        "container_port": p.port,
                                        "protocol": p.protocol,
                                    }
                                    for p in args.ports
                                ],
                                "security_context": {
                                    "run_as_non_root": True,
                                    "read_only_root_filesystem": True,
                                    "allow_privilege_escalation": False,
                                    # No capabilities: NET_RAW (raw sockets, spoofing)
                                    # is in the runtime's default set otherwise.
                                    "capabilities": {"drop": ["ALL"]},
                                },
                            }
                        ],
                    },
                },
            },
            opts=child,
        )
        service = ClusterService(
            f"{name}-svc",
            args.name,
            ClusterServiceArgs(
                namespace=namespace,
                selector=pod_labels(args.name),
                ports=list(args.ports),
                type=args.type,
                cluster_domain=cluster_domain,
                labels=labels,
            ),
            opts=child,
        )
        self.dns_name = service.dns_name
        self.register_outputs({"dns_name": self.dns_name})
