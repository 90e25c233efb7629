"""Properties of the reachability analysis on random clusters (hypothesis).

The oracle here is a plain reading of the Kubernetes NetworkPolicy documentation, written
against the raw manifest dictionaries: it shares no code with netkit's model or engine.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from netkit.manifests import model_from_objects
from netkit.model import LabelSelector, SelectorOperator, SelectorRequirement, frozen_labels
from netkit.portset import ConnectionSet
from netkit.reachability import analyze

KEYS = ("app", "tier", "team")
VALUES = ("a", "b", "c")
NAMESPACES = ("ns1", "ns2", "ns3")
PROBES = [
    ("TCP", 53),
    ("TCP", 80),
    ("TCP", 81),
    ("TCP", 443),
    ("TCP", 8080),
    ("UDP", 53),
    ("UDP", 80),
    ("SCTP", 80),
]
CONTAINER_PORTS = [
    {"name": "http", "containerPort": 8080},
    {"name": "dns", "containerPort": 53, "protocol": "UDP"},
    {"name": "web", "containerPort": 80},
]

labels = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=3)


@st.composite
def selectors(draw: st.DrawFn) -> dict[str, Any]:
    selector: dict[str, Any] = {}
    match_labels = draw(st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=2))
    if match_labels:
        selector["matchLabels"] = match_labels
    expressions = []
    for _ in range(draw(st.integers(0, 2))):
        operator = draw(st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]))
        expression: dict[str, Any] = {"key": draw(st.sampled_from(KEYS)), "operator": operator}
        if operator in ("In", "NotIn"):
            expression["values"] = draw(
                st.lists(st.sampled_from(VALUES), min_size=1, max_size=2, unique=True)
            )
        expressions.append(expression)
    if expressions:
        selector["matchExpressions"] = expressions
    return selector


@st.composite
def peers(draw: st.DrawFn) -> dict[str, Any]:
    shape = draw(st.sampled_from(["pod", "namespace", "both", "ip"]))
    if shape == "ip":
        return {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}
    peer: dict[str, Any] = {}
    if shape in ("pod", "both"):
        peer["podSelector"] = draw(selectors())
    if shape in ("namespace", "both"):
        peer["namespaceSelector"] = draw(selectors())
    return peer


port_entries = st.one_of(
    st.builds(lambda p: {"port": p}, st.sampled_from([53, 80, 443])),
    st.builds(
        lambda p, proto: {"port": p, "protocol": proto},
        st.sampled_from([53, 80]),
        st.sampled_from(["UDP", "SCTP"]),
    ),
    st.just({"port": 80, "endPort": 443}),
    st.builds(
        lambda n, proto: {"port": n, "protocol": proto},
        st.sampled_from(["http", "dns", "web", "none"]),
        st.sampled_from(["TCP", "UDP"]),
    ),
    st.just({"protocol": "UDP"}),
)


@st.composite
def rules(draw: st.DrawFn, peer_key: str) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    if draw(st.booleans()):
        rule[peer_key] = draw(st.lists(peers(), min_size=1, max_size=2))
    if draw(st.booleans()):
        rule["ports"] = draw(st.lists(port_entries, min_size=1, max_size=2))
    return rule


@st.composite
def policies(draw: st.DrawFn, index: int) -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": draw(selectors())}
    types = draw(st.sampled_from([None, ["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
    if types is not None:
        spec["policyTypes"] = types
    if draw(st.booleans()):
        spec["ingress"] = draw(st.lists(rules("from"), max_size=2))
    if draw(st.booleans()):
        spec["egress"] = draw(st.lists(rules("to"), max_size=2))
    namespace = draw(st.sampled_from(NAMESPACES))
    return {
        "kind": "NetworkPolicy",
        "metadata": {"name": f"p{index}", "namespace": namespace},
        "spec": spec,
    }


@st.composite
def clusters(draw: st.DrawFn, max_policies: int = 4) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = [
        {"kind": "Namespace", "metadata": {"name": ns, "labels": draw(labels)}} for ns in NAMESPACES
    ]
    for i in range(draw(st.integers(1, 5))):
        ports = draw(
            st.lists(st.sampled_from(CONTAINER_PORTS), max_size=2, unique_by=lambda p: p["name"])
        )
        objects.append(
            {
                "kind": "Deployment",
                "metadata": {"name": f"w{i}", "namespace": draw(st.sampled_from(NAMESPACES))},
                "spec": {
                    "template": {
                        "metadata": {"labels": draw(labels)},
                        "spec": {"containers": [{"name": "c", "ports": ports}]},
                    }
                },
            }
        )
    for i in range(draw(st.integers(0, max_policies))):
        objects.append(draw(policies(i)))
    return objects


# --------------------------------------------------------------------------- the oracle


def holds(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A label selector, read from the Kubernetes documentation."""
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = (
            expression["key"],
            expression["operator"],
            expression.get("values", []),
        )
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


class Oracle:
    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.ns_labels = {
            o["metadata"]["name"]: {
                **o["metadata"]["labels"],
                "kubernetes.io/metadata.name": o["metadata"]["name"],
            }
            for o in objects
            if o["kind"] == "Namespace"
        }
        self.pods = {
            f"{o['metadata']['namespace']}/{o['metadata']['name']}[Deployment]": (
                o["metadata"]["namespace"],
                o["spec"]["template"]["metadata"]["labels"],
                o["spec"]["template"]["spec"]["containers"][0]["ports"],
            )
            for o in objects
            if o["kind"] == "Deployment"
        }
        self.policies = [o for o in objects if o["kind"] == "NetworkPolicy"]

    def affects(self, policy: dict[str, Any], direction: str) -> bool:
        spec = policy["spec"]
        if "policyTypes" in spec:
            return direction.capitalize() in spec["policyTypes"]
        return direction == "ingress" or bool(spec.get("egress"))

    def selecting(self, pod: str, direction: str) -> list[dict[str, Any]]:
        namespace, pod_labels, _ = self.pods[pod]
        return [
            p
            for p in self.policies
            if p["metadata"]["namespace"] == namespace
            and self.affects(p, direction)
            and holds(p["spec"]["podSelector"], pod_labels)
        ]

    def peer_matches(self, policy: dict[str, Any], peer: dict[str, Any], pod: str) -> bool:
        if "ipBlock" in peer:
            return False
        namespace, pod_labels, _ = self.pods[pod]
        if "namespaceSelector" in peer:
            if not holds(peer["namespaceSelector"], self.ns_labels[namespace]):
                return False
        elif namespace != policy["metadata"]["namespace"]:
            return False
        return "podSelector" not in peer or holds(peer["podSelector"], pod_labels)

    def port_matches(self, rule: dict[str, Any], dst: str, protocol: str, port: int) -> bool:
        if not rule.get("ports"):
            return True
        for entry in rule["ports"]:
            entry_protocol = entry.get("protocol", "TCP")
            if entry_protocol != protocol:
                continue
            value = entry.get("port")
            if value is None:
                return True
            if isinstance(value, str):
                named = [p for p in self.pods[dst][2] if p["name"] == value]
                if (
                    named
                    and named[0].get("protocol", "TCP") == protocol
                    and named[0]["containerPort"] == port
                ):
                    return True
            elif value <= port <= entry.get("endPort", value):
                return True
        return False

    def side_allows(self, direction: str, src: str, dst: str, protocol: str, port: int) -> bool:
        subject, other = (src, dst) if direction == "egress" else (dst, src)
        selecting = self.selecting(subject, direction)
        if not selecting:
            return True
        peer_key = "to" if direction == "egress" else "from"
        for policy in selecting:
            for rule in policy["spec"].get(direction, []):
                peers = rule.get(peer_key)
                if peers and not any(self.peer_matches(policy, peer, other) for peer in peers):
                    continue
                if self.port_matches(rule, dst, protocol, port):
                    return True
        return False

    def allows(self, src: str, dst: str, protocol: str, port: int) -> bool:
        return self.side_allows("egress", src, dst, protocol, port) and self.side_allows(
            "ingress", src, dst, protocol, port
        )


def build(objects: list[dict[str, Any]]):
    return model_from_objects([(f"doc {i}", o) for i, o in enumerate(objects, 1)])


# --------------------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None)
@given(clusters())
def test_the_analysis_agrees_with_a_plain_reading_of_the_kubernetes_rules(objects):
    reach = analyze(build(objects))
    oracle = Oracle(objects)
    for src in oracle.pods:
        for dst in oracle.pods:
            if src == dst:
                continue
            allowed = reach.allowed(src, dst)
            for protocol, port in PROBES:
                assert allowed.allows(protocol, port) == oracle.allows(src, dst, protocol, port), (
                    src,
                    dst,
                    protocol,
                    port,
                    str(allowed),
                )


@settings(max_examples=100, deadline=None)
@given(clusters())
def test_the_bulk_engine_agrees_with_the_pair_by_pair_explanation(objects):
    reach = analyze(build(objects))
    listed = {(c.src.name, c.dst.name): c.conns for c in reach.connections()}
    for (src, dst), conns in listed.items():
        assert reach.explain(src, dst).allowed == conns
    for src in reach.peers():
        for dst in reach.peers():
            if src != dst:
                assert reach.explain(src, dst).allowed == listed.get(
                    (src.name, dst.name), ConnectionSet.none()
                )


@given(clusters(max_policies=0))
def test_with_no_policies_everything_is_allowed(objects):
    reach = analyze(build(objects))
    workloads = [p.name for p in reach.peers()]
    everything = {(s, d) for s in workloads for d in workloads if s != d}
    outside = "0.0.0.0-255.255.255.255[External]"
    everything |= {(w, outside) for w in workloads} | {(outside, w) for w in workloads}
    connections = reach.connections()
    assert {(c.src.name, c.dst.name) for c in connections} == everything
    assert all(c.conns.is_all for c in connections)


def deny_all(namespace: str) -> dict[str, Any]:
    return {
        "kind": "NetworkPolicy",
        "metadata": {"name": "deny-all", "namespace": namespace},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }


@settings(max_examples=150, deadline=None)
@given(clusters(), policies(99))
def test_for_isolated_pods_adding_a_policy_never_removes_a_connection(objects, extra):
    # Every pod is isolated both ways first, so the extra policy can only add allowances.
    isolated = objects + [deny_all(ns) for ns in NAMESPACES]
    before = {(c.src.name, c.dst.name): c.conns for c in analyze(build(isolated)).connections()}
    after = {
        (c.src.name, c.dst.name): c.conns for c in analyze(build([*isolated, extra])).connections()
    }
    for pair, conns in before.items():
        if pair[0].endswith("[External]") or pair[1].endswith("[External]"):
            continue  # the extra policy's ipBlocks may split a range into finer ones
        assert (conns - after.get(pair, ConnectionSet.none())).is_empty, pair


@given(selectors(), labels)
def test_selector_matching_agrees_with_a_direct_reading_of_the_rules(selector, pod_labels):
    model_selector = LabelSelector(
        frozen_labels(selector.get("matchLabels", {})),
        tuple(
            SelectorRequirement(
                e["key"], SelectorOperator(e["operator"]), frozenset(e.get("values", []))
            )
            for e in selector.get("matchExpressions", [])
        ),
    )
    assert model_selector.matches(pod_labels) == holds(selector, pod_labels)


@settings(max_examples=100, deadline=None)
@given(selectors(), st.lists(labels, min_size=1, max_size=6))
def test_a_policy_selects_exactly_the_pods_its_selector_reads(selector, pod_labels):
    objects: list[dict[str, Any]] = [
        {
            "kind": "Pod",
            "metadata": {"name": f"p{i}", "namespace": "ns1", "labels": lbls},
            "spec": {},
        }
        for i, lbls in enumerate(pod_labels)
    ]
    objects.append(
        {
            "kind": "NetworkPolicy",
            "metadata": {"name": "x", "namespace": "ns1"},
            "spec": {"podSelector": selector},
        }
    )
    reach = analyze(build(objects))
    for i, lbls in enumerate(pod_labels):
        assert reach.is_ingress_isolated(f"ns1/p{i}[Pod]") == holds(selector, lbls)
