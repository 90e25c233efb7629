"""Kubernetes helpers shared by the rule modules: policy shapes, selectors, descriptions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from netkit.model import (
    NAMESPACE_NAME_LABEL,
    LabelSelector,
    NetworkModel,
    NetworkPolicy,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
    SelectorOperator,
    Workload,
)
from netkit.reachability import Direction

EXEMPT_NAMESPACES: Mapping[str, Any] = {
    "type": "array",
    "items": {"type": "string", "format": "dns-label"},
    "default": ["kube-system", "kube-public", "kube-node-lease"],
    "description": "Namespaces the rule leaves alone (the cluster's own).",
}

ALLOWED_POLICIES: Mapping[str, Any] = {
    "type": "array",
    "items": {"type": "string", "format": "namespaced-name"},
    "default": [],
    "description": "NetworkPolicies allowed to do this anyway, as `namespace/name`.",
}

DNS_PORT = 53
DNS_PORT_NAMES = frozenset({"dns", "dns-tcp"})
KUBERNETES = "kubernetes:"


def rules_of(policy: NetworkPolicy, direction: Direction) -> tuple[PolicyRule, ...]:
    return policy.ingress if direction is Direction.INGRESS else policy.egress


def affects(policy: NetworkPolicy, direction: Direction) -> bool:
    return policy.affects_ingress if direction is Direction.INGRESS else policy.affects_egress


def is_default_deny(policy: NetworkPolicy, direction: Direction) -> bool:
    """Selects every pod of its namespace and allows nothing in `direction`."""
    return (
        policy.pod_selector.is_empty
        and affects(policy, direction)
        and not rules_of(policy, direction)
    )


def is_pure_deny(policy: NetworkPolicy) -> bool:
    """Allows nothing in any direction it affects."""
    return not (
        (policy.affects_ingress and policy.ingress) or (policy.affects_egress and policy.egress)
    )


def is_dns_port(port: PolicyPort) -> bool:
    if port.protocol not in ("UDP", "TCP"):
        return False
    if isinstance(port.port, str):
        return port.port in DNS_PORT_NAMES
    return port.port == DNS_PORT and (port.end_port is None or port.end_port == DNS_PORT)


def is_dns_only_rule(rule: PolicyRule) -> bool:
    """An egress rule that allows port 53 and nothing else."""
    return bool(rule.ports) and all(is_dns_port(port) for port in rule.ports)


def is_dns_only_policy(policy: NetworkPolicy) -> bool:
    """Allows only egress on port 53 (the namespace-wide DNS allowance)."""
    if policy.affects_ingress and policy.ingress:
        return False
    return bool(policy.egress) and all(is_dns_only_rule(rule) for rule in policy.egress)


def selector_text(selector: LabelSelector | None) -> str:
    """`app=web`, `{}` (everything), `tier in (api,web)`."""
    if selector is None or selector.is_empty:
        return "{}"
    parts = [f"{key}={value}" for key, value in sorted(selector.match_labels.items())]
    for req in selector.match_expressions:
        if req.operator in (SelectorOperator.IN, SelectorOperator.NOT_IN):
            word = "in" if req.operator is SelectorOperator.IN else "notin"
            parts.append(f"{req.key} {word} ({','.join(sorted(req.values))})")
        elif req.operator is SelectorOperator.EXISTS:
            parts.append(req.key)
        else:
            parts.append(f"!{req.key}")
    return ",".join(parts)


def pods_text(policy: NetworkPolicy) -> str:
    """The pods a policy selects, for messages."""
    if policy.pod_selector.is_empty:
        return f"every pod of namespace {policy.namespace!r}"
    return f"pods {selector_text(policy.pod_selector)}"


def ports_text(ports: Iterable[PolicyPort]) -> str:
    """`all ports`, or `TCP 8080, UDP 53`."""
    items = []
    for port in ports:
        if port.port is None:
            items.append(f"all {port.protocol}")
        elif port.end_port:
            items.append(f"{port.protocol} {port.port}-{port.end_port}")
        else:
            items.append(f"{port.protocol} {port.port}")
    return ", ".join(items) if items else "all ports"


def ref(policy: NetworkPolicy) -> str:
    return f"{policy.namespace}/{policy.name}"


def workload_ref(workload: Workload) -> str:
    """`namespace/name`, the notation of declared connections."""
    return f"{workload.namespace}/{workload.name}"


def pod_label_sets(workload: Workload) -> list[Mapping[str, str]]:
    """The labels of every kind of pod the workload runs (the template and variants)."""
    return [workload.labels, *(variant.labels for variant in workload.pod_variants)]


def selects(selector: LabelSelector, workload: Workload) -> bool:
    return any(selector.matches(labels) for labels in pod_label_sets(workload))


def namespace_labels(model: NetworkModel, name: str) -> Mapping[str, str]:
    return model.namespace(name).effective_labels()


def peer_matches(
    peer: PolicyPeer,
    policy_namespace: str,
    namespace: str,
    ns_labels: Mapping[str, str],
    pod_labels: Mapping[str, str] | None,
) -> bool:
    """Whether a selector peer matches a pod (`pod_labels` None: any pod of the namespace)."""
    if peer.ip_block is not None:
        return False
    if peer.namespace_selector is None:
        if namespace != policy_namespace:
            return False
    elif not peer.namespace_selector.matches(ns_labels):
        return False
    if peer.pod_selector is None or peer.pod_selector.is_empty:
        return True
    return pod_labels is not None and peer.pod_selector.matches(pod_labels)


def namespace_name_of(selector: LabelSelector) -> str | None:
    """The one namespace a selector picks by its name label, when that is all it says."""
    if selector.match_expressions or set(selector.match_labels) != {NAMESPACE_NAME_LABEL}:
        return None
    return selector.match_labels[NAMESPACE_NAME_LABEL]
