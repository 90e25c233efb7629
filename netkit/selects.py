"""`selects`: the policies that select a workload, per direction, and what each allows.

A NetworkPolicy selects a pod of its namespace when its `podSelector` matches the pod's
labels, and isolates it for the directions of its `policyTypes`. A pod selected for a
direction receives (or sends) only what some rule of the selecting policies allows; one
that no policy selects is open in that direction. Each rule is written as the peers it
admits (`NS/POD` as netpol-analyzer names them, or an ipBlock) and the ports it opens;
a named port of an ingress rule is resolved on the workload's own container ports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from netkit.model import NetworkPolicy, PolicyPort, PolicyRule
from netkit.reachability import Direction, Peer, Reachability
from netkit.reachability.matching import named_port
from netkit.selectors import peer_text, pod_part

__all__ = ["PolicyView", "RuleView", "Selection", "render_selections", "selections"]


@dataclass(frozen=True)
class RuleView:
    path: str
    """`spec.ingress[0]`."""
    peers: tuple[str, ...]
    """Empty: any peer."""
    ports: tuple[str, ...]
    """Empty: any port."""

    def text(self, direction: Direction) -> str:
        towards = "from" if direction is Direction.INGRESS else "to"
        side = "source" if direction is Direction.INGRESS else "destination"
        peers = ", ".join(self.peers) if self.peers else f"any {side}"
        ports = ", ".join(self.ports) if self.ports else "any port"
        return f"{self.path}: {towards} {peers} on {ports}"


@dataclass(frozen=True)
class PolicyView:
    policy: NetworkPolicy
    rules: tuple[RuleView, ...]

    @property
    def name(self) -> str:
        return f"{self.policy.namespace}/{self.policy.name}"


@dataclass(frozen=True)
class Selection:
    workload: Peer
    direction: Direction
    policies: tuple[PolicyView, ...]

    def lines(self) -> list[str]:
        name = str(self.direction)
        if not self.policies:
            return [f"{name}: no NetworkPolicy selects it; every connection is allowed"]
        count = len(self.policies)
        lines = [
            f"{name}: selected by {count} NetworkPolic{'y' if count == 1 else 'ies'}; "
            f"what any of their rules allows is allowed, nothing else"
        ]
        for view in self.policies:
            selector = pod_part(view.policy.pod_selector)
            if not view.rules:
                lines.append(f"  {view.name} ({selector}): no {name} rule, allows nothing")
                continue
            lines.append(f"  {view.name} ({selector}):")
            lines.extend(f"    {rule.text(self.direction)}" for rule in view.rules)
        return lines


def _port_text(port: PolicyPort, workload: Peer, direction: Direction) -> str:
    proto = port.protocol.upper()
    if port.port is None:
        return f"{proto} any port"
    if isinstance(port.port, int):
        span = f"{port.port}-{port.end_port}" if port.end_port else f"{port.port}"
        return f"{proto} {span}"
    if direction is Direction.EGRESS or workload.workload is None:
        return f"{proto} {port.port} (a named port of the destination)"
    resolved = named_port(workload.workload.ports, port.port)
    if resolved is None or resolved.protocol.upper() != proto:
        return f"{proto} {port.port} (not a {proto} port of this workload: allows nothing)"
    return f"{proto} {port.port} ({resolved.port})"


def _rule_view(
    policy: NetworkPolicy, rule: PolicyRule, path: str, workload: Peer, direction: Direction
) -> RuleView:
    return RuleView(
        path,
        tuple(peer_text(policy, peer) for peer in rule.peers),
        tuple(_port_text(port, workload, direction) for port in rule.ports),
    )


def selections(reach: Reachability, workload: Peer) -> list[Selection]:
    """Ingress, then egress: the policies selecting `workload` with their rules."""
    result: list[Selection] = []
    for direction in (Direction.INGRESS, Direction.EGRESS):
        views: list[PolicyView] = []
        for policy in reach.policies_selecting(workload, direction):
            rules = policy.ingress if direction is Direction.INGRESS else policy.egress
            views.append(
                PolicyView(
                    policy,
                    tuple(
                        _rule_view(policy, rule, f"spec.{direction}[{index}]", workload, direction)
                        for index, rule in enumerate(rules)
                    ),
                )
            )
        result.append(Selection(workload, direction, tuple(views)))
    return result


def render_selections(items: list[Selection], fmt: str) -> str:
    """`txt`, or `json`: the workload, then per direction its policies and their rules."""
    if not items:
        return ""
    workload = items[0].workload.name
    if fmt == "json":
        document = {
            "workload": workload,
            **{
                str(item.direction): [
                    {
                        "policy": view.name,
                        "podSelector": pod_part(view.policy.pod_selector),
                        "rules": [
                            {
                                "rule": rule.path,
                                "peers": list(rule.peers),
                                "ports": list(rule.ports),
                            }
                            for rule in view.rules
                        ],
                    }
                    for view in item.policies
                ]
                for item in items
            },
        }
        return json.dumps(document, indent=2)
    lines = [workload]
    for item in items:
        lines.extend(item.lines())
    return "\n".join(lines)
