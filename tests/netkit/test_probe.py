"""Probe planning and verdicts: what the model computes for each live pod pair and port,
and how a probe's outcome is compared with it (the cluster itself is in tests/e2e)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
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


def _plan(*extra: dict[str, Any]) -> list[Any]:
    objects = [(f"doc {i}", obj) for i, obj in enumerate([*OBJECTS, *extra])]
    return plan(model_from_objects(objects), live_pods(objects))


CLIENT = re.compile(
    r'\( (?P<client>.+) </dev/null >/dev/null 2>&1; echo "(?P<index>[0-9]+) \$\?" \) &'
)


def clients(command: list[str]) -> list[tuple[int, list[str]]]:
    """The clients of a pod's batch, (index, argv), as its script starts them."""
    assert command[:2] == ["sh", "-c"] and len(command) == 3
    *lines, last = command[2].splitlines()
    assert last == "wait"
    found = []
    for line in lines:
        match = CLIENT.fullmatch(line)
        assert match is not None, line
        found.append((int(match["index"]), shlex.split(match["client"])))
    return found


Status = Callable[[int, str, list[str]], int | None]
"""(attempt, source pod, client argv) -> the client's exit status; None: no line."""


class FakeCluster:
    """A pod exec that answers each client of a batch as `status` says, the lines in
    reverse order (they come in the order the clients end)."""

    def __init__(self, status: Status, code: int = 0) -> None:
        self.status = status
        self.code = code
        self.calls: list[tuple[str, list[list[str]], float]] = []

    def __call__(self, pod: LivePod, command: list[str], timeout: float) -> tuple[int, str]:
        attempt = 1 + sum(1 for name, _, _ in self.calls if name == pod.name)
        started = clients(command)
        self.calls.append((pod.name, [argv for _, argv in started], timeout))
        lines = []
        for index, argv in started:
            status = self.status(attempt, pod.name, argv)
            if status is not None:
                lines.append(f"{index} {status}")
        return self.code, "".join(f"{line}\n" for line in reversed(lines))


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
    cluster = FakeCluster(lambda attempt, pod, client: 0)

    outcomes = run(probes, cluster)
    wrong = [o.line() for o in outcomes if not o.agrees]
    assert wrong == [
        "x/b[Pod] -> x/a[Pod] 81/UDP: netkit computes denied, the cluster connected",
    ]
    assert all(o.probe.src_pod.name in {"a", "b"} for o in outcomes)


def test_probes_run_from_the_source_pod():
    cluster = FakeCluster(lambda attempt, pod, client: 1)

    outcomes = run(_plan(), cluster)
    seen = sorted(
        (pod, _target(client).split(":")[0])
        for pod, started, _ in cluster.calls
        for client in started
    )
    # Each probe twice: nothing connects, so each is tried again.
    assert seen == [("a", "10.244.2.2")] * 4 + [("b", "10.244.1.2")] * 4
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


# --------------------------------------------------------------------------- batches


def _target(client: list[str]) -> str:
    """ip:port/protocol of a client's argv."""
    if client[0] == "nc":
        return f"{client[3]}:{client[4]}/TCP"
    return f"{client[2]}:{client[3]}/UDP"


def _probe_target(probe: Any) -> str:
    return f"{probe.dst_pod.ip}:{probe.port}/{probe.protocol}"


THIRD = _pod("x", "d", "10.244.3.4", "d", ports=PORTS)
"""With a and b, three source pods of four probes each (two peers, two ports)."""


def test_the_script_of_a_pod_starts_every_client_in_the_background_and_waits():
    from netkit.probe import batch_script

    probes = [p for p in _plan() if p.src_pod.name == "b"]
    assert batch_script(probes) == (
        '( nc -w 1 10.244.1.2 80 </dev/null >/dev/null 2>&1; echo "0 $?" ) &\n'
        '( netkit-probe udp 10.244.1.2 81 1 </dev/null >/dev/null 2>&1; echo "1 $?" ) &\n'
        "wait\n"
    )
    assert "nc -w 2 10.244.1.2 80 " in batch_script(probes, wait=2)


def test_the_script_quotes_what_the_cluster_says():
    from dataclasses import replace

    from netkit.probe import batch_script

    probe = _plan()[0]
    hostile = replace(probe, dst_pod=replace(probe.dst_pod, ip="1.2.3.4; touch /tmp/x"))
    [(_, argv)] = clients(["sh", "-c", batch_script([hostile])])
    assert argv == ["nc", "-w", "1", "1.2.3.4; touch /tmp/x", "80"]


def test_the_script_runs_every_client_at_once_in_a_posix_shell(tmp_path):
    """The real shell, with stand-in clients that each wait for all of them to have
    started (so run one after another, the first would give up: status 3)."""
    import os
    import subprocess

    from netkit.probe import batch_script, parse_answers

    bin_dir, marks = tmp_path / "bin", tmp_path / "marks"
    bin_dir.mkdir()
    marks.mkdir()
    # nc -w WAIT IP PORT; netkit-probe udp IP PORT WAIT: the port is $4 and $3.
    for name, port in (("nc", "$4"), ("netkit-probe", "$3")):
        client = bin_dir / name
        client.write_text(
            "#!/bin/sh\n"
            f'port={port}; : > "$MARKS/$port"\n'
            "i=0\n"
            'while [ "$(ls "$MARKS" | wc -l)" -lt "$COUNT" ]; do\n'
            "    i=$((i + 1)); [ $i -lt 100 ] || exit 3; sleep 0.1\n"
            "done\n"
            'case "$port" in 80|82|83) exit 0 ;; *) exit 1 ;; esac\n'
        )
        client.chmod(0o755)
    probe = _plan()[0]
    ports = [(80, "TCP"), (81, "TCP"), (82, "TCP"), (83, "UDP"), (84, "UDP")]
    probes = [replace_port(probe, port, protocol) for port, protocol in ports]
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "MARKS": str(marks)}
    env["COUNT"] = str(len(probes))

    done = subprocess.run(
        ["sh", "-c", batch_script(probes)], env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert parse_answers(done.stdout, len(probes)) == [0, 1, 0, 0, 1]
    assert len(done.stdout.splitlines()) == len(probes)


def replace_port(probe: Any, port: int, protocol: str) -> Any:
    from dataclasses import replace

    return replace(probe, port=port, protocol=protocol)


def test_answers_are_read_by_index_whatever_their_order_and_garbage_is_ignored():
    from netkit.probe import parse_answers

    output = "2 1\nsh: something odd\n0 0\n  1 127 \n7 0\n3 0 0\nx 1\n\n"
    assert parse_answers(output, 4) == [0, 127, 1, None]
    # A line cut short by the exec's end, a status no process has, and a bare index.
    assert parse_answers("0 0\n1 256\n2", 3) == [0, None, None]
    assert parse_answers("", 2) == [None, None]


def test_an_index_answered_twice_is_no_answer():
    from netkit.probe import parse_answers

    assert parse_answers("0 0\n1 1\n0 1\n", 2) == [None, 1]
    assert parse_answers("0 0\n0 0\n", 1) == [None]


def test_one_exec_runs_all_the_probes_of_a_source_pod_and_each_answer_finds_its_probe():
    probes = _plan(THIRD)
    connects = {
        "a": {"10.244.3.4:81/UDP", "10.244.2.2:80/TCP"},
        "b": set(),
        "d": {"10.244.1.2:80/TCP"},
    }
    cluster = FakeCluster(lambda attempt, pod, client: 0 if _target(client) in connects[pod] else 1)

    outcomes = run(probes, cluster)

    first = cluster.calls[:3]
    assert sorted(pod for pod, _, _ in first) == ["a", "b", "d"]
    for pod, started, timeout in first:
        mine = [p for p in probes if p.src_pod.name == pod]
        assert [_target(c) for c in started] == [_probe_target(p) for p in mine]
        assert all(c[2] == "1" if c[0] == "nc" else c[4] == "1" for c in started)
        assert timeout == 1 + 8 + len(mine) / 4
    assert [o.probe for o in outcomes] == probes
    assert [o.connected for o in outcomes] == [
        _probe_target(p) in connects[p.src_pod.name] for p in probes
    ]
    assert sum(o.connected for o in outcomes) == 3


def test_only_the_probes_that_did_not_connect_are_tried_again_in_one_exec_per_pod():
    probes = _plan(THIRD)
    # a: everything connects; b: 80/TCP to d connects only on the second try; d: nothing.
    late = "10.244.3.4:80/TCP"

    def status(attempt: int, pod: str, client: list[str]) -> int:
        if pod == "a" or (pod == "b" and _target(client) == late and attempt == 2):
            return 0
        return 1

    cluster = FakeCluster(status)
    outcomes = run(probes, cluster)

    assert len(cluster.calls) == 3 + 2
    retries = {pod: (started, timeout) for pod, started, timeout in cluster.calls[3:]}
    assert set(retries) == {"b", "d"}
    for pod, (started, timeout) in retries.items():
        assert [_target(c) for c in started] == [
            _probe_target(p) for p in probes if p.src_pod.name == pod
        ]
        assert all(c[2] == "2" if c[0] == "nc" else c[4] == "2" for c in started)
        assert timeout == 2 + 8 + len(started) / 4
    connected = {(o.probe.src_pod.name, _probe_target(o.probe)) for o in outcomes if o.connected}
    assert connected == {("a", _probe_target(p)) for p in probes if p.src_pod.name == "a"} | {
        ("b", late)
    }


def test_a_retry_tries_only_the_failed_probes_of_a_pod():
    probes = _plan(THIRD)
    cluster = FakeCluster(
        lambda attempt, pod, client: 1 if _target(client) == "10.244.1.2:81/UDP" else 0
    )

    outcomes = run(probes, cluster)

    assert sorted(
        (pod, [_target(c) for c in started]) for pod, started, _ in cluster.calls[3:]
    ) == [("b", ["10.244.1.2:81/UDP"]), ("d", ["10.244.1.2:81/UDP"])]
    assert [o.connected for o in outcomes] == [
        _probe_target(o.probe) != "10.244.1.2:81/UDP" for o in outcomes
    ]


def test_a_probe_without_an_answer_is_tried_again_then_counted_not_connected_and_said():
    from netkit.probe import failure_note

    probes = _plan()
    # a's exec ends (-1) before its 81/UDP client answers, both times; b's answer all.
    cluster = FakeCluster(
        lambda attempt, pod, client: None if pod == "a" and client[0] != "nc" else 0, code=-1
    )

    outcomes = run(probes, cluster)

    assert len(cluster.calls) == 2 + 1
    by_name = {o.probe.describe(): o for o in outcomes}
    silent = by_name["x/a[Pod] -> x/b[Pod] 81/UDP"]
    assert (silent.connected, silent.failure) == (False, "x/a: no answer (its exec exited -1)")
    assert [o.describe() for o in (o.probe for o in outcomes if o.failure)] == [
        "x/a[Pod] -> x/b[Pod] 81/UDP"
    ]
    assert failure_note(outcomes) == (
        "1 of 4 probes gave no answer in their source pod, on either try, and count as not "
        "connected: x/a: no answer (its exec exited -1)"
    )
    assert failure_note([o for o in outcomes if not o.failure]) is None


def test_a_retry_answers_what_the_first_try_did_not():
    probes = _plan()
    cluster = FakeCluster(lambda attempt, pod, client: None if attempt == 1 and pod == "a" else 0)

    outcomes = run(probes, cluster)

    assert all(o.connected and not o.failure for o in outcomes)


def test_a_retry_without_an_answer_leaves_the_first_tries_answer():
    probes = _plan()
    cluster = FakeCluster(lambda attempt, pod, client: 1 if attempt == 1 else None, code=-1)

    outcomes = run(probes, cluster)

    assert len(cluster.calls) == 4
    assert [(o.connected, o.failure) for o in outcomes] == [(False, "")] * 4


def test_a_client_the_pod_cannot_run_is_a_failure_not_a_block():
    from netkit.probe import label
    from netkit.reachability import analyze

    probes = _plan()
    cluster = FakeCluster(lambda attempt, pod, client: 127 if client[0] == "netkit-probe" else 0)

    outcomes = run(probes, cluster)

    failures = {o.probe.describe(): o.failure for o in outcomes if o.failure}
    assert failures == {
        "x/a[Pod] -> x/b[Pod] 81/UDP": "x/a: netkit-probe could not run (exit 127)",
        "x/b[Pod] -> x/a[Pod] 81/UDP": "x/b: netkit-probe could not run (exit 127)",
    }
    objects = [(f"doc {i}", obj) for i, obj in enumerate(OBJECTS)]
    model = model_from_objects(objects)
    labelled = label(outcomes, model, analyze(model), None)
    assert [o.failure for o in labelled] == [o.failure for o in outcomes]


def test_beyond_the_deadline_it_says_how_many_source_pods_ran():
    import threading

    release = threading.Event()

    def stuck(pod: LivePod, command: list[str], timeout: float) -> tuple[int, str]:
        release.wait(2)
        return 0, ""

    try:
        with pytest.raises(
            TimeoutError, match=r"^probes took longer than 0s; 0 of 2 source pods' probes ran$"
        ):
            run(_plan(), stuck, deadline=0.1, parallel=1)
    finally:
        release.set()
