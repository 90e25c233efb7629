"""A networking.k8s.io/v1 Ingress, and the policy that lets the controller through."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s

from netkit.spec import AppServiceSpec, IngressControllerSpec, IngressSpec
from netkit_components.kubernetes.selectors import namespace_selector, pod_labels

IngressRouteArgs = IngressSpec
"""Inputs of `IngressRoute` (the same record as a `kubernetes.ingresses[]` entry)."""


class IngressRoute(pulumi.ComponentResource):
    """Host and path routing to Services, TLS on every host unless allowed otherwise.

    Under a default deny the controller's traffic would be dropped, so each backend
    also gets an ingress NetworkPolicy admitting the controller pods on the target port.
    The spec checks (paths start with "/", no duplicate host+path, TLS hosts match rule
    hosts, backend ports exist) run when the spec is parsed, before this is built.
    """

    hosts: pulumi.Output[list[str]]
    """The hosts the rules route, sorted."""

    def __init__(
        self,
        name: str,
        args: IngressRouteArgs,
        services: Mapping[str, AppServiceSpec],
        controller: IngressControllerSpec | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`services` maps the names of the ingress namespace's services to their specs."""
        super().__init__("netkit:kubernetes:IngressRoute", name, None, opts)
        controller = controller or IngressControllerSpec()
        child = pulumi.ResourceOptions(parent=self)
        rules: list[k8s.networking.v1.IngressRuleArgsDict] = []
        backends: dict[str, set[int]] = {}
        for rule in args.rules:
            paths: list[k8s.networking.v1.HTTPIngressPathArgsDict] = []
            for path in rule.paths:
                port = path.port or services[path.service].ports[0].port
                backends.setdefault(path.service, set()).add(port)
                paths.append(
                    {
                        "path": path.path,
                        "path_type": path.path_type,
                        "backend": {"service": {"name": path.service, "port": {"number": port}}},
                    }
                )
            rules.append({"host": rule.host, "http": {"paths": paths}})
        ingress_spec: k8s.networking.v1.IngressSpecArgsDict = {
            "ingress_class_name": args.class_name,
            "rules": rules,
            "tls": [{"hosts": list(t.hosts), "secret_name": t.secret_name} for t in args.tls],
        }
        k8s.networking.v1.Ingress(
            f"{name}-ingress",
            metadata={
                "name": args.name,
                "namespace": args.namespace,
                # The provider would otherwise wait (10 minutes, then fail) for the
                # controller to publish an address, which a cluster without one (the
                # local cluster) or a controller that does not publish never does.
                "annotations": {"pulumi.com/skipAwait": "true"},
            },
            spec=ingress_spec,
            opts=child,
        )
        for service, ports in sorted(backends.items()):
            by_port = {p.port: p for p in services[service].ports}
            controller_peer: k8s.networking.v1.NetworkPolicyPeerArgsDict = {
                "namespace_selector": namespace_selector(controller.namespace),
                "pod_selector": {"match_labels": dict(controller.pod_labels)},
            }
            policy_spec: k8s.networking.v1.NetworkPolicySpecArgsDict = {
                "pod_selector": {"match_labels": pod_labels(service)},
                "policy_types": ["Ingress"],
                "ingress": [
                    {
                        "from_": [controller_peer],
                        "ports": [
                            {"protocol": by_port[p].protocol, "port": p} for p in sorted(ports)
                        ],
                    }
                ],
            }
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{service}-from-controller",
                metadata={
                    "name": f"ingress-from-controller-{service}",
                    "namespace": args.namespace,
                    "labels": {"app.kubernetes.io/managed-by": "netkit"},
                },
                spec=policy_spec,
                opts=child,
            )
        self.hosts = pulumi.Output.from_input(sorted({rule.host for rule in args.rules}))
        self.register_outputs({"hosts": self.hosts})
