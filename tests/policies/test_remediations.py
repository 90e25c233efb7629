"""The pack's mechanical fixes: each a pure function of a resource's inputs and config."""

from __future__ import annotations

import pytest

from netkit_policies.registry import InvalidPolicyConfig, PackConfig
from netkit_policies.remediations import REMEDIATIONS, loopback_ports, with_dns_egress

LOOPBACK, DNS = REMEDIATIONS
DNS_CONFIG = DNS.resolve({})


def container(*addresses: str | None) -> dict[str, object]:
    ports = []
    for number, address in enumerate(addresses, start=8080):
        port: dict[str, object] = {"internal": number, "external": number, "protocol": "tcp"}
        if address is not None:
            port["ip"] = address
        ports.append(port)
    return {"name": "web", "image": "netkit/busybox:local", "ports": ports}


def test_ports_on_every_address_are_bound_to_loopback_and_others_are_left_alone():
    fixed = loopback_ports(container("0.0.0.0", None, "::", "10.0.0.5", "127.0.0.1"), {})
    assert fixed is not None
    assert [port["ip"] for port in fixed["ports"]] == [  # type: ignore[index]
        "127.0.0.1", "127.0.0.1", "::1", "10.0.0.5", "127.0.0.1",
    ]  # fmt: skip


def test_a_container_that_needs_no_fix_or_is_allowed_is_not_rewritten():
    assert loopback_ports(container("127.0.0.1"), {}) is None
    assert loopback_ports(container("0.0.0.0"), {"allowedContainers": ["web"]}) is None


def policy(types: list[str] | None, egress: list[dict[str, object]]) -> dict[str, object]:
    spec: dict[str, object] = {"podSelector": {}, "egress": egress}
    if types is not None:
        spec["policyTypes"] = types
    return {"metadata": {"name": "p", "namespace": "shop"}, "spec": spec}


def test_an_egress_isolating_policy_without_dns_gets_the_dns_rule():
    fixed = with_dns_egress(policy(["Ingress", "Egress"], []), DNS_CONFIG)
    assert fixed is not None
    assert fixed["spec"]["egress"] == [  # type: ignore[index]
        {
            "to": [
                {
                    "namespaceSelector": {
                        "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                    },
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }
            ],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        }
    ]


@pytest.mark.parametrize(
    "inputs",
    [
        policy(["Ingress"], []),  # isolates ingress only
        policy(None, []),  # no egress rules and no policyTypes: ingress only
        policy(["Egress"], [{"ports": [{"protocol": "UDP", "port": 53}]}]),
        policy(["Egress"], [{"to": [{"podSelector": {}}]}]),  # every port
        policy(["Egress"], [{"ports": [{"protocol": "UDP", "port": 50, "endPort": 60}]}]),
    ],
)
def test_a_policy_that_does_not_isolate_egress_or_allows_dns_is_left_alone(inputs):
    assert with_dns_egress(inputs, DNS_CONFIG) is None


def test_an_exempt_namespace_is_left_alone():
    config = DNS.resolve({"exemptNamespaces": ["shop"]})
    assert with_dns_egress(policy(["Egress"], []), config) is None


def test_the_pack_config_takes_the_remediate_level_and_checks_the_properties():
    config = PackConfig.parse(
        {LOOPBACK.name: {"enforcementLevel": "remediate", "allowedContainers": ["web"]}}
    )
    assert config.values == {}  # nothing of it runs offline
    with pytest.raises(InvalidPolicyConfig, match="unknown property 'allowed'"):
        PackConfig.parse({LOOPBACK.name: {"allowed": []}})
