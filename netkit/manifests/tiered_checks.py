"""Checks across tiered policies, once every object is read.

- Two AdminNetworkPolicies with one priority: the API calls the outcome undefined, so
  netkit refuses them, as netpol-analyzer does. Two ClusterNetworkPolicies of one tier and
  priority get a note (netkit takes them by name).
- A Calico policy in a tier no `Tier` declares: Calico's API server refuses it.
- A workload whose pods an AdminNetworkPolicy, BaselineAdminNetworkPolicy or
  ClusterNetworkPolicy tells apart (it selects some of them and not the others, by a
  label on which they differ): netkit reports a workload as one peer, and an admin
  tier's Deny must not hide behind its other pods' Allow, so it refuses, as netpol-analyzer
  does, naming the pods, the label and the selector. (NetworkPolicies and Calico
  policies are evaluated pod by pod, with a note; see `netkit.manifests.identity`.)
- `nodes` peers with no Node object loaded select nothing: a note says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from netkit.errors import ManifestError
from netkit.manifests.calico import TIER_ALIASES
from netkit.model import (
    Entity,
    Labels,
    LabelSelector,
    NetworkModel,
    Selector,
    TieredPolicy,
    Workload,
)

API_KINDS = frozenset({"AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"})
IMPLIED_TIERS = frozenset({"default", "Admin", "Baseline", *TIER_ALIASES})


def check_tiered_policies(model: NetworkModel) -> NetworkModel:
    """`model` with the notes these checks add; raises ManifestError for what is refused."""
    notes = list(model.notes)
    notes.extend(_priorities(model.tiered_policies))
    _tiers_exist(model)
    _label_gaps(model)
    if not model.nodes and any(
        peer.nodes is not None for policy in model.tiered_policies for peer in _peers(policy)
    ):
        notes.append(
            "nodes peers select the host-networked pods of the Node objects they match; no "
            "Node is loaded, so they match nothing"
        )
    return replace(model, notes=tuple(notes)) if len(notes) != len(model.notes) else model


def _peers(policy: TieredPolicy) -> Iterator[Entity]:
    for rule in (*policy.ingress, *policy.egress):
        yield from rule.peers


def _priorities(policies: tuple[TieredPolicy, ...]) -> list[str]:
    notes: list[str] = []
    seen: dict[tuple[str, str, float | None], TieredPolicy] = {}
    for policy in policies:
        if policy.kind not in ("AdminNetworkPolicy", "ClusterNetworkPolicy"):
            continue
        key = (policy.kind, policy.tier, policy.order)
        other = seen.get(key)
        if other is None:
            seen[key] = policy
            continue
        if policy.kind == "AdminNetworkPolicy":
            raise ManifestError(
                f"{policy.source} (AdminNetworkPolicy {policy.name}): spec.priority: "
                f"{policy.order:g} is also the priority of AdminNetworkPolicy {other.name} "
                f"({other.source}); the API leaves the order of two policies with one "
                "priority undefined (they conflict), so netkit cannot say which decides; give "
                "each a priority of its own"
            )
        first, second = sorted((other.name, policy.name))
        notes.append(
            f"ClusterNetworkPolicies {first} and {second} share tier {policy.tier} and priority "
            f"{policy.order:g}; the API leaves their order to the implementation: netkit takes "
            f"{first} first"
        )
    return notes


def _tiers_exist(model: NetworkModel) -> None:
    declared = {tier.name for tier in model.policy_tiers} | IMPLIED_TIERS
    for policy in model.tiered_policies:
        if policy.kind in API_KINDS or policy.tier in declared:
            continue
        raise ManifestError(
            f"{policy.source} ({policy.kind} {policy.ref}): spec.tier: {policy.tier!r} is not "
            "declared; Calico's API server refuses a policy in a tier that does not exist; "
            f"add a Tier named {policy.tier!r} (with its order) to the manifests"
        )


def _label_gaps(model: NetworkModel) -> None:
    policies = [p for p in model.tiered_policies if p.kind in API_KINDS]
    if not policies:
        return
    for workload in model.workloads:
        if not workload.pod_variants:
            continue
        namespace = model.namespace(workload.namespace).effective_labels()
        first = workload.labels
        for variant in workload.pod_variants:
            for policy in policies:
                for path, entity in _pod_selections(policy):
                    if (
                        entity.namespace_selector is not None
                        and not entity.namespace_selector.matches(namespace)
                    ):
                        continue
                    selector = entity.pod_selector
                    if selector is None or selector.matches(first) == selector.matches(
                        variant.labels
                    ):
                        continue
                    raise ManifestError(
                        _gap_message(workload, variant.name, variant.labels, policy, path, selector)
                    )


def _pod_selections(policy: TieredPolicy) -> Iterator[tuple[str, Entity]]:
    yield "spec.subject.pods.podSelector", policy.subject
    for rule in (*policy.ingress, *policy.egress):
        for peer in rule.peers:
            yield f"{rule.path} (a pods peer)", peer


def _gap_message(
    workload: Workload,
    other: str,
    labels: Labels,
    policy: TieredPolicy,
    path: str,
    selector: Selector,
) -> str:
    differing = sorted(
        key
        for key in set(workload.labels) | set(labels)
        if workload.labels.get(key) != labels.get(key)
    )
    shown = ", ".join(
        f"{key}={workload.labels.get(key, '(none)')} / {labels.get(key, '(none)')}"
        for key in differing
    )
    text = _selector_text(selector)
    return (
        f"{workload.source} ({workload.ref}): pods of the same owner differ in their labels "
        f"({shown}; pod {other}), and {policy.kind} {policy.name} ({path}: {text}) selects some "
        "of them and not the others; netkit reports a workload as one peer and would hide "
        "that policy's decision for some of its pods; give the pods one label set, or select "
        "by a label they share"
    )


def _selector_text(selector: Selector) -> str:
    if isinstance(selector, LabelSelector):
        parts = [f"{k}={v}" for k, v in sorted(selector.match_labels.items())]
        parts += [f"{r.key} {r.operator} {sorted(r.values)}" for r in selector.match_expressions]
        return ",".join(parts) or "{}"
    return str(selector)
