"""What a stack's enforcer will do differently from the policies it is given.

Two kinds of departure, each a finding the policy pack words and `netkit probe` uses to
label a disagreement as the enforcer's, not a mystery:

- **Kinds it does not enforce.** `ENFORCED_KINDS` says which policy kinds each CNI plugin
  applies (NetworkPolicy for every one that enforces policy; Calico also its own kinds and
  the network-policy API's; Antrea the v1alpha1 AdminNetworkPolicy and
  BaselineAdminNetworkPolicy). A policy of another kind is accepted by the API server (its
  CRD installed) and applied by nothing.
- **Known defects, measured.** kube-router v2.1.0 builds one address set per named-port
  entry (name, protocol, number) of a policy's pods and keeps, in every entry a pod
  created first, one map of addresses shared by all that pod's entries; a later pod with
  an identical entry adds its address to that map, so the address leaks into the first
  pod's other named ports (`grabNamedPortFromPod` in `pkg/controllers/netpol/policy.go`;
  seen on the local cluster, see `kube_router_deviations`). Which pod comes first is the
  lister's order, so the leak is a "may". A rule whose named ports resolve on no pod is,
  by the same code, left with no port condition: every port (read in the code).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from netkit.model import (
    ContainerPort,
    NetworkModel,
    NetworkPolicy,
    PolicyPeer,
    PolicyRule,
    Workload,
)
from netkit.portset import ConnectionSet
from netkit.reachability.matching import Pod, peer_matches_pod, pods_of, split_ports
from netkit.reachability.results import Direction

NETWORK_POLICY = "NetworkPolicy"
CALICO_KINDS = frozenset(
    {
        NETWORK_POLICY,
        "AdminNetworkPolicy",
        "BaselineAdminNetworkPolicy",
        "ClusterNetworkPolicy",
        "GlobalNetworkPolicy",
        "Tier",
    }
)
ENFORCED_KINDS: dict[str, frozenset[str]] = {
    "calico": CALICO_KINDS,
    "canal": CALICO_KINDS,
    "cilium": frozenset({NETWORK_POLICY}),
    "kube-router": frozenset({NETWORK_POLICY}),
    "antrea": frozenset({NETWORK_POLICY, "AdminNetworkPolicy", "BaselineAdminNetworkPolicy"}),
    "weave": frozenset({NETWORK_POLICY}),
    "flannel": frozenset(),
}
"""The policy kinds each plugin applies, as netkit knows them (Calico's own NetworkPolicy
counts under GlobalNetworkPolicy's API group, as `Tier`'s)."""

KUBE_ROUTER_VERSION = "v2.1.0"


def unenforced_kinds(model: NetworkModel, plugin: str) -> list[str]:
    """The kinds of the model's enforced (not staged) tiered policies and tiers that
    `plugin` does not apply, sorted."""
    enforced = ENFORCED_KINDS.get(plugin, frozenset())
    kinds = {p.kind for p in model.tiered_policies if p.staged is None}
    if model.policy_tiers:
        kinds.add("Tier")
    return sorted(kind for kind in kinds if kind not in enforced)


@dataclass(frozen=True)
class Deviation:
    """Traffic an enforcer may allow that the policies deny."""

    enforcer: str
    policy: NetworkPolicy
    direction: Direction
    rule: int
    """Position of the rule in `spec.ingress` or `spec.egress`."""
    workload: Workload
    """The pods that may be opened (the destination)."""
    conns: ConnectionSet
    """What may be opened on them, beyond what the policies allow."""
    reason: str

    @property
    def path(self) -> str:
        return f"spec.{self.direction}[{self.rule}]"

    def text(self) -> str:
        return (
            f"{self.enforcer} {KUBE_ROUTER_VERSION} may open {self.conns} of {self.workload.ref} "
            f"to the peers of {self.policy.namespace}/{self.policy.name} {self.path}: "
            f"{self.reason}"
        )


Entry = tuple[str, str, int]
"""A named container port as kube-router keys it: (name, protocol, number)."""


def _entries(ports: Iterable[ContainerPort]) -> set[Entry]:
    return {(p.name, p.protocol.upper(), p.port) for p in ports if p.name}


def kube_router_deviations(model: NetworkModel) -> list[Deviation]:
    """Every (policy rule, workload, ports) kube-router v2.1.0 may open though the rule does
    not: named ports leaking between pods that share an entry, and rules whose named ports
    resolve on no pod."""
    found: list[Deviation] = []
    namespace_pods = [(w, pod) for w in model.workloads for pod in pods_of(model, w)]
    for policy in model.network_policies:
        selected = [
            (w, pod)
            for w, pod in namespace_pods
            if pod.namespace == policy.namespace and policy.pod_selector.matches(pod.labels)
        ]
        for index, rule in enumerate(policy.ingress if policy.affects_ingress else ()):
            found.extend(_rule_deviations(policy, Direction.INGRESS, index, rule, selected))
        for index, rule in enumerate(policy.egress if policy.affects_egress else ()):
            if rule.peers:
                targets = [
                    (w, pod)
                    for w, pod in namespace_pods
                    if any(peer_matches_pod(policy, peer, pod) for peer in rule.peers)
                ]
            else:  # kube-router resolves such names on the policy's own namespace only
                targets = [
                    (w, pod) for w, pod in namespace_pods if pod.namespace == policy.namespace
                ]
            found.extend(_rule_deviations(policy, Direction.EGRESS, index, rule, targets))
    return found


def _rule_deviations(
    policy: NetworkPolicy,
    direction: Direction,
    index: int,
    rule: PolicyRule,
    pods: list[tuple[Workload, Pod]],
) -> Iterator[Deviation]:
    fixed, named = split_ports(rule)
    if not named:
        return
    shapes: dict[frozenset[Entry], list[Workload]] = {}
    for workload, pod in pods:
        members = shapes.setdefault(frozenset(_entries(pod.ports)), [])
        if workload not in members:
            members.append(workload)
    wanted = set(named)
    resolves = any((protocol, name) in wanted for shape in shapes for name, protocol, _ in shape)
    if not resolves and fixed.is_empty:
        for workloads in shapes.values():
            for workload in workloads:
                yield Deviation(
                    "kube-router",
                    policy,
                    direction,
                    index,
                    workload,
                    ConnectionSet.all(),
                    f"its named ports ({', '.join(sorted(n for _, n in named))}) resolve on none "
                    "of the rule's pods, and kube-router then applies the rule to every port "
                    "(read in its code)",
                )
        return
    for first, first_workloads in shapes.items():
        for later, later_workloads in shapes.items():
            shared = first & later
            if first == later or not shared:
                continue
            for name, protocol, number in sorted(first):
                if (protocol, name) not in wanted or (name, protocol, number) in later:
                    continue
                leak = ConnectionSet.ports(protocol, number)
                entry = sorted(shared)[0]
                for workload in later_workloads:
                    yield Deviation(
                        "kube-router",
                        policy,
                        direction,
                        index,
                        workload,
                        leak,
                        f"its pods share the named port {entry[0]} {entry[2]}/{entry[1]} with "
                        f"{first_workloads[0].ref}, whose port {name!r} is {number}/{protocol}; "
                        "kube-router adds the later pod's address to every named port of the "
                        "first",
                    )


def deviation_for(
    deviations: Iterable[Deviation],
    model: NetworkModel,
    src: Workload,
    dst: Workload,
    protocol: str,
    port: int,
) -> Deviation | None:
    """The deviation that explains `src` reaching `dst` on `port`/`protocol` though the
    policies deny it, if one does."""
    for deviation in deviations:
        if not deviation.conns.allows(protocol, port):
            continue
        policy = deviation.policy
        rules = policy.ingress if deviation.direction is Direction.INGRESS else policy.egress
        rule = rules[deviation.rule]
        if deviation.direction is Direction.INGRESS:
            if deviation.workload != dst:
                continue
            if _peers_take(policy, rule.peers, pods_of(model, src)):
                return deviation
        elif deviation.workload == dst and any(
            policy.pod_selector.matches(pod.labels) and pod.namespace == policy.namespace
            for pod in pods_of(model, src)
        ):
            return deviation
    return None


def _peers_take(policy: NetworkPolicy, peers: tuple[PolicyPeer, ...], pods: list[Pod]) -> bool:
    return not peers or any(peer_matches_pod(policy, p, pod) for p in peers for pod in pods)
