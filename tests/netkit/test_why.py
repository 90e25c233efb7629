"""`why` agrees with `connlist --explain` on every pair of the corpora.

For each case of the netpol-analyzer corpus and of the recipes/e2e corpus, every row of
`connlist --explain` (allowed pairs and the pairs a policy denies) is asked again, one
pair at a time, as `netkit why` asks it: the verdict and the allowed connections must
be the row's, and the walk must cite exactly the policies and rules the row cites. With
a port, the verdict must follow the row's connections on a port inside and outside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from netkit.connlist import render
from netkit.focus import PortFocus
from netkit.manifests import load_manifests
from netkit.portset import ConnectionSet
from netkit.reachability import (
    Direction,
    DirectionVerdict,
    Explanation,
    Peer,
    PeerKind,
    analyze,
)
from netkit.why import answer, render_answer
from tests.conformance import cases

CASES = [*cases("netpol-analyzer"), *cases("netpol-recipes-e2e")]
CITED = re.compile(r"(\S+/\S+) (spec\.(?:ingress|egress)\[\d+\])")


def test_both_corpora_are_present():
    assert len(CASES) == 42 + 77


def _rows(case: Path) -> list[Explanation]:
    reach = analyze(load_manifests([case]))
    rows = [reach.explain(c.src, c.dst) for c in reach.connections()]
    rows.extend(reach.explain(src, dst) for src, dst in reach.denied())
    return rows


def _cited_in_connlist(row: Explanation) -> set[tuple[str, str]]:
    text = render([row], "txt")
    return set(CITED.findall(text))


def _outside(conns: ConnectionSet) -> PortFocus | None:
    """A port the connections do not hold, or None when they hold every port."""
    for protocol in ("TCP", "UDP", "SCTP"):
        for port in (1, 53, 80, 443, 5432, 8080, 9090, 65535):
            if not conns.allows(protocol, port):
                return PortFocus(protocol, port)
    return None


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_why_agrees_with_connlist_explain_on_every_pair(case: Path):
    rows = _rows(case)
    assert rows, "every case has at least one pair"
    for row in rows:
        result = answer(row)
        connlist_line = render([row], "txt").splitlines()[0]
        assert connlist_line.endswith(f" : {result.allowed}"), connlist_line
        assert result.verdict == (not row.allowed.is_empty)
        cited = {
            (step.policy, step.rule) for side in result.sides for step in side.steps if step.rule
        }
        assert cited == _cited_in_connlist(row), connlist_line
        header = render_answer(result, "txt").splitlines()[0]
        assert header.startswith("allowed: " if result.verdict else "denied: ")
        # One port at a time: inside the row's connections allowed, outside denied.
        for protocol, (first, _) in row.allowed:
            assert answer(row, PortFocus(protocol, first)).verdict, connlist_line
        outside = _outside(row.allowed)
        if outside is not None:
            assert not answer(row, outside).verdict, connlist_line


def test_the_walk_names_the_rule_that_matches_but_not_on_the_asked_port(tmp_path):
    (tmp_path / "app.yaml").write_text(
        """
kind: Pod
apiVersion: v1
metadata: {name: db, namespace: x, labels: {app: db}}
---
kind: Pod
apiVersion: v1
metadata: {name: web, namespace: x, labels: {app: web}}
---
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: {name: db-from-web, namespace: x}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 5432}]
"""
    )
    reach = analyze(load_manifests([tmp_path]))
    result = answer(reach.explain("x/web[Pod]", "x/db[Pod]"), PortFocus("TCP", 6379))
    assert not result.verdict
    assert render_answer(result, "txt").splitlines() == [
        "denied: x/web[Pod] => x/db[Pod] on TCP 6379",
        "egress of the source x/web[Pod]: allowed",
        "  - no NetworkPolicy selects x/web[Pod] for egress: everything is allowed",
        "ingress of the destination x/db[Pod]: denied (selected by 1 NetworkPolicy; no rule "
        "allows TCP 6379)",
        "  - x/db-from-web spec.ingress[0]: matches x/web[Pod] but allows TCP 5432 only, "
        "not TCP 6379",
    ]


def test_a_walk_through_policy_tiers_is_printed_step_by_step_in_its_order():
    @dataclass(frozen=True)
    class TierStep:  # the shape of a tiered explanation's step
        policy: str
        rule: str
        conns: ConnectionSet

        def text(self) -> str:
            return f"[Admin] {self.policy} {self.rule}: Pass {self.conns}"

    @dataclass(frozen=True)
    class TieredVerdict(DirectionVerdict):
        steps: tuple[TierStep, ...] = ()
        tiered: bool = True

    tcp80 = ConnectionSet.ports("TCP", 80)
    verdict = TieredVerdict(
        Direction.INGRESS, "x/b[Pod]", True, ("anp/pass-80", "x/allow"), (), tcp80,
        steps=(TierStep("anp/pass-80", "spec.ingress[0]", tcp80), TierStep("x/allow", "spec.ingress[1]", tcp80)),
    )  # fmt: skip
    a, b = Peer(PeerKind.WORKLOAD, "x/a[Pod]"), Peer(PeerKind.WORKLOAD, "x/b[Pod]")
    result = answer(Explanation(a, b, tcp80, None, verdict), PortFocus("TCP", 80))
    assert render_answer(result, "txt").splitlines() == [
        "allowed: x/a[Pod] => x/b[Pod] on TCP 80",
        "ingress of the destination x/b[Pod]: allowed (TCP 80)",
        "  - [Admin] anp/pass-80 spec.ingress[0]: Pass TCP 80 (TCP 80: taken)",
        "  - [Admin] x/allow spec.ingress[1]: Pass TCP 80 (TCP 80: taken)",
    ]
