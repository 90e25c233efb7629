"""Connectivity diff: added, removed and changed pairs between two models."""

from __future__ import annotations

import json
from typing import Any

import pytest

from netkit.diff import ConnectionDiff, DiffType, diff, render_diff
from netkit.manifests import load_manifests, model_from_objects
from netkit.portset import ConnectionSet
from tests import conformance

CASES = conformance.corpus("netpol-analyzer") / "cases"


def expected_connlist(case: str) -> dict[tuple[str, str], ConnectionSet]:
    result = {}
    for line in (CASES / case / "expected_connlist.txt").read_text().splitlines():
        if line.strip():
            pair, _, conns = line.partition(" : ")
            src, _, dst = pair.partition(" => ")
            result[(src, dst)] = ConnectionSet.parse(conns)
    return result


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("semanticDiff-same-topologies-old1", "semanticDiff-same-topologies-new1"),
        ("semanticDiff-same-topologies-old1", "semanticDiff-same-topologies-new1a"),
        ("semanticDiff-same-topologies-old2", "semanticDiff-same-topologies-new2"),
        (
            "semanticDiff-different-topologies-policy-a",
            "semanticDiff-different-topologies-policy-b",
        ),
    ],
)
def test_the_diff_matches_the_difference_of_netpol_analyzer_s_connectivity_lists(old, new):
    before, after = expected_connlist(old), expected_connlist(new)
    expected = {
        (
            src,
            dst,
            str(before.get((src, dst), ConnectionSet.none())),
            str(after.get((src, dst), ConnectionSet.none())),
        )
        for (src, dst) in before.keys() | after.keys()
        if before.get((src, dst)) != after.get((src, dst))
    }
    diffs = diff(load_manifests([CASES / old]), load_manifests([CASES / new]))
    assert {(d.src, d.dst, str(d.old), str(d.new)) for d in diffs} == expected
    assert expected, "a pair of cases chosen for a diff test should differ"


def deploy(name: str, port: int = 8080) -> dict[str, Any]:
    return {
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "ports": [{"containerPort": port}]}]},
            }
        },
    }


def allow_in(app: str, *ports: int, cidr: str | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {"ports": [{"port": p} for p in ports]}
    if cidr:
        rule["from"] = [{"ipBlock": {"cidr": cidr}}]
    else:
        rule["from"] = [{"podSelector": {}}]
    return {
        "kind": "NetworkPolicy",
        "metadata": {"name": f"{app}-in"},
        "spec": {"podSelector": {"matchLabels": {"app": app}}, "ingress": [rule]},
    }


def build(*objects: dict[str, Any]):
    return model_from_objects([(f"doc {i}", o) for i, o in enumerate(objects, 1)])


@pytest.fixture
def sample() -> list[ConnectionDiff]:
    old = build(deploy("web"), deploy("db"), allow_in("db", 5432))
    new = build(
        deploy("web"),
        deploy("db"),
        deploy("cache"),
        allow_in("db", 5432, 5433),
        allow_in("web", 80),
    )
    return diff(old, new)


def test_changed_added_and_removed_pairs_are_told_apart(sample):
    cache_added = "workload default/cache[Deployment] added"
    assert [(d.kind, d.src, d.dst, str(d.old), str(d.new), d.workloads) for d in sample] == [
        (
            DiffType.CHANGED,
            "default/db[Deployment]",
            "default/web[Deployment]",
            "All Connections",
            "TCP 80",
            "",
        ),
        (
            DiffType.CHANGED,
            "default/web[Deployment]",
            "default/db[Deployment]",
            "TCP 5432",
            "TCP 5432-5433",
            "",
        ),
        (
            DiffType.ADDED,
            "0.0.0.0-255.255.255.255[External]",
            "default/cache[Deployment]",
            "No Connections",
            "All Connections",
            cache_added,
        ),
        (
            DiffType.ADDED,
            "default/cache[Deployment]",
            "0.0.0.0-255.255.255.255[External]",
            "No Connections",
            "All Connections",
            cache_added,
        ),
        (
            DiffType.ADDED,
            "default/cache[Deployment]",
            "default/db[Deployment]",
            "No Connections",
            "TCP 5432-5433",
            cache_added,
        ),
        (
            DiffType.ADDED,
            "default/cache[Deployment]",
            "default/web[Deployment]",
            "No Connections",
            "TCP 80",
            cache_added,
        ),
        (
            DiffType.ADDED,
            "default/db[Deployment]",
            "default/cache[Deployment]",
            "No Connections",
            "All Connections",
            cache_added,
        ),
        (
            DiffType.ADDED,
            "default/web[Deployment]",
            "default/cache[Deployment]",
            "No Connections",
            "All Connections",
            cache_added,
        ),
        # web's new policy isolates it: the outside loses it, though both ends still exist.
        (
            DiffType.REMOVED,
            "0.0.0.0-255.255.255.255[External]",
            "default/web[Deployment]",
            "All Connections",
            "No Connections",
            "",
        ),
    ]


def test_a_removed_workload_is_named_in_its_removed_lines():
    old = build(deploy("web"), deploy("db"))
    new = build(deploy("web"))
    diffs = diff(old, new)
    assert {d.kind for d in diffs} == {DiffType.REMOVED}
    assert {d.workloads for d in diffs} == {"workload default/db[Deployment] removed"}


def test_external_ranges_are_split_alike_on_both_sides():
    old = build(deploy("web"))
    new = build(deploy("web"), allow_in("web", 443, cidr="10.0.0.0/8"))
    lines = [(d.kind, d.src, str(d.old), str(d.new)) for d in diff(old, new)]
    # Only the sources change: web's egress to the whole address space is the same on both
    # sides, so it is not reported even though the new ipBlock splits the ranges.
    assert lines == [
        (DiffType.CHANGED, "10.0.0.0-10.255.255.255[External]", "All Connections", "TCP 443"),
        (DiffType.REMOVED, "0.0.0.0-9.255.255.255[External]", "All Connections", "No Connections"),
        (
            DiffType.REMOVED,
            "11.0.0.0-255.255.255.255[External]",
            "All Connections",
            "No Connections",
        ),
    ]


def test_txt_reads_like_netpol_analyzer_s_diff_with_old_and_new(sample):
    text = render_diff(sample[0:2] + sample[4:5], "txt", old="v1/", new="v2/")
    assert text == "\n".join(
        [
            "Connectivity diff (old: v1/, new: v2/):",
            "diff-type: changed, source: default/db[Deployment], destination: default/web[Deployment], old: All Connections, new: TCP 80",
            "diff-type: changed, source: default/web[Deployment], destination: default/db[Deployment], old: TCP 5432, new: TCP 5432-5433",
            "diff-type: added, source: default/cache[Deployment], destination: default/db[Deployment], old: No Connections, new: TCP 5432-5433, "
            "workloads-diff-info: workload default/cache[Deployment] added",
        ]
    )


def test_no_difference_says_so():
    model = build(deploy("web"))
    assert diff(model, model) == []
    assert render_diff([], "txt", old="a", new="b") == "No connectivity changes (old: a, new: b)."


def test_json_csv_and_md_carry_the_same_columns(sample):
    rows = sample[4:5]
    assert json.loads(render_diff(rows, "json")) == [
        {
            "diff-type": "added",
            "source": "default/cache[Deployment]",
            "destination": "default/db[Deployment]",
            "old": "No Connections",
            "new": "TCP 5432-5433",
            "workloads-diff-info": "workload default/cache[Deployment] added",
        }
    ]
    assert render_diff(rows, "csv") == (
        "diff-type,source,destination,old,new,workloads-diff-info\n"
        "added,default/cache[Deployment],default/db[Deployment],No Connections,TCP 5432-5433,"
        "workload default/cache[Deployment] added"
    )
    assert render_diff(rows, "md") == (
        "| diff-type | source | destination | old | new | workloads-diff-info |\n"
        "|-----------|--------|-------------|-----|-----|---------------------|\n"
        "| added | default/cache[Deployment] | default/db[Deployment] | No Connections | TCP 5432-5433 | "
        "workload default/cache[Deployment] added |"
    )
