"""Default deny for a namespace, keeping DNS: the most common policy outage avoided."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from netkit.spec import DnsSpec

DEFAULT_DENY = "default-deny"
ALLOW_DNS = "allow-dns-egress"


class NamespaceIsolation(pulumi.ComponentResource):
    """Deny all ingress and egress of every pod in `namespace`, except DNS lookups.

    With `default_deny=False` only the DNS policy is written: a namespace whose pods
    are isolated by other policies (a declared connection's egress) still resolves names.

    Two NetworkPolicies: `default-deny` (empty podSelector, both policy types, no rules)
    and, unless `allow_dns` is False, `allow-dns-egress` to the cluster DNS pods on UDP
    and TCP 53 (TCP for truncated answers; a deny that breaks DNS breaks everything).
    """

    policy_names: pulumi.Output[list[str]]
    """Names of the NetworkPolicies written: the default deny, then the DNS allowance (each when enabled)."""

    def __init__(
        self,
        name: str,
        namespace: pulumi.Input[str],
        dns: DnsSpec | None = None,
        default_deny: bool = True,
        allow_dns: bool = True,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("netkit:kubernetes:NamespaceIsolation", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        names: list[pulumi.Output[str]] = []
        if default_deny:
            deny = k8s.networking.v1.NetworkPolicy(
                f"{name}-default-deny",
                metadata={"name": DEFAULT_DENY, "namespace": namespace},
                spec={"pod_selector": {}, "policy_types": ["Ingress", "Egress"]},
                opts=child,
            )
            names.append(deny.metadata.apply(lambda m: m.name or DEFAULT_DENY))
        if allow_dns:
            dns = dns or DnsSpec()
            allow = k8s.networking.v1.NetworkPolicy(
                f"{name}-allow-dns",
                metadata={"name": ALLOW_DNS, "namespace": namespace},
                spec={
                    "pod_selector": {},
                    "policy_types": ["Egress"],
                    "egress": [
                        {
                            "to": [
                                {
                                    "namespace_selector": {
                                        "match_labels": {
                                            "kubernetes.io/metadata.name": dns.namespace
                                        }
                                    },
                                    "pod_selector": {"match_labels": dict(dns.pod_labels)},
                                }
                            ],
                            "ports": [
                                {"protocol": "UDP", "port": 53},
                                {"protocol": "TCP", "port": 53},
                            ],
                        }
                    ],
                },
                opts=child,
            )
            names.append(allow.metadata.apply(lambda m: m.name or ALLOW_DNS))
        self.policy_names = pulumi.Output.all(*names)
        self.register_outputs({"policy_names": self.policy_names})
