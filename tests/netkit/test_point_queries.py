"""Focus, what-if peers, `selects` and peer names, checked on the netpol-analyzer corpus.

Each focused answer must be the whole answer filtered by hand: the pairs with the
workload at the right end, the connections narrowed to the port, the denied pairs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netkit.diff import diff
from netkit.errors import InvalidValue
from netkit.focus import Focus, PortFocus, Verdict, focus_connections, focus_diffs, parse_port
from netkit.manifests import load_manifests
from netkit.model import (
    LabelSelector,
    NetworkModel,
    NetworkPolicy,
    PolicyPeer,
    PolicyRule,
    Workload,
    frozen_labels,
)
from netkit.peer_names import PeerSpec, known_peers, resolve
from netkit.reachability import Direction, Explanation, PeerKind, UnknownPeerError, analyze
from netkit.selects import render_selections, selections
from netkit.whatif import parse_namespace, parse_pod, with_what_if
from tests.conformance import cases

CASES = cases("netpol-analyzer")


def _spec(reach, name: str) -> PeerSpec:
    return resolve(name, known_peers(reach), "workload")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_focus_is_the_whole_list_filtered_by_hand(case: Path):
    reach = analyze(load_manifests([case]))
    everything = reach.connections()
    workloads = [peer for peer in reach.peers() if peer.kind is PeerKind.WORKLOAD]
    for workload in workloads[:4]:
        spec = _spec(reach, workload.name)
        for direction in (None, Direction.INGRESS, Direction.EGRESS):
            rows = focus_connections(reach, Focus(spec, direction=direction), explain=False)
            expected = [
                c
                for c in everything
                if (direction is not Direction.INGRESS and c.src.name == workload.name)
                or (direction is not Direction.EGRESS and c.dst.name == workload.name)
            ]
            assert [(r.src.name, r.dst.name, r.conns) for r in rows] == [
                (c.src.name, c.dst.name, c.conns) for c in expected
            ]
    port = PortFocus("TCP", 80)
    rows = focus_connections(reach, Focus(port=port), explain=False)
    assert [(r.src.name, r.dst.name, r.conns) for r in rows] == [
        (c.src.name, c.dst.name, c.conns & port.conns) for c in everything if c.conns & port.conns
    ]
    denied = focus_connections(reach, Focus(verdict=Verdict.DENIED), explain=True)
    assert [(r.src.name, r.dst.name) for r in denied] == [
        (s.name, d.name) for s, d in reach.denied()
    ]
    assert all(isinstance(r, Explanation) and r.allowed.is_empty for r in denied)
    denied_on_port = focus_connections(
        reach, Focus(port=port, verdict=Verdict.DENIED), explain=False
    )
    for row in denied_on_port:
        assert not reach.allowed(row.src, row.dst).allows("TCP", 80)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_selects_lists_a_direction_open_exactly_where_explanations_see_no_isolation(case: Path):
    reach = analyze(load_manifests([case]))
    peers = reach.peers()
    for workload in peers:
        other = next((p for p in peers if p != workload), workload)
        ingress, egress = selections(reach, workload)
        assert ingress.direction is Direction.INGRESS and egress.direction is Direction.EGRESS
        explanation = reach.explain(other, workload)
        assert explanation.ingress is not None
        assert bool(ingress.policies) == explanation.ingress.isolated
        assert {v.name for v in ingress.policies} == set(explanation.ingress.policies)
        outgoing = reach.explain(workload, other)
        assert outgoing.egress is not None
        assert {v.name for v in egress.policies} == set(outgoing.egress.policies)
        for view in (*ingress.policies, *egress.policies):
            rules = view.policy.ingress if view in ingress.policies else view.policy.egress
            assert len(view.rules) == len(rules)


def test_selects_writes_each_rule_as_peers_and_ports(tmp_path):
    (tmp_path / "a.yaml").write_text(
        """
kind: Pod
apiVersion: v1
metadata: {name: db, namespace: x, labels: {app: db}}
spec: {containers: [{name: c, ports: [{name: pg, containerPort: 5432}]}]}
---
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: {name: db, namespace: x}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - podSelector: {matchLabels: {app: web}}
    - namespaceSelector: {matchExpressions: [{key: team, operator: In, values: [b, a]}]}
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
    ports: [{port: pg}, {port: metrics}, {protocol: UDP, port: 9000, endPort: 9010}]
  egress:
  - {}
"""
    )
    reach = analyze(load_manifests([tmp_path]))
    text = render_selections(selections(reach, reach.peer("x/db[Pod]")), "txt")
    assert text.splitlines() == [
        "x/db[Pod]",
        "ingress: selected by 1 NetworkPolicy; what any of their rules allows is allowed, "
        "nothing else",
        "  x/db ([pod with {app=db}]):",
        "    spec.ingress[0]: from x/[pod with {app=web}], "
        "[namespace with {{Key:team,Operator:In,Values:[b a],}}]/[all pods], "
        "10.0.0.0/8 except 10.1.0.0/16 on TCP pg (5432), "
        "TCP metrics (not a TCP port of this workload: allows nothing), UDP 9000-9010",
        "egress: selected by 1 NetworkPolicy; what any of their rules allows is allowed, "
        "nothing else",
        "  x/db ([pod with {app=db}]):",
        "    spec.egress[0]: to any destination on any port",
    ]


def test_a_workload_is_named_without_its_kind_and_a_typo_gets_the_close_names():
    model = NetworkModel(
        workloads=(
            Workload("Deployment", "api", "shop"),
            Workload("Deployment", "web", "shop"),
            Workload("Pod", "web", "other"),
            Workload("StatefulSet", "web", "other"),
        )
    )
    reach = analyze(model)
    peers = known_peers(reach)
    assert resolve("shop/api", peers).peer == reach.peer("shop/api[Deployment]")
    assert resolve("other/web[Pod]", peers).peer == reach.peer("other/web[Pod]")
    with pytest.raises(UnknownPeerError, match=r"names 2 workloads .*add the kind"):
        resolve("other/web", peers)
    with pytest.raises(UnknownPeerError, match=r"'shop/apj' is not .* did you mean 'shop/api'"):
        resolve("shop/apj", peers)
    address = resolve("0.0.0.1", peers)
    assert address.peer is None and str(address) == "0.0.0.1"


def test_a_what_if_pod_is_answered_as_if_it_existed_in_a_relabelled_namespace():
    only_team_x = NetworkPolicy(
        "api",
        "shop",
        LabelSelector(frozen_labels({"app": "api"})),
        ingress=(
            PolicyRule(
                peers=(PolicyPeer(namespace_selector=LabelSelector(frozen_labels({"team": "x"}))),)
            ),
        ),
    )
    api = Workload("Deployment", "api", "shop", labels=frozen_labels({"app": "api"}))
    model = NetworkModel(workloads=(api,), network_policies=(only_team_x,))
    probe = parse_pod("billing/probe:app=probe")
    before = analyze(with_what_if(model, [probe]))
    assert before.allowed("billing/probe[WhatIf]", "shop/api[Deployment]").is_empty
    after = analyze(with_what_if(model, [probe], [parse_namespace("billing:team=x")]))
    assert after.allowed("billing/probe[WhatIf]", "shop/api[Deployment]").is_all
    with pytest.raises(InvalidValue, match="the input has shop/api"):
        with_what_if(model, [parse_pod("shop/api")])


@pytest.mark.parametrize(
    "text",
    ["probe", "billing/", "Billing/probe", "billing/probe:app", "billing/probe:app=a,app=b"],
)
def test_a_malformed_what_if_pod_is_refused(text):
    with pytest.raises(InvalidValue):
        parse_pod(text)


@given(st.sampled_from(["TCP", "UDP", "SCTP", "tcp"]), st.integers(1, 65535))
def test_a_port_is_read_in_either_order(protocol, port):
    expected = PortFocus(protocol.upper(), port)
    assert parse_port(f"{protocol}/{port}") == expected
    assert parse_port(f"{port}/{protocol}") == expected


@pytest.mark.parametrize("text", ["TCP/0", "TCP/65536", "ICMP/1", "TCP/http", "tcp"])
def test_a_bad_port_is_refused(text):
    with pytest.raises(InvalidValue):
        parse_port(text)


def test_a_focused_diff_keeps_the_lines_that_open_or_close_the_port():
    old = load_manifests([CASES[0].parent / "semanticDiff-same-topologies-old1"])
    new = load_manifests([CASES[0].parent / "semanticDiff-same-topologies-new1"])
    diffs = diff(old, new)
    assert diffs
    opened = focus_diffs(diffs, Focus(verdict=Verdict.ALLOWED))
    closed = focus_diffs(diffs, Focus(verdict=Verdict.DENIED))
    assert all(not (d.new - d.old).is_empty for d in opened)
    assert all(not (d.old - d.new).is_empty for d in closed)
    assert {(d.src, d.dst) for d in opened} | {(d.src, d.dst) for d in closed} == {
        (d.src, d.dst) for d in diffs
    }
    port = PortFocus("TCP", 80)
    for d in focus_diffs(diffs, Focus(port=port)):
        assert d.old == d.old & port.conns and d.new == d.new & port.conns and d.old != d.new
