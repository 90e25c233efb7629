"""The policy CRDs on the local cluster: its API server validates what the components write,
and netkit reads such objects back from it.

The fixture installs the repository's CRDs (crds/: the network-policy API's and Calico's)
with `netkit.crds.install_crds`, through the official client, as the cluster's start does.
Then, against the real API server:

- every baseline kind, as the component writes it, is accepted (a server-side dry run),
  and objects its schemas or CEL rules forbid are refused, so the validation is real;
- every Kubernetes object of the staging stack (its GlobalNetworkPolicy baseline, its
  namespaces, services, NetworkPolicies), synthesized offline, is accepted; the dev
  stack's, which keeps a default deny per namespace, too;
- a Tier, a GlobalNetworkPolicy and an AdminNetworkPolicy created for real are read back
  by `netkit connlist --kubeconfig` as tiered policies, and `netkit probe` says that no
  enforcer of these kinds runs here. They select nothing the dev stack runs, and are
  deleted at the end.

Run under the shared lock: `flock /tmp/netkit-e2e.lock .venv/bin/python -m pytest -m e2e
tests/e2e/test_policy_crds.py`.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from netkit.crds import install_crds, policy_crd_files
from netkit.spec import BaselineSpec, DnsSpec
from netkit_cli.synth import synthesize
from netkit_components.kubernetes.cluster_baseline import baseline_manifest
from tests.e2e.harness import REPO
from tests.e2e.kube import POLICY_CRDS, Api, kubeconfig_path, local_cluster

pytestmark = pytest.mark.e2e

PREFIX = "netkit-e2e-crds"
NAMESPACE = f"{PREFIX}-objects"
"""Namespaced objects of the stacks are dry-run here, and cluster-scoped ones under a
name with PREFIX (their own namespaces and names may be the dev stack's, applied on this
cluster)."""
CRDS = POLICY_CRDS
PLURALS = {
    ("v1", "Namespace"): "namespaces",
    ("v1", "Service"): "services",
    ("apps/v1", "Deployment"): "deployments",
    ("networking.k8s.io/v1", "NetworkPolicy"): "networkpolicies",
    ("networking.k8s.io/v1", "Ingress"): "ingresses",
    ("projectcalico.org/v3", "GlobalNetworkPolicy"): "globalnetworkpolicies",
    ("projectcalico.org/v3", "Tier"): "tiers",
    ("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy"): "adminnetworkpolicies",
    ("policy.networking.k8s.io/v1alpha1", "BaselineAdminNetworkPolicy"): (
        "baselineadminnetworkpolicies"
    ),
    ("policy.networking.k8s.io/v1alpha2", "ClusterNetworkPolicy"): "clusternetworkpolicies",
}


def _path(obj: dict[str, Any], namespace: str | None) -> str:
    api_version, kind = obj["apiVersion"], obj["kind"]
    base = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
    where = f"/namespaces/{namespace}" if namespace else ""
    return f"{base}{where}/{PLURALS[(api_version, kind)]}"


def _dry_run(api: Api, obj: dict[str, Any], *, rename: bool = False) -> tuple[int, Any]:
    """A server-side dry-run create of `obj`: namespaced objects in the test's namespace;
    with `rename`, a cluster-scoped object under a name of the test's own, so that the dev
    stack's objects, applied on this cluster, do not answer "already exists"."""
    namespaced = "namespace" in obj.get("metadata", {})
    body = dict(obj)
    if namespaced:
        body["metadata"] = {**obj["metadata"], "namespace": NAMESPACE}
    elif rename:
        body["metadata"] = {**obj["metadata"], "name": f"{PREFIX}-{obj['metadata']['name']}"}
    return api.request("POST", _path(obj, NAMESPACE if namespaced else None) + "?dryRun=All", body)


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    # The cluster is started here if it is not running: a module before this one may have
    # stopped the cluster it started, and an address with nothing behind it may be answered
    # by whatever the machine routes it to (seen in CI: a TLS server of another CA).
    with local_cluster(PREFIX) as api:
        kubeconfig = kubeconfig_path()
        names = install_crds(policy_crd_files(REPO), kubeconfig=str(kubeconfig))
        assert set(names) == CRDS
        yield from _with_namespace(api)


def _with_namespace(api: Api) -> Iterator[Api]:
    status, answer = api.request(
        "POST",
        "/api/v1/namespaces",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
    )
    assert status in (201, 409), answer
    yield api
    api.request("DELETE", f"/api/v1/namespaces/{NAMESPACE}")


def test_the_crds_install_again_without_change(api: Api):
    # Idempotent: a second server-side apply of the same files changes nothing.
    assert set(install_crds(policy_crd_files(REPO), kubeconfig=str(kubeconfig_path()))) == CRDS


@pytest.mark.parametrize(
    "kind", ["GlobalNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"]
)
def test_the_api_server_accepts_every_baseline_the_component_writes(api: Api, kind: str):
    manifest = baseline_manifest(BaselineSpec(kind=kind), DnsSpec(), ["kube-system"])  # type: ignore[arg-type]
    status, answer = _dry_run(api, manifest)
    assert status == 201, answer


@pytest.mark.parametrize(
    ("manifest", "reason"),
    [
        (
            {
                "apiVersion": "policy.networking.k8s.io/v1alpha2",
                "kind": "ClusterNetworkPolicy",
                "metadata": {"name": f"{PREFIX}-range"},
                "spec": {
                    "tier": "Admin",
                    "priority": 1,
                    "subject": {"namespaces": {}},
                    "ingress": [
                        {
                            "action": "Deny",
                            "from": [{"namespaces": {}}],
                            "protocols": [
                                {"tcp": {"destinationPort": {"range": {"start": 90, "end": 90}}}}
                            ],
                        }
                    ],
                },
            },
            "Start port must be less than End port",
        ),
        (
            {
                "apiVersion": "policy.networking.k8s.io/v1alpha1",
                "kind": "AdminNetworkPolicy",
                "metadata": {"name": f"{PREFIX}-priority"},
                "spec": {"priority": 1001, "subject": {"namespaces": {}}},
            },
            "spec.priority",
        ),
        (
            {
                "apiVersion": "projectcalico.org/v3",
                "kind": "GlobalNetworkPolicy",
                "metadata": {"name": f"{PREFIX}-global"},
                "spec": {"selector": "global()"},
            },
            "global() can only be used in an EntityRule namespaceSelector",
        ),
    ],
)
def test_the_api_server_refuses_what_the_crds_forbid(
    api: Api, manifest: dict[str, Any], reason: str
):
    status, answer = _dry_run(api, manifest)
    assert status == 422, answer
    assert reason in str(answer)


@pytest.mark.parametrize("stack", ["staging", "dev"])
def test_every_kubernetes_object_of_the_stack_is_accepted(api: Api, stack: str):
    objects = [
        r.inputs
        for r in synthesize(stack, REPO)
        if r.type.startswith("kubernetes:")
        and (r.inputs.get("apiVersion"), r.inputs.get("kind")) in PLURALS
    ]
    kinds = {o["kind"] for o in objects}
    assert {"Namespace", "NetworkPolicy", "Service", "Deployment"} <= kinds
    if stack == "staging":
        assert "GlobalNetworkPolicy" in kinds
    refused = []
    for obj in objects:
        status, answer = _dry_run(api, obj, rename=True)
        if status != 201:
            refused.append(f"{obj['kind']} {obj['metadata'].get('name')}: {status} {answer}")
    assert not refused, "\n".join(refused)


TIER = {
    "apiVersion": "projectcalico.org/v3",
    "kind": "Tier",
    "metadata": {"name": f"{PREFIX}-tier"},
    "spec": {"order": 500},
}
GNP = {
    "apiVersion": "projectcalico.org/v3",
    "kind": "GlobalNetworkPolicy",
    "metadata": {"name": f"{PREFIX}-tier.gnp"},
    "spec": {
        "tier": f"{PREFIX}-tier",
        "order": 10,
        "selector": f"app == '{PREFIX}-nothing'",
        "ingress": [{"action": "Pass"}],
    },
}
ANP = {
    "apiVersion": "policy.networking.k8s.io/v1alpha1",
    "kind": "AdminNetworkPolicy",
    "metadata": {"name": f"{PREFIX}-anp"},
    "spec": {
        "priority": 999,
        "subject": {
            "pods": {
                "namespaceSelector": {},
                "podSelector": {"matchLabels": {"app": f"{PREFIX}-nothing"}},
            }
        },
        "ingress": [{"name": "deny", "action": "Deny", "from": [{"namespaces": {}}]}],
    },
}


@pytest.fixture
def live_policies(api: Api) -> Iterator[None]:
    made = []
    try:
        for obj in (TIER, GNP, ANP):
            status, answer = api.request("POST", _path(obj, None), obj)
            assert status == 201, answer
            made.append(obj)
        yield
    finally:
        for obj in reversed(made):
            api.request("DELETE", f"{_path(obj, None)}/{obj['metadata']['name']}")


def _netkit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netkit_cli.main", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )


def test_tiered_policies_on_the_cluster_are_read_back(live_policies: None):
    from netkit.live import connect, load_cluster

    model = load_cluster(connect(str(kubeconfig_path())))
    refs = {p.ref for p in model.tiered_policies}
    assert {f"gnp/{PREFIX}-tier.gnp", f"anp/{PREFIX}-anp"} <= refs
    assert f"{PREFIX}-tier" in {t.name for t in model.policy_tiers}
    done = _netkit("connlist", "--kubeconfig", str(kubeconfig_path()), "--explain")
    assert done.returncode == 0, done.stderr


def test_probe_says_no_enforcer_of_these_kinds_runs(live_policies: None):
    done = _netkit(
        "probe",
        "--kubeconfig",
        str(kubeconfig_path()),
        "--namespace",
        NAMESPACE,
        "--max-probes",
        "10",
    )
    # Nothing runs in the namespace, so there is nothing to probe; the limit is said first.
    assert "AdminNetworkPolicy, GlobalNetworkPolicy and Tier objects" in done.stderr
    assert "no enforcer of these kinds" in done.stderr
