"""Staged policies never decide traffic; their would-be effect is a reachability diff."""

from __future__ import annotations

from pathlib import Path

from netkit.diff import DiffType
from netkit.manifests import load_manifests, model_from_objects
from netkit.reachability import analyze
from netkit.staged import has_staged, staged_effect, would_be
from tests.conformance import corpus

STAGED_CASE = corpus("calico-policy-docs") / "cases" / "24-staged-policies-not-enforced"


def test_staged_policies_leave_reachability_as_enforced_and_show_what_they_would_change():
    model = load_manifests([STAGED_CASE])
    assert has_staged(model)
    enforced = {(c.src.name, c.dst.name): c.conns for c in analyze(model).connections()}
    assert str(enforced[("default/other[Pod]", "default/database[Pod]")]) == "All Connections"
    changes = {(d.kind, d.src, d.dst): str(d.new) for d in staged_effect(model)}
    assert changes == {
        (DiffType.CHANGED, "default/frontend[Pod]", "default/database[Pod]"): "TCP 6379",
        (
            DiffType.REMOVED,
            "0.0.0.0-255.255.255.255[External]",
            "default/database[Pod]",
        ): "No Connections",
        (DiffType.REMOVED, "default/other[Pod]", "default/database[Pod]"): "No Connections",
    }


def _calico(kind: str, name: str, spec: dict, namespace: str = "") -> dict:
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": "projectcalico.org/v3", "kind": kind, "metadata": metadata, "spec": spec}


def test_a_staged_delete_removes_the_enforced_policy_of_its_name_and_a_set_replaces_it():
    deny = _calico("GlobalNetworkPolicy", "deny", {"selector": "all()", "types": ["Ingress"]})
    gone = _calico("StagedGlobalNetworkPolicy", "deny", {"stagedAction": "Delete"})
    model = model_from_objects([("a", deny), ("b", gone)])
    assert [p.ref for p in would_be(model).tiered_policies] == []
    replace = _calico(
        "StagedGlobalNetworkPolicy", "deny", {"selector": "all()", "types": ["Egress"]}
    )
    (after,) = would_be(model_from_objects([("a", deny), ("b", replace)])).tiered_policies
    assert (after.kind, after.staged, after.affects_egress) == ("GlobalNetworkPolicy", None, True)


def test_netkit_diff_staged_prints_the_would_be_effect(capsys):
    from netkit_cli.main import main

    assert main(["diff", "--staged", str(STAGED_CASE)]) == 1
    out = capsys.readouterr().out
    assert f"(old: {STAGED_CASE} as enforced, new: {STAGED_CASE} with its staged policies)" in out
    assert (
        "diff-type: removed, source: default/other[Pod], destination: default/database[Pod]" in out
    )


def test_netkit_diff_staged_without_staged_policies_is_one_line(capsys, tmp_path: Path):
    from netkit_cli.main import main

    (tmp_path / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")
    assert main(["diff", "--staged", str(tmp_path)]) == 2
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith("no staged policy to compare (Calico's Staged* kinds)")
    )
