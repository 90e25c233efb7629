"""Staged policies: what they would change, as a reachability diff.

Calico's StagedNetworkPolicy, StagedGlobalNetworkPolicy and StagedKubernetesNetworkPolicy
"let you test the traffic impact of the policy as if it were enforced, but without
changing actual traffic flow": they never decide traffic, and netkit's reachability leaves
them out. `would_be(model)` is the model as if each were enforced: `stagedAction: Set`
adds it (replacing the enforced policy of the same kind, namespace and name), `Delete`
removes that policy. `staged_effect(model)` is the diff from the one to the other: the
connections staging would open, close or change.
"""

from __future__ import annotations

from dataclasses import replace

from netkit.diff import ConnectionDiff, diff
from netkit.model import NetworkModel, StagedAction, TieredPolicy

ENFORCED_KIND = {
    "StagedNetworkPolicy": "NetworkPolicy",
    "StagedGlobalNetworkPolicy": "GlobalNetworkPolicy",
}
"""The kind each staged Calico kind becomes once enforced."""


def has_staged(model: NetworkModel) -> bool:
    return bool(model.staged_kubernetes_policies) or any(
        p.staged is not None for p in model.tiered_policies
    )


def would_be(model: NetworkModel) -> NetworkModel:
    """`model` with every staged policy enforced as its `stagedAction` says."""
    tiered = [p for p in model.tiered_policies if p.staged is None]
    for staged in (p for p in model.tiered_policies if p.staged is not None):
        kind = ENFORCED_KIND[staged.kind]
        tiered = [
            p
            for p in tiered
            if (p.kind, p.namespace, p.name) != (kind, staged.namespace, staged.name)
        ]
        if staged.staged is StagedAction.SET:
            tiered.append(_enforced(staged, kind))
    policies = list(model.network_policies)
    for staged_kube in model.staged_kubernetes_policies:
        key = (staged_kube.policy.namespace, staged_kube.policy.name)
        policies = [p for p in policies if (p.namespace, p.name) != key]
        if staged_kube.action is StagedAction.SET:
            policies.append(staged_kube.policy)
    return replace(
        model,
        tiered_policies=tuple(tiered),
        network_policies=tuple(policies),
        staged_kubernetes_policies=(),
    )


def _enforced(staged: TieredPolicy, kind: str) -> TieredPolicy:
    return replace(staged, kind=kind, staged=None)


def staged_effect(model: NetworkModel) -> list[ConnectionDiff]:
    """The connections the staged policies would change, were they enforced."""
    return diff(model, would_be(model))
