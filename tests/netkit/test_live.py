"""The live reader's mapping: what a cluster's API serves becomes the model's objects."""

from __future__ import annotations

import copy
import http.server
import json
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from netkit.live import LISTED, ClusterUnreachable, OfficialApi, cluster_objects, load_cluster
from netkit.reachability import analyze
from netkit.sources import load_paths
from tests.policies.conftest import namespace, policy, tcp

SERVER = "https://10.213.255.1:6443"


class FakeApi:
    """A cluster's API answering list calls from a dict of items per kind, as the API
    server lists them: without each item's apiVersion and kind."""

    def __init__(self, items: Mapping[str, list[Mapping[str, Any]]], server: str = SERVER):
        self._items = items
        self._server = server
        self.listed: list[str] = []
        self.forbidden: set[str] = set()

    @property
    def server(self) -> str:
        return self._server

    def list_kind(self, kind: str, namespace: str | None = None) -> list[Mapping[str, Any]]:
        self.listed.append(kind if namespace is None else f"{kind} in {namespace}")
        items = [
            item
            for item in copy.deepcopy(list(self._items.get(kind, [])))
            if namespace is None
            or (
                item["metadata"]["name"]
                if kind == "Namespace"
                else item["metadata"].get("namespace")
            )
            == namespace
        ]
        for item in items:
            item.pop("apiVersion", None)
            item.pop("kind", None)
        return items

    def list_served(self, api_version: str, plural: str) -> list[Mapping[str, Any]] | None:
        if plural in self.forbidden:
            return None
        items = copy.deepcopy(list(self._items.get(f"{api_version}/{plural}", [])))
        for item in items:
            item.pop("apiVersion", None)
            item.pop("kind", None)
        return items


def _owned(kind: str, name: str) -> list[dict[str, Any]]:
    return [{"apiVersion": "apps/v1", "kind": kind, "name": name, "controller": True}]


def _pod(ns: str, name: str, app: str, phase: str = "Running", owner: str = "") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": {"app": app}}
    if owner:
        meta["ownerReferences"] = _owned("ReplicaSet", owner)
    return {
        "metadata": meta,
        "spec": {"containers": [{"name": app, "ports": [{"containerPort": 8080}]}]},
        "status": {"phase": phase, "podIP": "10.244.1.9"},
    }


def _deployment(ns: str, name: str, app: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": app}},
            "template": {
                "metadata": {"labels": {"app": app}},
                "spec": {"containers": [{"name": app, "ports": [{"containerPort": 8080}]}]},
            },
        },
    }


def _replica_set(ns: str, name: str, deployment: str, app: str) -> dict[str, Any]:
    # As the API server serves it: the Deployment's template, owned by the Deployment.
    replica_set = _deployment(ns, name, app)
    replica_set["metadata"]["ownerReferences"] = _owned("Deployment", deployment)
    return replica_set


SHOP = {
    "Namespace": [namespace("web"), namespace("api")],
    "Deployment": [_deployment("web", "web", "web"), _deployment("api", "api", "api")],
    "ReplicaSet": [_replica_set("web", "web-5d9f", "web", "web"), _replica_set("api", "api-7c4b", "api", "api")],
    "Pod": [
        _pod("web", "web-5d9f-a", "web", owner="web-5d9f"),
        _pod("web", "web-5d9f-b", "web", owner="web-5d9f"),
        _pod("api", "api-7c4b-a", "api", owner="api-7c4b"),
        _pod("api", "api-7c4b-old", "api", phase="Succeeded", owner="api-7c4b"),
    ],
    "Service": [
        {
            "metadata": {"name": "api", "namespace": "api"},
            "spec": {"selector": {"app": "api"}, "ports": [{"port": 8080}], "clusterIP": "10.96.0.20"},
        }
    ],
    "NetworkPolicy": [
        policy("api", "deny", {}, types=["Ingress"]),
        policy("api", "from-web", {"app": "api"}, types=["Ingress"], ingress=[
            {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "web"}}}],
             "ports": [tcp(8080)]}]),
    ],
}  # fmt: skip


def test_every_kind_the_model_reads_is_listed_once_in_order():
    api = FakeApi(SHOP)
    list(cluster_objects(api))
    assert api.listed == [kind for _, kind in LISTED]


def test_each_item_gets_the_api_version_and_kind_a_list_leaves_out_and_a_source_naming_the_server():
    pairs = list(cluster_objects(FakeApi(SHOP)))
    sources = [source for source, _ in pairs]
    assert sources[:3] == [
        f"{SERVER}: Namespace web",
        f"{SERVER}: Namespace api",
        f"{SERVER}: Deployment web/web",
    ]
    kinds = {(obj["apiVersion"], obj["kind"]) for _, obj in pairs}
    assert kinds == set(LISTED) - {("apps/v1", "StatefulSet"), ("apps/v1", "DaemonSet"),
                                   ("networking.k8s.io/v1", "Ingress")}  # fmt: skip


def test_finished_pods_are_left_out_and_pending_ones_kept():
    pods = {"Pod": [_pod("a", "done", "x", "Succeeded"), _pod("a", "failed", "x", "Failed"),
                    _pod("a", "starting", "x", "Pending"), _pod("a", "up", "x")]}  # fmt: skip
    names = [obj["metadata"]["name"] for _, obj in cluster_objects(FakeApi(pods))]
    assert names == ["starting", "up"]


def test_namespaces_read_only_their_own_objects_each_kind_asked_per_namespace():
    api = FakeApi(SHOP)
    pairs = list(cluster_objects(api, ["web"]))
    assert {obj["metadata"].get("namespace", obj["metadata"]["name"]) for _, obj in pairs} == {
        "web"
    }
    assert api.listed == [f"{kind} in web" for _, kind in LISTED]
    model = load_cluster(FakeApi(SHOP), ["web"])
    assert [w.ref for w in model.workloads] == ["web/web[Deployment]"]
    assert [ns.name for ns in model.namespaces] == ["web"]


def test_the_pods_of_a_deployment_are_one_workload_named_after_it():
    model = load_cluster(FakeApi(SHOP))
    assert sorted(w.ref for w in model.workloads) == ["api/api[Deployment]", "web/web[Deployment]"]


def test_a_cluster_and_the_same_objects_as_files_give_the_same_connections(tmp_path):
    documents = [
        {"apiVersion": version, "kind": kind, **item}
        for version, kind in LISTED
        for item in SHOP.get(kind, [])
        if item.get("status", {}).get("phase") != "Succeeded"
    ]
    (tmp_path / "shop.yaml").write_text(yaml.safe_dump_all(documents))

    live = analyze(load_cluster(FakeApi(SHOP))).connections()
    files = analyze(load_paths([tmp_path])).connections()

    assert [str(c) for c in live] == [str(c) for c in files]
    assert any("web/web[Deployment] => api/api[Deployment]" in str(c) for c in live)


# ----------------------------------------------------------------- the official client


def _kubeconfig(tmp_path: Path, server: str) -> str:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "local", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "local",
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return str(path)


@pytest.fixture
def api_server() -> Iterator[tuple[str, dict[str, Any]]]:
    """A stand-in API server on loopback: `answers` maps a path to (status, body)."""
    answers: dict[str, Any] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = answers.get(self.path.split("?")[0], (404, {"kind": "Status"}))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", answers
    finally:
        server.shutdown()
        server.server_close()


def test_the_official_client_lists_raw_json_items(tmp_path, api_server):
    url, answers = api_server
    answers["/apis/networking.k8s.io/v1/networkpolicies"] = (200, {"items": SHOP["NetworkPolicy"]})
    api = OfficialApi(_kubeconfig(tmp_path, url), "local")

    assert api.server == url
    # camelCase as served, not the client's snake_case models.
    assert api.list_kind("NetworkPolicy")[0]["spec"]["policyTypes"] == ["Ingress"]


def test_the_official_client_reads_a_namespace_and_lists_inside_it(tmp_path, api_server):
    url, answers = api_server
    answers["/api/v1/namespaces/web"] = (200, SHOP["Namespace"][0])
    answers["/apis/networking.k8s.io/v1/namespaces/web/networkpolicies"] = (200, {"items": []})
    api = OfficialApi(_kubeconfig(tmp_path, url), "local")

    assert api.list_kind("Namespace", "web") == [SHOP["Namespace"][0]]
    assert api.list_kind("NetworkPolicy", "web") == []


def test_a_namespace_the_cluster_lacks_is_one_line_naming_it(tmp_path, api_server):
    url, _ = api_server
    with pytest.raises(ClusterUnreachable) as raised:
        load_cluster(OfficialApi(_kubeconfig(tmp_path, url)), ["nope"])
    assert str(raised.value) == (
        f"{url}: there is no namespace 'nope'; check --namespace (kubectl get namespaces "
        "lists them)"
    )


def test_a_refused_list_is_one_line_naming_the_server_and_the_kind(tmp_path, api_server):
    url, answers = api_server
    answers["/api/v1/namespaces"] = (403, {"kind": "Status", "reason": "Forbidden"})
    with pytest.raises(ClusterUnreachable) as raised:
        load_cluster(OfficialApi(_kubeconfig(tmp_path, url)))
    assert str(raised.value) == (
        f"{url}: listing Namespaces was refused (403 Forbidden); the kubeconfig's user needs "
        "to list them in every namespace"
    )


def test_a_server_that_does_not_answer_is_one_line(tmp_path, api_server):
    url, _ = api_server
    closed = url.rsplit(":", 1)[0] + ":1"
    with pytest.raises(ClusterUnreachable) as raised:
        OfficialApi(_kubeconfig(tmp_path, closed)).list_kind("Pod")
    assert str(raised.value).startswith(f"{closed}: no answer (")
    assert str(raised.value).endswith("); is the cluster running?")


def test_an_unknown_context_is_one_line_naming_the_kubeconfig(tmp_path):
    kubeconfig = _kubeconfig(tmp_path, "http://127.0.0.1:1")
    with pytest.raises(ClusterUnreachable) as raised:
        OfficialApi(kubeconfig, "nope")
    assert str(raised.value).startswith(f"{kubeconfig}: ")
    assert "nope" in str(raised.value)
    assert len(str(raised.value).splitlines()) == 1


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("root:x:0:0:root:/root:/bin/bash\n", "a str"),
        ("- clusters\n- users\n", "a list"),
        ("a: 1\n---\nb: 2\n", "2 YAML documents"),
    ],
)
def test_a_file_that_is_no_kubeconfig_is_one_line_naming_what_it_holds(tmp_path, text, found):
    path = tmp_path / "kubeconfig"
    path.write_text(text)
    with pytest.raises(ClusterUnreachable) as raised:
        OfficialApi(str(path))
    assert str(raised.value) == (
        f"{path}: not a kubeconfig: it holds {found} where one mapping with clusters, "
        "contexts and users is expected; give --kubeconfig FILE"
    )


def test_an_alias_bomb_in_a_kubeconfig_is_refused_before_the_client_reads_it(tmp_path):
    path = tmp_path / "kubeconfig"
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ClusterUnreachable) as raised:
        OfficialApi(str(path))
    assert str(raised.value).startswith(f"{path}, document 1: line 5: its aliases")
    assert "alias bomb" in str(raised.value) and "\n" not in str(raised.value)


def test_tiered_policies_nodes_and_accounts_are_read_where_the_cluster_serves_them():
    items = {
        **SHOP,
        "projectcalico.org/v3/tiers": [{"metadata": {"name": "security"}, "spec": {"order": 100}}],
        "projectcalico.org/v3/globalnetworkpolicies": [
            {
                "metadata": {"name": "security.deny"},
                "spec": {"tier": "security", "selector": "all()"},
            }
        ],
        "policy.networking.k8s.io/v1alpha1/adminnetworkpolicies": [
            {
                "metadata": {"name": "admin"},
                "spec": {
                    "priority": 3,
                    "subject": {"namespaces": {}},
                    "ingress": [{"action": "Pass", "from": [{"namespaces": {}}]}],
                },
            }
        ],
        "v1/nodes": [
            {
                "metadata": {"name": "n1", "labels": {"role": "x"}},
                "status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.2"}]},
            }
        ],
    }
    model = load_cluster(FakeApi(items))
    assert {p.ref for p in model.tiered_policies} == {"gnp/security.deny", "anp/admin"}
    assert [t.name for t in model.policy_tiers] == ["security"]
    assert [n.name for n in model.nodes] == ["n1"]


def test_kinds_the_user_may_not_list_are_named_in_a_note():
    api = FakeApi(SHOP)
    api.forbidden = {"nodes", "globalnetworkpolicies"}
    model = load_cluster(api)
    assert model.notes[-1] == (
        f"{SERVER}: the kubeconfig's user may not list Node, GlobalNetworkPolicy; they are left "
        "out (policies selecting nodes or service accounts, and policies of those kinds)"
    )
