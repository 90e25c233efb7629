"""The exposure change between two models, and how a reviewer reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from netkit.diff import DiffType, compare, render_exposure_diff
from netkit.manifests import load_manifests
from netkit.reachability import Direction, analyze
from netkit.reachability.exposure import ExposureUnsupported, exposure
from netkit.review import exposure_sentence, render_summary
from tests.conformance import corpus

PODS = """
kind: Pod
apiVersion: v1
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]}
---
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: web}}}]
    ports: [{port: http}]
"""


def _models(tmp_path: Path, after: str) -> tuple[object, object]:
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    (tmp_path / "old" / "a.yaml").write_text(PODS)
    (tmp_path / "new" / "a.yaml").write_text(after)
    return load_manifests([tmp_path / "old"]), load_manifests([tmp_path / "new"])


def test_a_rule_opened_to_every_namespace_comes_first_and_says_so(tmp_path):
    old, new = _models(
        tmp_path,
        PODS.replace("{namespaceSelector: {matchLabels: {team: web}}}", "{namespaceSelector: {}}"),
    )
    diffs, changes = compare(old, new)  # type: ignore[arg-type]
    assert diffs == []  # no existing workload gains a connection: only exposure shows it
    assert [(c.kind, c.direction, c.peer, c.old, c.new) for c in changes] == [
        (DiffType.ADDED, Direction.INGRESS, "entire-cluster", "No Connections", "TCP 8080"),
        (DiffType.REMOVED, Direction.INGRESS, "[namespace with {team=web}]/[all pods]",
         "TCP 8080", "No Connections"),
    ]  # fmt: skip
    assert exposure_sentence(changes[0]) == (
        "- **opens** `shop/api[Pod]` to `entire-cluster` on TCP 8080 (every pod of every namespace)"
    )
    text = render_summary(
        "dev", diffs=diffs, violations=[], before="a", after="b", exposure=changes
    )
    assert text.index("### Exposure: 2 changes") < text.index("### Policy pack")


def test_a_workload_left_without_policy_is_no_longer_protected(tmp_path):
    old, new = _models(tmp_path, PODS.split("---")[0])
    _, changes = compare(old, new)  # type: ignore[arg-type]
    opened = [c for c in changes if c.peer == "entire-cluster"]
    assert {(c.direction, c.new, c.protection) for c in opened} == {
        (Direction.INGRESS, "All Connections", "no longer protected"),
        (Direction.EGRESS, "All Connections", "no longer protected"),
    }
    assert "no NetworkPolicy selects it for ingress any more" in exposure_sentence(
        next(c for c in opened if c.direction is Direction.INGRESS)
    )
    assert render_exposure_diff(changes, "txt").splitlines()[0] == "Exposure diff:"


def test_a_model_with_policy_tiers_is_refused_in_one_line_rather_than_answered_without_them():
    case = corpus("netpol-analyzer-exposure") / "cases" / "exposure_test_with_anp_1"
    reach = analyze(load_manifests([case]))
    with pytest.raises(ExposureUnsupported, match="1 cluster-wide or Calico tiered policy"):
        exposure(reach)
