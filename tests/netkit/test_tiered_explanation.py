"""Explanations walk the tiers: each step names its tier, policy, rule, action and traffic."""

from __future__ import annotations

from netkit.connlist import render
from netkit.manifests import model_from_objects
from netkit.reachability import StepKind, analyze


def pod(name: str, namespace: str, labels: dict[str, str], port: int = 80) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [{"name": "c", "ports": [{"name": "http", "containerPort": port}]}]},
    }


MONITORING_PASS = {
    "apiVersion": "policy.networking.k8s.io/v1alpha1",
    "kind": "AdminNetworkPolicy",
    "metadata": {"name": "allow-monitoring"},
    "spec": {
        "priority": 10,
        "subject": {"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "shop-api"}}},
        "ingress": [
            {
                "name": "monitoring",
                "action": "Pass",
                "from": [
                    {"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
                ],
            }
        ],
    },
}
DENY_ALL = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "deny-all", "namespace": "shop-api"},
    "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
}


def model():
    return model_from_objects(
        [
            ("a", pod("prometheus", "monitoring", {"app": "prometheus"})),
            ("b", pod("api", "shop-api", {"app": "api"})),
            ("c", MONITORING_PASS),
            ("d", DENY_ALL),
        ]
    )


def test_a_pass_then_a_namespace_default_deny_reads_as_a_walk_through_the_tiers():
    reach = analyze(model())
    verdict = reach.explain("monitoring/prometheus[Pod]", "shop-api/api[Pod]").ingress
    assert verdict is not None
    assert [(s.kind, s.tier, s.policy, s.action) for s in verdict.steps] == [
        (StepKind.RULE, "Admin", "anp/allow-monitoring", "Pass"),
        (StepKind.TIER_END, "default", "shop-api/deny-all", "Deny"),
    ]
    assert verdict.walk_text() == (
        "[Admin] anp/allow-monitoring spec.ingress[0] (monitoring): Pass All Connections -> "
        "[default] shop-api/deny-all: no rule matches: Deny All Connections -> denied"
    )
    assert verdict.isolated and verdict.allowed.is_empty


def test_the_explained_connlist_shows_each_side_s_walk():
    reach = analyze(model())
    rows = [reach.explain(s, d) for s, d in reach.denied()]
    text = render(rows, "txt")
    assert "monitoring/prometheus[Pod] => shop-api/api[Pod] : No Connections" in text
    assert "    ingress: [Admin] anp/allow-monitoring spec.ingress[0] (monitoring): Pass" in text
    assert "    egress: no policy selects monitoring/prometheus[Pod] -> allowed" in text


def test_a_network_policy_only_model_keeps_its_explanation_wording():
    reach = analyze(
        model_from_objects(
            [
                ("a", pod("x", "ns", {})),
                ("b", pod("y", "ns", {})),
                ("c", {**DENY_ALL, "metadata": {"name": "deny-all", "namespace": "ns"}}),
            ]
        )
    )
    lines = reach.explain("ns/x[Pod]", "ns/y[Pod]").lines()
    assert lines[-1] == (
        "    ingress: denied; ns/y[Pod] is isolated for ingress by ns/deny-all and no ingress "
        "rule matches ns/x[Pod]"
    )


def test_connection_lists_say_what_icmp_is_allowed_when_a_calico_rule_names_it():
    ping = {
        "apiVersion": "projectcalico.org/v3",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "ping"},
        "spec": {
            "selector": "app == 'api'",
            "ingress": [
                {"action": "Allow", "protocol": "ICMP", "icmp": {"type": 8}},
                {"action": "Allow", "protocol": "TCP", "destination": {"ports": [80]}},
            ],
        },
    }
    reach = analyze(
        model_from_objects(
            [("a", pod("p", "ns", {})), ("b", pod("api", "ns", {"app": "api"})), ("c", ping)]
        )
    )
    assert reach.shows_icmp
    rows = [c for c in reach.connections() if c.dst.name == "ns/api[Pod]"]
    assert render(rows, "txt", icmp=reach.shows_icmp).splitlines() == [
        "0.0.0.0-255.255.255.255[External] => ns/api[Pod] : ICMP 8,TCP 80",
        "ns/p[Pod] => ns/api[Pod] : ICMP 8,TCP 80",
    ]
    assert render(rows, "txt").splitlines()[1] == "ns/p[Pod] => ns/api[Pod] : TCP 80"
