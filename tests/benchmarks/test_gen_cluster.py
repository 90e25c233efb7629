"""benchmarks/gen_cluster.py: deterministic, the requested size, valid manifests."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

GEN_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "gen_cluster.py"
# libyaml's parser when PyYAML has it: these clusters are a few thousand documents.
Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cluster", GEN_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_cluster", module)
    spec.loader.exec_module(module)
    return module


gen_cluster = _load()


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _docs(root: Path) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(root.rglob("*.yaml")):
        docs.extend(d for d in yaml.load_all(path.read_text(encoding="utf-8"), Loader=Loader) if d)
    return docs


def test_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    gen_cluster.generate(tmp_path / "a", 300, seed=7)
    gen_cluster.generate(tmp_path / "b", 300, seed=7)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_another_seed_writes_another_cluster(tmp_path: Path) -> None:
    gen_cluster.generate(tmp_path / "a", 300, seed=1)
    gen_cluster.generate(tmp_path / "b", 300, seed=2)
    assert _files(tmp_path / "a") != _files(tmp_path / "b")


@pytest.mark.parametrize("pods", [10, 101, 600])
def test_cluster_has_the_requested_pod_count(tmp_path: Path, pods: int) -> None:
    stats = gen_cluster.generate(tmp_path, pods)
    kinds = Counter(doc["kind"] for doc in _docs(tmp_path))
    assert stats.pods == pods
    assert kinds["Pod"] == pods
    assert kinds["NetworkPolicy"] == stats.policies


def test_deployments_form_has_the_requested_replicas(tmp_path: Path) -> None:
    stats = gen_cluster.generate(tmp_path, 500, form="deployments")
    deployments = [d for d in _docs(tmp_path) if d["kind"] == "Deployment"]
    assert len(deployments) == stats.workloads
    assert sum(d["spec"]["replicas"] for d in deployments) == 500


def test_every_manifest_parses_with_the_expected_kinds(tmp_path: Path) -> None:
    gen_cluster.generate(tmp_path, 400, namespaces=25)
    docs = _docs(tmp_path)
    kinds = Counter(doc["kind"] for doc in docs)
    assert set(kinds) == {"Namespace", "Pod", "Service", "Ingress", "NetworkPolicy"}
    assert kinds["Namespace"] == 25 + 3  # plus kube-system, ingress-nginx, monitoring
    namespaces = {d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"}
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] in namespaces
        if doc["kind"] == "Pod":
            (owner,) = doc["metadata"]["ownerReferences"]
            assert owner["kind"] == "ReplicaSet" and owner["controller"] is True
            assert doc["status"]["podIPs"] == [{"ip": doc["status"]["podIP"]}]
            assert doc["status"]["hostIP"]


def test_policies_use_the_selector_and_port_features_analyzers_must_handle(tmp_path: Path) -> None:
    gen_cluster.generate(tmp_path, 600)
    text = "\n".join(p.read_text() for p in tmp_path.rglob("networkpolicies.yaml"))
    for feature in (
        "operator: In",
        "operator: NotIn",
        "operator: Exists",
        "namespaceSelector",
        "except:",
        "endPort",
        "port: http",
        "protocol: UDP",
    ):
        assert feature in text, feature


def test_too_few_pods_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pods must be at least"):
        gen_cluster.generate(tmp_path, 5)


def test_the_baseline_adds_one_baseline_admin_network_policy_and_changes_nothing_else(tmp_path):
    plain = gen_cluster.generate(tmp_path / "plain", 120, namespaces=4, seed=3)
    tiered = gen_cluster.generate(tmp_path / "tiered", 120, namespaces=4, seed=3, baseline=True)
    assert tiered.policies == plain.policies + 1
    before, after = _files(tmp_path / "plain"), _files(tmp_path / "tiered")
    assert set(after) - set(before) == {"baseline.yaml"}
    assert all(after[name] == data for name, data in before.items())
    (baseline,) = _docs_of(tmp_path / "tiered" / "baseline.yaml")
    assert baseline["kind"] == "BaselineAdminNetworkPolicy"
    assert baseline["metadata"]["name"] == "default"
    assert [rule["action"] for rule in baseline["spec"]["egress"]] == ["Allow", "Deny", "Deny"]


def _docs_of(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.load_all(path.read_text(encoding="utf-8"), Loader=Loader) if d]
