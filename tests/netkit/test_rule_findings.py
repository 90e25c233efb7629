"""Rules their order hides, and Passes no later tier takes up."""

from __future__ import annotations

from typing import Any

from netkit.manifests import model_from_objects
from netkit.reachability import Direction, analyze
from netkit.reachability.rule_findings import passes_to_default, shadowed_rules


def pod(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {"containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 80}]}]},
    }


def anp(
    ingress: list[dict[str, Any]], egress: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    spec: dict[str, Any] = {"priority": 1, "subject": {"namespaces": {}}, "ingress": ingress}
    if egress:
        spec["egress"] = egress
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": "order"},
        "spec": spec,
    }


def from_ns(name: str | None) -> list[dict[str, Any]]:
    selector = {"matchLabels": {"kubernetes.io/metadata.name": name}} if name else {}
    return [{"namespaces": selector}]


def reach(*policies: dict[str, Any]):
    objects = [pod("a", "x"), pod("b", "y"), *policies]
    return analyze(model_from_objects([(f"doc {i}", o) for i, o in enumerate(objects)]))


def test_a_rule_after_a_deny_of_everything_it_matches_is_shadowed_and_names_the_deny():
    (found,) = shadowed_rules(
        reach(
            anp(
                [
                    {"name": "deny-all", "action": "Deny", "from": from_ns(None)},
                    {"name": "allow-x", "action": "Allow", "from": from_ns("x")},
                ]
            )
        )
    )
    assert (found.policy.ref, found.direction, found.rule) == (
        "anp/order",
        Direction.INGRESS,
        "spec.ingress[1] (allow-x)",
    )
    assert found.by == ("[Admin] anp/order spec.ingress[0] (deny-all)",)


def test_a_rule_that_acts_for_one_port_is_not_shadowed():
    rules = [
        {
            "name": "deny-80",
            "action": "Deny",
            "from": from_ns(None),
            "ports": [{"portNumber": {"protocol": "TCP", "port": 80}}],
        },
        {"name": "allow-x", "action": "Allow", "from": from_ns("x")},
    ]
    assert shadowed_rules(reach(anp(rules))) == []


def test_a_higher_tier_shadows_a_lower_one():
    baseline = {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "BaselineAdminNetworkPolicy",
        "metadata": {"name": "default"},
        "spec": {
            "subject": {"namespaces": {}},
            "ingress": [{"name": "allow", "action": "Allow", "from": from_ns(None)}],
        },
    }
    found = shadowed_rules(
        reach(anp([{"name": "deny", "action": "Deny", "from": from_ns(None)}]), baseline)
    )
    assert [f.policy.ref for f in found] == ["banp/default"]


def test_a_pass_no_later_tier_decides_is_an_allow_in_disguise():
    (found,) = passes_to_default(
        reach(anp([{"name": "pass", "action": "Pass", "from": from_ns(None)}]))
    )
    assert found.rule == "spec.ingress[0] (pass)" and found.pairs == 2
    assert found.example in (
        "x/a[Pod] => y/b[Pod] : All Connections",
        "y/b[Pod] => x/a[Pod] : All Connections",
    )


def test_a_pass_a_network_policy_takes_up_is_not_reported():
    policies = [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "deny", "namespace": ns},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
        }
        for ns in ("x", "y")
    ]
    assert (
        passes_to_default(
            reach(anp([{"name": "pass", "action": "Pass", "from": from_ns(None)}]), *policies)
        )
        == []
    )
