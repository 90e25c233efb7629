"""`why`: the verdict on one connection and the walk that decides it.

The walk reads the explanation the reachability analysis gives for the pair
(`Reachability.explain`, the same one `netkit connlist --explain` prints): for the
ingress controller the routes first, then the source's egress, then the destination's
ingress. On each side, every policy that selects the endpoint, in the order the
explanation lists them, with the rule that matched the other end (and whether it allows
the asked port), or that no rule of it matched; a side no policy selects allows
everything. A connection needs both sides. Where the explanation carries a walk through
policy tiers (AdminNetworkPolicy, Calico tiers), its steps are the walk, in evaluation
order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from netkit.focus import PortFocus
from netkit.portset import ConnectionSet
from netkit.reachability import Direction, DirectionVerdict, Explanation, PeerKind

__all__ = ["Answer", "Step", "answer", "render_answer"]

_ROLE = {Direction.EGRESS: "the source", Direction.INGRESS: "the destination"}


@dataclass(frozen=True)
class Step:
    """One line of the walk: a route, or one policy (or its rule) on one side."""

    direction: str
    """`routes`, `egress` or `ingress`."""
    endpoint: str
    """The peer whose policies decide this side."""
    policy: str = ""
    """`namespace/name` of the policy; empty for a route or an endpoint no policy selects."""
    rule: str = ""
    """`spec.ingress[0]`; empty when no rule of the policy matched."""
    allows: ConnectionSet = field(default_factory=ConnectionSet.none)
    text: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "direction": self.direction,
            "endpoint": self.endpoint,
            "policy": self.policy,
            "rule": self.rule,
            "allows": str(self.allows),
            "text": self.text,
        }


@dataclass(frozen=True)
class Side:
    direction: Direction
    endpoint: str
    allowed: ConnectionSet
    """What this side allows the pair (all of it when no policy selects the endpoint)."""
    verdict: bool
    summary: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Answer:
    explanation: Explanation
    port: PortFocus | None
    sides: tuple[Side, ...]
    routes: tuple[Step, ...]

    @property
    def allowed(self) -> ConnectionSet:
        """What the pair may use (narrowed to the port when one was asked)."""
        conns = self.explanation.allowed
        return conns if self.port is None else conns & self.port.conns

    @property
    def verdict(self) -> bool:
        return not self.allowed.is_empty

    @property
    def header(self) -> str:
        word = "allowed" if self.verdict else "denied"
        pair = f"{self.explanation.src} => {self.explanation.dst}"
        if self.port is not None:
            return f"{word}: {pair} on {self.port}"
        return f"{word}: {pair} : {self.explanation.allowed}"


def _wanted(conns: ConnectionSet, port: PortFocus | None) -> ConnectionSet:
    return conns if port is None else conns & port.conns


def _tiered_steps(verdict: DirectionVerdict, port: PortFocus | None) -> tuple[Step, ...]:
    """The walk through policy tiers, when the explanation carries one (a model with
    AdminNetworkPolicies or Calico tiers): its steps in evaluation order, each a tier,
    policy, rule, action and the traffic it took."""
    walk = verdict.steps if verdict.tiered else ()
    steps: list[Step] = []
    for step in walk:
        taken: ConnectionSet = step.conns
        text = str(step.text())
        if port is not None:
            text += f" ({port}: {'taken' if taken & port.conns else 'not this step'})"
        steps.append(
            Step(str(verdict.direction), verdict.endpoint, step.policy, step.rule, taken, text)
        )
    return tuple(steps)


def _side(verdict: DirectionVerdict, other: str, port: PortFocus | None) -> Side:
    direction = verdict.direction
    name = str(direction)
    tiered = _tiered_steps(verdict, port)
    if tiered:
        allowed = _wanted(verdict.allowed, port)
        summary = f"allowed ({allowed})" if allowed else "denied"
        return Side(direction, verdict.endpoint, verdict.allowed, bool(allowed), summary, tiered)
    if not verdict.isolated:
        step = Step(
            name,
            verdict.endpoint,
            allows=verdict.allowed,
            text=f"no NetworkPolicy selects {verdict.endpoint} for {name}: everything is allowed",
        )
        return Side(direction, verdict.endpoint, verdict.allowed, True, "allowed", (step,))
    steps: list[Step] = []
    for policy in verdict.policies:
        matched = [rule for rule in verdict.rules if rule.policy == policy]
        if not matched:
            steps.append(
                Step(
                    name, verdict.endpoint, policy, text=f"{policy}: no {name} rule matches {other}"
                )
            )
        for rule in matched:
            wanted = _wanted(rule.conns, port)
            if port is None or wanted:
                text = f"{rule}: allows {wanted}"
            else:
                text = f"{rule}: matches {other} but allows {rule.conns} only, not {port}"
            steps.append(Step(name, verdict.endpoint, policy, rule.path, rule.conns, text))
    allowed = _wanted(verdict.allowed, port)
    count = len(verdict.policies)
    isolated = f"selected by {count} NetworkPolic{'y' if count == 1 else 'ies'}"
    if allowed:
        summary = f"allowed ({isolated}; their rules allow {allowed})"
    else:
        what = f"{port}" if port is not None else "anything"
        summary = f"denied ({isolated}; no rule allows {what})"
    return Side(direction, verdict.endpoint, verdict.allowed, bool(allowed), summary, tuple(steps))


def answer(explanation: Explanation, port: PortFocus | None = None) -> Answer:
    """The verdict on `explanation`'s pair (on `port`, when given) and its walk."""
    routes = tuple(
        Step("routes", str(explanation.dst), text=line.removeprefix("routes: "))
        for line in explanation.routes
    )
    sides: list[Side] = []
    if explanation.egress is not None:
        sides.append(_side(explanation.egress, str(explanation.dst), port))
    if explanation.ingress is not None:
        sides.append(_side(explanation.ingress, str(explanation.src), port))
    return Answer(explanation, port, tuple(sides), routes)


def _text(result: Answer) -> str:
    lines = [result.header]
    if result.routes:
        docker = {PeerKind.CONTAINER, PeerKind.HOST}
        ends = (result.explanation.src.kind, result.explanation.dst.kind)
        if docker & set(ends):
            lines.append("Docker (the networks that carry the pair, or why none does):")
        else:
            lines.append("routes (the ingress controller reaches only what an Ingress routes):")
        lines.extend(f"  - {step.text}" for step in result.routes)
    for side in result.sides:
        role = _ROLE[side.direction]
        lines.append(f"{side.direction} of {role} {side.endpoint}: {side.summary}")
        lines.extend(f"  - {step.text}" for step in side.steps)
    if len(result.sides) == 2 and all(side.verdict for side in result.sides) and not result.verdict:
        lines.append("each side allows something, but not the same connections")
    return "\n".join(lines)


def _json(result: Answer) -> str:
    explanation = result.explanation
    document = {
        "src": explanation.src.name,
        "dst": explanation.dst.name,
        "port": str(result.port) if result.port is not None else None,
        "verdict": "allowed" if result.verdict else "denied",
        "allowed": str(result.allowed),
        "walk": [step.to_json() for step in result.routes]
        + [step.to_json() for side in result.sides for step in side.steps],
        "explanation": [line.strip() for line in explanation.lines()[1:]],
    }
    return json.dumps(document, indent=2)


def render_answer(result: Answer, fmt: str) -> str:
    """`txt` (the verdict, then the walk) or `json`."""
    return _json(result) if fmt == "json" else _text(result)
