"""netkit connlist agrees with netpol-analyzer on random AdminNetworkPolicy clusters.

Each seed of `SEEDS` generates a cluster (tests/tiered_clusters.py `admin_cluster`):
namespaces, pods with named ports, NetworkPolicies, AdminNetworkPolicies with Allow, Deny
and Pass rules on namespaces, pods, networks and nodes peers, ports by number, range and
name, and most of the time a BaselineAdminNetworkPolicy. Both tools list its connections
and the lists must hold the same lines. A failure names its seed; rerun one with
`pytest -m differential -k 'seed_17]'`.

netpol-analyzer is built from the Go module proxy by scripts/netpol-analyzer.sh (`make
differential` runs it first); its binary is found as benchmarks/bench_connlist.py finds it
(--netpolicy there, NETPOLICY here, else the script's cache folder for its pinned version).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from netkit.connlist import render
from netkit.manifests import load_manifests
from netkit.portset import ConnectionSet
from netkit.reachability import analyze
from tests.reference_evaluator import Endpoint, Reference
from tests.tiered_clusters import admin_cluster

pytestmark = pytest.mark.differential

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_connlist.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_connlist", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_connlist", module)
    spec.loader.exec_module(module)
    return module


bench = _bench()

SEEDS = range(200)
"""The recorded seeds: 0-199."""

ANALYZER_DEFECTS = {
    66: "netpol-analyzer v1.4.4 leaves TCP 80 out of ns-a/p0 => ns-b/p1: the egress side passes "
    "TCP 80-9080 (anp1 r1), the ingress side denies TCP 81 (anp1 r0) and passes the rest "
    "(anp0 r1), and its --explain lists TCP 80 neither allowed nor denied",
}
"""Seeds where netpol-analyzer is wrong, each with what it gets wrong. On these seeds the
lists may differ only where the independent reading (tests/reference_evaluator.py) sides
with netkit, port by port."""


@pytest.fixture(scope="module")
def netpolicy() -> Path:
    try:
        return Path(bench.find_analyzer(None))
    except SystemExit as missing:
        pytest.fail(str(missing), pytrace=False)


def test_the_seeds_are_at_least_200():
    assert len(SEEDS) >= 200


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed_{seed}" for seed in SEEDS])
def test_connlist_agrees_with_netpol_analyzer_on_a_random_admin_cluster(
    seed: int, netpolicy: Path, tmp_path: Path
):
    # One JSON file per object: YAML 1.1 readers take a label value `y` for a boolean.
    for index, obj in enumerate(admin_cluster(seed)):
        (tmp_path / f"{index:03d}.json").write_text(json.dumps(obj), encoding="utf-8")
    done = subprocess.run(
        [str(netpolicy), "list", "-q", "--dirpath", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    theirs = bench.normalize(done.stdout)
    ours = bench.normalize(render(analyze(load_manifests([tmp_path])).connections(), "txt"))
    if seed not in ANALYZER_DEFECTS:
        assert ours == theirs, (
            f"seed {seed}: only netpol-analyzer: {sorted(theirs - ours)[:10]}; "
            f"only netkit: {sorted(ours - theirs)[:10]}"
        )
        return
    assert ours != theirs, f"seed {seed} agrees now: remove it from ANALYZER_DEFECTS"
    wrong = [
        line
        for line in adjudicate(Reference(admin_cluster(seed)), _pairs(ours), _pairs(theirs))
        if not line.endswith("netkit")
    ]
    assert not wrong, f"seed {seed}: the reference sides with netpol-analyzer: {wrong[:10]}"


def _pairs(lines: set[str]) -> dict[tuple[str, str], ConnectionSet]:
    pairs: dict[tuple[str, str], ConnectionSet] = {}
    for line in lines:
        ends, _, conns = line.partition(" : ")
        src, _, dst = ends.partition(" => ")
        pairs[(src, dst)] = ConnectionSet.parse(conns)
    return pairs


def _endpoint(reference: Reference, name: str) -> Endpoint:
    if name.endswith("[External]"):
        return Endpoint(address=name.removesuffix("[External]").split("-")[0])
    return reference.pods[name.removesuffix("[Pod]")]


def adjudicate(
    reference: Reference,
    ours: dict[tuple[str, str], ConnectionSet],
    theirs: dict[tuple[str, str], ConnectionSet],
) -> list[str]:
    """For every port the two lists disagree on (up to 20 of each range), whom the
    reference reading sides with: `SRC => DST PROTO/PORT: netkit` or `...: netpol-analyzer`."""
    verdicts: list[str] = []
    none = ConnectionSet.none()
    for pair in sorted(ours.keys() | theirs.keys()):
        mine, other = ours.get(pair, none), theirs.get(pair, none)
        differ = (mine - other) | (other - mine)
        for protocol, (first, last) in differ:
            for port in sorted({first, last, *range(first, min(last, first + 18) + 1)}):
                truth = reference.allows(
                    _endpoint(reference, pair[0]), _endpoint(reference, pair[1]), (protocol, port)
                )
                side = "netkit" if truth == mine.allows(protocol, port) else "netpol-analyzer"
                verdicts.append(f"{pair[0]} => {pair[1]} {protocol}/{port}: {side}")
    return verdicts


def test_the_comparison_reads_netpol_analyzer_s_bare_ranges_as_netkit_s():
    line = "0.0.0.0-9.255.255.255 => ns/a[Pod] : All Connections"
    assert bench.normalize(line) == {
        "0.0.0.0-9.255.255.255[External] => ns/a[Pod] : All Connections"
    }
    assert re.search(
        r"\[External\]", next(iter(bench.normalize("ns/a[Pod] => 1.2.3.4-5.6.7.8 : TCP 80")))
    )
