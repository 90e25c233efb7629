"""`netkit probe` on a cluster, in-process: the API server and the pods' exec replaced by
fakes (tests/netkit/test_probe.py), the lines, the note and the exit status as a user
sees them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from netkit_cli.main import main
from tests.netkit.test_live import FakeApi
from tests.netkit.test_probe import OBJECTS, FakeCluster, Status


def _probe(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], status: Status, code: int
) -> tuple[int, list[str], str, FakeCluster]:
    import netkit.live

    items: dict[str, list[Mapping[str, Any]]] = {}
    for obj in OBJECTS:
        items.setdefault(obj["kind"], []).append(obj)
    cluster = FakeCluster(status, code)
    monkeypatch.setattr(netkit.live, "connect", lambda kubeconfig, context: FakeApi(items))
    monkeypatch.setattr(netkit.live, "pod_exec", lambda kubeconfig, context: cluster)
    exit_status = main(["probe", "--kubeconfig", "kube.yaml"])
    out, err = capsys.readouterr()
    return exit_status, out.splitlines(), err, cluster


def _enforced(attempt: int, pod: str, client: list[str]) -> int:
    """What the policy of OBJECTS allows: nothing reaches a but b on 80/TCP."""
    to_a = "10.244.1.2" in client
    return 1 if to_a and not (pod == "b" and client[0] == "nc") else 0


def test_a_cluster_that_enforces_what_netkit_computes_agrees_in_one_exec_per_pod_and_retry(
    monkeypatch, capsys
):
    status, out, err, cluster = _probe(monkeypatch, capsys, _enforced, 0)

    assert (status, out, err) == (0, ["4/4 probes agree"], "")
    # a and b, then b again for its one blocked probe (81/UDP to a).
    assert sorted(pod for pod, _, _ in cluster.calls) == ["a", "b", "b"]


def test_a_pod_whose_exec_fails_is_said_and_its_probes_count_as_not_connected(monkeypatch, capsys):
    def a_silent(attempt: int, pod: str, client: list[str]) -> int | None:
        return None if pod == "a" else _enforced(attempt, pod, client)

    status, out, err, _ = _probe(monkeypatch, capsys, a_silent, -1)

    assert status == 1
    assert out == [
        "x/a[Pod] -> x/b[Pod] 80/TCP: netkit computes allowed, the cluster was blocked",
        "x/a[Pod] -> x/b[Pod] 81/UDP: netkit computes allowed, the cluster was blocked",
        "2/4 probes agree",
    ]
    assert err == (
        "netkit: note: 2 of 4 probes gave no answer in their source pod, on either try, and "
        "count as not connected: x/a: no answer (its exec exited -1)\n"
    )
