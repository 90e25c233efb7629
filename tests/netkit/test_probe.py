"""Probe planning and verdicts: what the model computes for each live pod pair and port,
and how a probe's outcome is compared with it (the cluster itself is in tests/e2e)."""

from __future__ import annotations

from typing import Any

import pytest

from netkit.manifests import model_from_objects
from netkit.probe import LivePod, Outcome, live_pods, plan, probe_command, run
from tests.policies.conftest import namespace, policy, tcp


def _pod(
    ns: str, name: str, ip: str, app: str, *, ports: list[tuple[int, str]], ready: bool = True
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": ns,
            "labels": {"app": app, "pod-template-hash": "5d9f8b7c6d"},
        },
        "spec": {
            "containers": [
                {
                    "name": app,
                    "ports": [{"containerPort": p, "protocol": proto} for p, proto in ports],
                }
            ]
        },
        "status": {
            "phase": "Running",
            "podIP": ip,
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


PORTS = [(80, "TCP"), (81, "UDP")]
OBJECTS = [
    namespace("x"),
    _pod("x", "a", "10.244.1.2", "a", ports=PORTS),
    _pod("x", "b", "10.244.2.2", "b", ports=PORTS),
    _pod("x", "c", "10.244.2.3", "c", ports=PORTS, ready=False),
    # a may receive from b on 80/TCP only; nothing else reaches a.
    policy("x", "a-from-b", {"app": "a"}, types=["Ingress"],
           ingress=[{"from": [{"podSelector": {"matchLabels": {"app": "b"}}}], "ports": [tcp(80)]}]),
]  # fmt: skip


def _plan() -> list[Any]:
    objects = [(f"doc {i}", obj) for i, obj in enumerate(OBJECTS)]
    return plan(model_from_objects(objects), live_pods(objects))


def test_only_running_ready_pods_are_probed():
    objects = [(f"doc {i}", obj) for i, obj in enumerate(OBJECTS)]
    assert [p.name for p in live_pods(objects)] == ["a", "b"]


def test_every_pair_of_pods_and_declared_port_gets_the_models_verdict():
    verdicts = {p.describe(): p.expected for p in _plan()}
    assert verdicts == {
        "x/a[Pod] -> x/b[Pod] 80/TCP": True,
        "x/a[Pod] -> x/b[Pod] 81/UDP": True,
        "x/b[Pod] -> x/a[Pod] 80/TCP": True,
        "x/b[Pod] -> x/a[Pod] 81/UDP": False,
    }


def test_tcp_is_probed_with_nc_and_udp_with_netkit_probe_to_the_pod_address():
    by_name = {p.describe(): p for p in _plan()}
    assert probe_command(by_name["x/b[Pod] -> x/a[Pod] 80/TCP"]) == [
        "nc",
        "-w",
        "1",
        "10.244.1.2",
        "80",
    ]
    assert probe_command(by_name["x/b[Pod] -> x/a[Pod] 81/UDP"]) == [
        "netkit-probe", "udp", "10.244.1.2", "81", "1",
    ]  # fmt: skip


def test_a_probe_that_connects_where_netkit_computes_denied_is_a_disagreement():
    probes = _plan()

    def everything_connects(pod: LivePod, command: list[str], timeout: float) -> int:
        return 0

    outcomes = run(probes, everything_connects)
    wrong = [o.line() for o in outcomes if not o.agrees]
    assert wrong == [
        "x/b[Pod] -> x/a[Pod] 81/UDP: netkit computes denied, the cluster connected",
    ]
    assert all(o.probe.src_pod.name in {"a", "b"} for o in outcomes)


def test_probes_run_from_the_source_pod():
    seen: list[tuple[str, str]] = []

    def record(pod: LivePod, command: list[str], timeout: float) -> int:
        seen.append((pod.name, next(c for c in command if c.startswith("10."))))
        return 1

    outcomes = run(_plan(), record)
    assert sorted(seen) == [("a", "10.244.2.2")] * 2 + [("b", "10.244.1.2")] * 2
    # Nothing connects: right where netkit computes denied (b -> a on 81/UDP) only.
    assert [o.agrees for o in outcomes] == [False, False, False, True]
    assert isinstance(outcomes[0], Outcome)


def test_more_probes_than_the_limit_are_refused():
    objects = [(f"doc {i}", obj) for i, obj in enumerate(OBJECTS)]
    with pytest.raises(ValueError, match="4 probes, more than the limit of 3"):
        plan(model_from_objects(objects), live_pods(objects), limit=3)


# --------------------------------------------------------------------------- causes


def _bare(name: str, **ports: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": {"app": name}},
        "spec": {
            "containers": [
                {"name": "c", "ports": [{"name": n, "containerPort": p} for n, p in ports.items()]}
            ]
        },
        "status": {"phase": "Running", "podIP": f"10.244.0.{len(name)}"},
    }


def _outcomes(model, src: str, dst: str, port: int, connected: bool) -> list[Outcome]:
    from netkit.probe import Probe

    works = {w.name: w for w in model.workloads}
    pod = LivePod("shop", src, "10.244.0.1", "c", {})
    probe = Probe(works[src], works[dst], pod, pod, port, "TCP", expected=not connected)
    return [Outcome(probe, connected)]


def test_a_disagreement_kube_router_is_known_for_is_labelled_as_its_deviation():
    from netkit.probe import label
    from netkit.reachability import analyze

    svc = policy(
        "shop",
        "svc",
        {},
        types=["Ingress"],
        ingress=[{"from": [{"namespaceSelector": {}}], "ports": [{"port": "svc"}]}],
    )
    model = model_from_objects(
        [
            (n, o)
            for n, o in {
                "p": _bare("p", svc=80, aux=81),
                "q": _bare("q", aux=80, svc=81),
                "r": _bare("r", aux=80, admin=81),
                "np": svc,
            }.items()
        ]
    )
    (outcome,) = label(_outcomes(model, "p", "r", 81, True), model, analyze(model), "kube-router")
    assert outcome.line().endswith(
        "netkit computes denied, the cluster connected (kube-router's known deviation: its pods "
        "share the named port aux 80/TCP with shop/q[Pod], whose port 'svc' is 81/TCP; "
        "kube-router adds the later pod's address to every named port of the first)"
    )
    (unlabelled,) = label(_outcomes(model, "p", "r", 81, True), model, analyze(model), "calico")
    assert unlabelled.cause == ""


def test_a_disagreement_an_unenforced_kind_decides_is_labelled_and_the_limit_is_said_first():
    from netkit.probe import label, limits_note
    from netkit.reachability import analyze

    deny = {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": "deny-web"},
        "spec": {
            "priority": 1,
            "subject": {
                "pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "web"}}}
            },
            "ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}],
        },
    }
    model = model_from_objects(
        [("a", _bare("api", http=80)), ("b", _bare("web", http=80)), ("c", deny)]
    )
    note = limits_note(model, "kube-router")
    assert note is not None
    assert note.startswith(
        "the cluster holds AdminNetworkPolicy objects; probes test what its enforcer applies, "
        "and kube-router applies none of AdminNetworkPolicy."
    )
    assert "no enforcer of these kinds runs" in note
    (outcome,) = label(
        _outcomes(model, "api", "web", 80, True), model, analyze(model), "kube-router"
    )
    assert outcome.cause == (
        "decided by anp/deny-web, of a kind the cluster's enforcer does not apply"
    )
    assert limits_note(model_from_objects([("a", _bare("api"))]), "kube-router") is None
