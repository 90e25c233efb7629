"""A cluster-wide baseline: one policy that denies by default and keeps DNS.

Instead of a default-deny NetworkPolicy in every namespace, one object in the tier that
comes after the namespaces' own policies:

- `GlobalNetworkPolicy` (Calico): in the `default` tier, ordered after Kubernetes
  NetworkPolicies (order 1000), it selects every pod outside the exempt namespaces for
  ingress and egress and allows only DNS; the tier's end denies the rest, for traffic the
  namespaces' NetworkPolicies do not allow. It also closes ingress from outside the cluster.
- `BaselineAdminNetworkPolicy` (v1alpha1, always named `default`) or a Baseline-tier
  `ClusterNetworkPolicy` (v1alpha2): after the NetworkPolicy tier, so it decides only for
  pods no NetworkPolicy selects in a direction; its rules allow DNS, then deny every pod
  and every address. Their ingress peers are pods only: ingress from outside the cluster
  is not closed by them (docs/policy-tiers.md).

The DNS and ingress controller namespaces are always exempt (a baseline there would cut
name resolution or every Ingress).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from netkit.spec import BaselineSpec, DnsSpec

METADATA_NAME = "kubernetes.io/metadata.name"
CALICO_NAMESPACE = "projectcalico.org/namespace"


def baseline_manifest(baseline: BaselineSpec, dns: DnsSpec, exempt: list[str]) -> dict[str, Any]:
    """The baseline object as the API server reads it (apiVersion, kind, metadata, spec)."""
    if baseline.kind == "GlobalNetworkPolicy":
        return _global_network_policy(baseline, dns, exempt)
    return _network_policy_api(baseline, dns, exempt)


def _global_network_policy(
    baseline: BaselineSpec, dns: DnsSpec, exempt: list[str]
) -> dict[str, Any]:
    quoted = ", ".join(f"'{name}'" for name in exempt)
    egress: list[dict[str, Any]] = []
    if baseline.allow_dns:
        dns_pods = " && ".join(f"{k} == '{v}'" for k, v in sorted(dns.pod_labels.items()))
        for protocol in ("UDP", "TCP"):
            egress.append(
                {
                    "action": "Allow",
                    "protocol": protocol,
                    "destination": {
                        "namespaceSelector": f"{METADATA_NAME} == '{dns.namespace}'",
                        "selector": dns_pods or "all()",
                        "ports": [53],
                    },
                }
            )
    spec: dict[str, Any] = {
        "order": baseline.order,
        "selector": f"{CALICO_NAMESPACE} not in {{{quoted}}}",
        "types": ["Ingress", "Egress"],
    }
    if egress:
        spec["egress"] = egress
    return {
        "apiVersion": "projectcalico.org/v3",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": baseline.name},
        "spec": spec,
    }


def _network_policy_api(baseline: BaselineSpec, dns: DnsSpec, exempt: list[str]) -> dict[str, Any]:
    v1alpha1 = baseline.kind == "BaselineAdminNetworkPolicy"
    allow = "Allow" if v1alpha1 else "Accept"
    subject = {
        "namespaces": {
            "matchExpressions": [{"key": METADATA_NAME, "operator": "NotIn", "values": exempt}]
        }
    }
    egress: list[dict[str, Any]] = []
    if baseline.allow_dns:
        peer = {
            "pods": {
                "namespaceSelector": {"matchLabels": {METADATA_NAME: dns.namespace}},
                "podSelector": {"matchLabels": dict(dns.pod_labels)},
            }
        }
        ports: dict[str, Any] = (
            {"ports": [{"portNumber": {"protocol": p, "port": 53}} for p in ("UDP", "TCP")]}
            if v1alpha1
            else {"protocols": [{p: {"destinationPort": {"number": 53}}} for p in ("udp", "tcp")]}
        )
        egress.append({"name": "allow-dns", "action": allow, "to": [peer], **ports})
    egress.append({"name": "deny-pods", "action": "Deny", "to": [{"namespaces": {}}]})
    egress.append(
        {"name": "deny-addresses", "action": "Deny", "to": [{"networks": ["0.0.0.0/0", "::/0"]}]}
    )
    spec: dict[str, Any] = {
        "subject": subject,
        "ingress": [{"name": "deny-pods", "action": "Deny", "from": [{"namespaces": {}}]}],
        "egress": egress,
    }
    if v1alpha1:
        return {
            "apiVersion": "policy.networking.k8s.io/v1alpha1",
            "kind": "BaselineAdminNetworkPolicy",
            "metadata": {"name": "default"},
            "spec": spec,
        }
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha2",
        "kind": "ClusterNetworkPolicy",
        "metadata": {"name": baseline.name},
        "spec": {"tier": "Baseline", "priority": 1000, **spec},
    }


class ClusterBaseline(pulumi.ComponentResource):
    """One cluster-wide policy that denies by default and keeps DNS, for every namespace.

    A Calico GlobalNetworkPolicy, a BaselineAdminNetworkPolicy or a Baseline-tier
    ClusterNetworkPolicy, as `baseline.kind` says (see the module docstring for how each
    decides).

    `exempt` are the namespaces it leaves alone (the stack adds the DNS and ingress
    controller namespaces to the spec's). The object's API must be served by the cluster:
    Calico for a GlobalNetworkPolicy, the network-policy API's CRDs for the others.
    """

    kind: pulumi.Output[str]
    """The kind written: GlobalNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy."""
    policy_name: pulumi.Output[str]
    """The object's name."""

    def __init__(
        self,
        name: str,
        baseline: BaselineSpec,
        dns: DnsSpec,
        exempt: list[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("netkit:kubernetes:ClusterBaseline", name, None, opts)
        manifest = baseline_manifest(baseline, dns, exempt)
        k8s.apiextensions.CustomResource(
            f"{name}-policy",
            api_version=manifest["apiVersion"],
            kind=manifest["kind"],
            metadata=manifest["metadata"],
            spec=manifest["spec"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.kind = pulumi.Output.from_input(manifest["kind"])
        self.policy_name = pulumi.Output.from_input(manifest["metadata"]["name"])
        self.register_outputs({"kind": self.kind, "policy_name": self.policy_name})
