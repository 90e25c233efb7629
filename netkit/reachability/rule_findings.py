"""What the order of tiered rules hides: rules that never act, Passes nothing takes up.

No other tool reports these (netpol-analyzer's explanations name the rule that decided a
pair, not the rules that never could):

- **Shadowed rules** (`shadowed_rules`): a rule of an AdminNetworkPolicy,
  ClusterNetworkPolicy or Calico policy that matches some pair of the model, but for
  every such pair the traffic it matches was already decided (allowed, denied or passed)
  by earlier rules of its tier or of a tier before it. It can never act: reordering or
  deleting it changes nothing, which is rarely what its author meant.
- **Passes that reach no decision** (`passes_to_default`): a Pass rule whose passed
  traffic no later tier takes up for any pair it passes: no policy of a later tier selects
  the endpoint, or none of their rules matches and their tiers pass it on. The traffic is
  then allowed by the cluster's default, so the Pass is an Allow in disguise.

Both read every pair of the model's pods (one pod per distinct shape and place) and
external ranges the rule can match, pair by pair, with the walk `--explain` shows.
NetworkPolicies are left out: their rules only allow, and their order means nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from netkit.model import RuleAction, TieredPolicy
from netkit.portset import ConnectionSet
from netkit.reachability.analysis import Reachability
from netkit.reachability.layers import Policy, Rule
from netkit.reachability.matching import Atom, Pod
from netkit.reachability.results import Direction, StepKind, WalkStep

MAX_PAIRS = 5000
"""Pairs read per rule at most; a rule not settled within them is not reported."""


@dataclass(frozen=True)
class ShadowedRule:
    """A rule earlier rules always decide for."""

    policy: TieredPolicy
    direction: Direction
    rule: str
    """Its label, `spec.ingress[1] (name)`."""
    by: tuple[str, ...]
    """The earlier steps that took its traffic, `[tier] policy rule`."""
    pairs: int
    """How many pairs it matches."""

    def text(self) -> str:
        return (
            f"{self.policy.ref} {self.rule} matches {self.pairs} pair"
            f"{'s' if self.pairs != 1 else ''} but never acts: earlier rules decide all it "
            f"matches ({'; '.join(self.by)}); reorder it before them, or delete it"
        )


@dataclass(frozen=True)
class PassToDefault:
    """A Pass rule whose passed traffic no later tier decides."""

    policy: TieredPolicy
    direction: Direction
    rule: str
    pairs: int
    example: str
    """One pair it passes: `src => dst : conns`."""

    def text(self) -> str:
        return (
            f"{self.policy.ref} {self.rule} passes traffic for {self.pairs} pair"
            f"{'s' if self.pairs != 1 else ''} (e.g. {self.example}) that no later tier "
            "decides: the cluster's default allows it; write Allow if that is meant, or add "
            "the policy of a later tier that should decide"
        )


def _pods(reach: Reachability) -> list[Pod]:
    """One pod of each distinct shape and place (the walk reads nothing else)."""
    unique: dict[tuple[object, ...], Pod] = {}
    for workload, pods in zip(reach.model.workloads, reach._pods, strict=True):
        for pod in pods:
            key = (
                pod.namespace,
                tuple(sorted(pod.labels.items())),
                pod.ports,
                pod.service_account,
                pod.address,
                pod.host_network,
                pod.node,
            )
            if key not in unique:
                unique[key] = pod
                _NAMES[id(pod)] = workload.ref
    return list(unique.values())


_NAMES: dict[int, str] = {}
"""The workload each pod read stands for, for examples."""


@dataclass(frozen=True)
class _Pair:
    src: Pod | Atom
    dst: Pod | Atom
    matched: ConnectionSet
    """What the rule's ports take for the pair."""


def _pairs(reach: Reachability, policy: Policy, rule: Rule, pods: list[Pod]) -> Iterator[_Pair]:
    layers = reach.layers
    direction = rule.direction
    subjects = [
        pod
        for pod in pods
        if layers.selects(policy, direction, pod) and layers.rule_applies(rule, pod)
    ]
    atoms = reach._src_atoms if direction is Direction.INGRESS else reach._dst_atoms
    others: list[Pod | Atom] = [p for p in pods if layers.rule_matches(rule, p)]
    others += [a for a in atoms if layers.rule_matches(rule, a)]
    for subject in subjects:
        for other in others:
            if other is subject:
                continue
            destination = other if direction is Direction.EGRESS else subject
            matched = layers.rule_conns(rule, destination if isinstance(destination, Pod) else None)
            if matched.is_empty:
                continue
            if direction is Direction.EGRESS:
                yield _Pair(subject, other, matched)
            else:
                yield _Pair(other, subject, matched)


def _tiered_rules(reach: Reachability) -> Iterator[tuple[Policy, Rule]]:
    for policy in reach.layers.policies:
        if policy.tiered is None:
            continue
        for rule in (*policy.ingress, *policy.egress):
            if rule.action is not RuleAction.LOG:
                yield policy, rule


def _step(step: WalkStep) -> str:
    if step.kind is StepKind.TIER_END:
        return f"[{step.tier}] the end of tier {step.tier}"
    return f"[{step.tier}] {step.policy} {step.rule}"


def shadowed_rules(reach: Reachability) -> list[ShadowedRule]:
    """Every tiered rule that matches some pair and never acts (see the module docstring)."""
    found: list[ShadowedRule] = []
    pods = _pods(reach)
    index = reach._policies
    for policy, rule in _tiered_rules(reach):
        pairs = 0
        by: dict[str, None] = {}
        acts = False
        exhausted = True
        for pair in _pairs(reach, policy, rule, pods):
            pairs += 1
            if pairs > MAX_PAIRS:
                exhausted = False
                break
            undecided, steps = index.reaching(rule.direction, pair.src, pair.dst, rule)
            if not (undecided & pair.matched).is_empty:
                acts = True
                break
            for step in steps:
                if step.kind is not StepKind.DEFAULT and not (step.conns & pair.matched).is_empty:
                    by[_step(step)] = None
        if pairs and not acts and exhausted:
            assert policy.tiered is not None
            found.append(ShadowedRule(policy.tiered, rule.direction, rule.label, tuple(by), pairs))
    return found


def passes_to_default(reach: Reachability) -> list[PassToDefault]:
    """Every Pass rule whose passed traffic never meets a later decision."""
    found: list[PassToDefault] = []
    pods = _pods(reach)
    index = reach._policies
    for policy, rule in _tiered_rules(reach):
        if rule.action is not RuleAction.PASS:
            continue
        passing = 0
        example = ""
        decided = False
        for read, pair in enumerate(_pairs(reach, policy, rule, pods)):
            if read >= MAX_PAIRS:
                decided = True  # not settled: say nothing
                break
            verdict = index.verdict(rule.direction, pair.src, pair.dst, "", "")
            steps = list(verdict.steps)
            mine = next(
                (
                    i
                    for i, step in enumerate(steps)
                    if step.kind is StepKind.RULE
                    and step.policy == policy.ref
                    and step.rule == rule.label
                ),
                None,
            )
            if mine is None:
                continue
            passed = steps[mine].conns
            passing += 1
            later = [s for s in steps[mine + 1 :] if s.kind is not StepKind.DEFAULT]
            if any(not (s.conns & passed).is_empty for s in later):
                decided = True
                break
            if not example:
                example = f"{_name(pair.src)} => {_name(pair.dst)} : {passed}"
        if passing and not decided:
            assert policy.tiered is not None
            found.append(PassToDefault(policy.tiered, rule.direction, rule.label, passing, example))
    return found


def _name(end: Pod | Atom) -> str:
    if isinstance(end, Atom):
        return end.name
    return _NAMES.get(id(end), end.namespace)
