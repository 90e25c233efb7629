"""The pair-by-pair reading of the policies: verdicts with the walk behind them.

Explanations, hypothetical peers (`egress_to`, `ingress_from`) and exposure's potential
peers (`PolicyIndex.potential`) use it; the bulk engine must agree with it (a property
test checks that they do). For one direction of one pair
it walks the tiers in order (`netkit.reachability.layers`): each rule of a policy that
selects the endpoint and whose peers take the other end acts on the part of the traffic
still undecided (Allow and Deny decide it, Pass sends it past the rest of the tier, Log
lets it go on); a tier that applied ends with its end action (Deny, or Pass to the next
tier) on what it left; whatever no tier decided is allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from netkit.model import (
    ContainerPort,
    NetworkModel,
    NetworkPolicy,
    RuleAction,
    TierEnd,
    Workload,
)
from netkit.portset import ConnectionSet
from netkit.reachability.layers import Layers, Policy, Rule
from netkit.reachability.matching import (
    ALL,
    NONE,
    Atom,
    Pod,
    hypothetical_pod,
    pods_of,
)
from netkit.reachability.results import (
    Direction,
    DirectionVerdict,
    RuleMatch,
    StepKind,
    WalkStep,
)


class PolicyIndex:
    """The model's policies in evaluation order, read pair by pair.

    The bulk engine must agree with this reading; explanations and hypothetical peers use it.
    """

    def __init__(self, model: NetworkModel, layers: Layers | None = None) -> None:
        self.layers = layers or Layers(model)
        # Pods are asked about again and again (every pair, every rule): their selecting
        # policies are kept, by identity, with the pod itself so an id is never reused.
        self._selecting: dict[tuple[Direction, int], tuple[Pod, list[Policy]]] = {}
        self._by_namespace: dict[str, list[NetworkPolicy]] = {}
        for policy in model.network_policies:
            self._by_namespace.setdefault(policy.namespace, []).append(policy)

    def in_namespace(self, namespace: str) -> list[NetworkPolicy]:
        """The NetworkPolicies of `namespace`."""
        return self._by_namespace.get(namespace, [])

    def selecting(self, direction: Direction, pod: Pod) -> list[Policy]:
        """Every enforced policy (any tier) that applies to `pod` for `direction`."""
        key = (direction, id(pod))
        known = self._selecting.get(key)
        if known is None or known[0] is not pod:
            found = [p for p in self.layers.policies if self.layers.selects(p, direction, pod)]
            known = self._selecting[key] = (pod, found)
        return known[1]

    def verdict(
        self,
        direction: Direction,
        src: Pod | Atom,
        dst: Pod | Atom,
        src_name: str,
        dst_name: str,
    ) -> DirectionVerdict:
        """The egress verdict of `src` (a pod) towards `dst`, or the ingress verdict of `dst`."""
        endpoint = src_name if direction is Direction.EGRESS else dst_name
        walk = self._pair_walk(direction, src, dst, None)
        layers = self.layers
        return DirectionVerdict(
            direction,
            endpoint,
            walk.isolated,
            tuple(p.ref for p in walk.selecting),
            tuple(walk.matches),
            walk.allowed,
            tuple(walk.steps),
            layers.has_tiered,
            layers.names_icmp,
        )

    def reaching(
        self, direction: Direction, src: Pod | Atom, dst: Pod | Atom, rule: Rule
    ) -> tuple[ConnectionSet, tuple[WalkStep, ...]]:
        """The traffic of the pair still undecided when the walk comes to `rule` (none if
        it never does: its policy does not select the endpoint), and the steps before it."""
        walk = self._pair_walk(direction, src, dst, rule)
        return (walk.undecided if walk.stopped else NONE), tuple(walk.steps)

    def potential(
        self, direction: Direction, subject: Pod, takes: Callable[[Rule], bool]
    ) -> tuple[ConnectionSet, frozenset[tuple[str, str]]]:
        """The verdict of `subject`'s `direction` walk for a peer that is no pod of the
        model (exposure's potential peers): the rules `takes` accepts match it.

        On ingress named ports resolve on `subject`'s ports; on egress there is no pod to
        resolve them on, and the (protocol, name) pairs the allowing rules name come back
        apart ("" for a name without protocol, as the network-policy API writes them).
        """
        destination = subject if direction is Direction.INGRESS else None
        walk = self._walk(direction, subject, takes, destination, None)
        return walk.allowed, frozenset(walk.names)

    def _pair_walk(
        self, direction: Direction, src: Pod | Atom, dst: Pod | Atom, stop_at: Rule | None
    ) -> _Walk:
        subject = src if direction is Direction.EGRESS else dst
        other = dst if direction is Direction.EGRESS else src
        assert isinstance(subject, Pod)
        layers = self.layers
        destination = dst if isinstance(dst, Pod) else None
        return self._walk(
            direction, subject, lambda rule: layers.rule_matches(rule, other), destination, stop_at
        )

    def _walk(
        self,
        direction: Direction,
        subject: Pod,
        takes: Callable[[Rule], bool],
        destination: Pod | None,
        stop_at: Rule | None,
    ) -> _Walk:
        """`subject`'s walk in `direction` against the other end, whose matching rules
        `takes` accepts; `destination` resolves named ports (None: an address or a potential
        peer)."""
        layers = self.layers
        walk = _Walk(self.selecting(direction, subject))
        undecided, passed = ALL, NONE
        for tier_index, tier in enumerate(layers.tiers):
            in_tier = [p for p in walk.selecting if p.tier == tier_index]
            if not in_tier:
                continue  # a tier none of whose policies select the endpoint is skipped
            for policy in in_tier:
                for rule in policy.rules(direction):
                    if rule is stop_at:
                        walk.stopped, walk.undecided = True, undecided
                        return walk
                    if not layers.rule_applies(rule, subject) or not takes(rule):
                        continue
                    if (
                        destination is None
                        and rule.action is RuleAction.ALLOW
                        and not undecided.is_empty
                    ):
                        walk.names.update((p.protocol or "", p.name) for p in rule.named)
                    full = layers.rule_conns(rule, destination)
                    conns = full & undecided
                    # NetworkPolicies only allow: each matching rule is named with all it
                    # allows; with tiers, with what it decided.
                    shown = conns if layers.has_tiered else full
                    if rule.action is RuleAction.ALLOW and not shown.is_empty:
                        walk.matches.append(RuleMatch(policy.ref, direction, rule.index, shown))
                    if conns.is_empty:
                        continue
                    walk.steps.append(
                        WalkStep(
                            StepKind.RULE, tier.name, policy.ref, rule.label, rule.action, conns
                        )
                    )
                    if rule.action is RuleAction.ALLOW:
                        walk.allowed |= conns
                    if rule.action is RuleAction.PASS:
                        passed |= conns
                    if rule.action is not RuleAction.LOG:
                        undecided -= conns
            if tier.end is TierEnd.DENY:
                walk.isolated = True
            if not undecided.is_empty:
                names = ", ".join(p.ref for p in in_tier)
                walk.steps.append(
                    WalkStep(StepKind.TIER_END, tier.name, names, "", tier.end, undecided)
                )
            undecided = undecided | passed if tier.end is TierEnd.PASS else passed
            passed = NONE
        if not undecided.is_empty and (layers.has_tiered or not walk.selecting):
            walk.steps.append(WalkStep(StepKind.DEFAULT, "", "", "", RuleAction.ALLOW, undecided))
        walk.allowed |= undecided
        return walk


@dataclass
class _Walk:
    """The walk of one direction of one pair, as far as it went."""

    selecting: list[Policy]
    steps: list[WalkStep] = field(default_factory=list)
    matches: list[RuleMatch] = field(default_factory=list)
    allowed: ConnectionSet = NONE
    isolated: bool = False
    stopped: bool = False
    undecided: ConnectionSet = NONE
    """With `stopped`: what was undecided when the walk came to the rule it stopped at."""
    names: set[tuple[str, str]] = field(default_factory=set)
    """Towards no pod: the (protocol, name) of the named ports of the allowing rules it met
    while something was undecided (names resolve on no address or potential peer)."""


def egress_to(
    model: NetworkModel,
    workload: Workload,
    namespace_labels: Mapping[str, str],
    pod_labels: Mapping[str, str],
    *,
    ports: Sequence[ContainerPort] = (),
) -> ConnectionSet:
    """What `workload`'s egress policies allow towards a HYPOTHETICAL pod.

    The pod need not be in the model (e.g. kube-dns: `{"kubernetes.io/metadata.name":
    "kube-system"}`, `{"k8s-app": "kube-dns"}`). Its namespace name is read from the
    `kubernetes.io/metadata.name` label, which a podSelector-only peer compares with the
    policy's namespace. `ports` are its container ports, to resolve named ports. Only the
    source side is evaluated: the hypothetical pod's own ingress policies are unknown.
    """
    target = hypothetical_pod(namespace_labels, pod_labels, ports)
    policies = PolicyIndex(model)
    result = NONE
    for pod in pods_of(model, workload):
        result |= policies.verdict(Direction.EGRESS, pod, target, "", "").allowed
    return result


def ingress_from(
    model: NetworkModel,
    workload: Workload,
    namespace_labels: Mapping[str, str],
    pod_labels: Mapping[str, str],
) -> ConnectionSet:
    """What `workload`'s ingress policies allow from a HYPOTHETICAL pod (see `egress_to`).

    Named ports resolve on `workload`'s container ports. The source's egress policies are
    unknown and not evaluated.
    """
    source = hypothetical_pod(namespace_labels, pod_labels, ())
    policies = PolicyIndex(model)
    result = NONE
    for pod in pods_of(model, workload):
        result |= policies.verdict(Direction.INGRESS, source, pod, "", "").allowed
    return result
