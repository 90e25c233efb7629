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


CLUSTER_POLICY = """
kind: ClusterNetworkPolicy
apiVersion: policy.networking.k8s.io/v1alpha2
metadata: {name: deny-web}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {}}
  ingress:
  - action: Deny
    from: [{namespaces: {matchLabels: {team: web}}}]
"""


def test_admin_policies_are_read_and_kinds_netpol_analyzer_does_not_read_are_refused(tmp_path):
    case = corpus("netpol-analyzer-exposure") / "cases" / "exposure_test_with_anp_1"
    assert exposure(analyze(load_manifests([case]))).ingress
    (tmp_path / "a.yaml").write_text(PODS + "---" + CLUSTER_POLICY)
    reach = analyze(load_manifests([tmp_path]))
    with pytest.raises(
        ExposureUnsupported, match=r"1 policy of another kind \(ClusterNetworkPolicy\)"
    ):
        exposure(reach)


ADMIN_NAMED_PORT = """
kind: Pod
apiVersion: v1
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: c, ports: [{name: local-port, containerPort: 8080}]}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: named}
spec:
  priority: 5
  subject: {namespaces: {}}
  egress:
  - action: Allow
    to: [{namespaces: {}}]
    ports: [{namedPort: local-port}]
  ingress:
  - action: Allow
    from: [{namespaces: {}}]
    ports: [{namedPort: local-port}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  egress:
  - action: Deny
    to: [{namespaces: {}}]
  ingress:
  - action: Deny
    from: [{namespaces: {}}]
"""


def test_an_admin_named_port_stays_a_name_without_protocol_on_egress_and_resolves_on_ingress(
    tmp_path,
):
    (tmp_path / "a.yaml").write_text(ADMIN_NAMED_PORT)
    found = exposure(analyze(load_manifests([tmp_path])))
    assert [(line.peer, line.conns) for line in found.egress] == [
        ("0.0.0.0-255.255.255.255[External]", "All Connections"),
        ("entire-cluster", " local-port"),
    ]
    assert [(line.peer, line.conns) for line in found.ingress] == [
        ("0.0.0.0-255.255.255.255[External]", "All Connections"),
        ("entire-cluster", "TCP 8080"),
    ]
    assert not found.unprotected
