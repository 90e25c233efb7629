"""The dev stack applied to the local Kubernetes cluster (`scripts/cluster.sh`), for real.

The cluster is started through the same script `make up` uses (a running one is left
alone, and stopped at the end only if these tests started it). The stack is
`Pulumi.dev.yaml` moved out of dev's way (`e2ek8s`: namespaces `e2ek8s-shop-*`), in
cluster mode: the kubernetes provider applies it, awaits its Deployments, reads it
back on refresh and deletes it on destroy.
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from devenv.cluster_layout import Layout, image_ref
from tests.e2e.conftest import ADDRESS_PLAN
from tests.e2e.harness import REPO, Project, Stack
from tests.e2e.kube import POLICY_CRDS, Api, kubeconfig_path, local_cluster, wait_until
from tests.e2e.test_stack import summary

pytestmark = pytest.mark.e2e

NAME = "e2ek8s"
NAMESPACES = [f"{NAME}-shop-web", f"{NAME}-shop-api", f"{NAME}-shop-data"]
NODES = {"netkit-k8s-node-1", "netkit-k8s-node-2"}


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with local_cluster(f"{NAME}-") as cluster:
        yield cluster


@pytest.fixture(scope="module")
def k8s_stack(project: Project) -> Stack:
    return project.new_stack(NAME, *ADDRESS_PLAN[NAME], cluster=True)


@pytest.fixture(scope="module")
def applied(api: Api, project: Project, k8s_stack: Stack) -> Iterator[Api]:
    result = project.up(k8s_stack)
    try:
        assert result.returncode == 0, result.stdout
        yield api
    finally:
        project.pulumi("destroy", "--stack", k8s_stack.name, "--yes", "--skip-preview")


def _ready_replicas(api: Api, namespace: str, name: str) -> int:
    deployment = api.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}")
    return int(deployment.get("status", {}).get("readyReplicas") or 0)


def test_the_server_image_exits_on_sigterm_as_a_container_s_first_process(api: Api) -> None:
    """The image the nodes run, stopped as a pod's stop does: SIGTERM, then SIGKILL after a
    grace. A shell as a container's first process gets no signal it has no handler for;
    without serve.sh's trap it would be killed at the end of the grace (exit 137)."""
    archive = Layout.default().images / "server.tar"
    loaded = subprocess.run(
        ["docker", "load", "-q", "-i", str(archive)], capture_output=True, text=True
    )
    assert loaded.returncode == 0, loaded.stderr
    started = subprocess.run(
        ["docker", "run", "-d", "--label", f"netkit-e2e={NAME}", image_ref("server")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    container = started.stdout.strip()
    try:
        stopped = subprocess.run(
            ["docker", "stop", "-t", "30", container], capture_output=True, text=True
        )
        assert stopped.returncode == 0, stopped.stderr
        shown = subprocess.run(
            ["docker", "inspect", "-f", "{{.State.ExitCode}}", container],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert shown.stdout.strip() == "0"
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True)


def test_the_cluster_serves_the_cluster_wide_and_tiered_policy_kinds(api: Api):
    """The cluster's start installs the network-policy API's and Calico's CRDs (`crds/`),
    so the API server takes what staging declares; each is Established."""
    crds = {
        item["metadata"]["name"]: item
        for item in api.items("/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
    }
    for name in POLICY_CRDS:
        assert name in crds, name
        conditions = {c["type"]: c["status"] for c in crds[name]["status"]["conditions"]}
        assert conditions.get("Established") == "True", name


def test_the_deployments_are_ready_on_both_nodes_with_pods_in_the_pod_range(applied: Api):
    expected = {(f"{NAME}-shop-web", "web"): 2, (f"{NAME}-shop-api", "api"): 2}
    expected[(f"{NAME}-shop-data", "db")] = 1
    for (namespace, name), replicas in expected.items():
        assert _ready_replicas(applied, namespace, name) == replicas, (namespace, name)
    pods = [pod for ns in NAMESPACES for pod in applied.items(f"/api/v1/namespaces/{ns}/pods")]
    assert len(pods) == 5
    pod_range = ipaddress.ip_network("10.244.0.0/16")
    assert all(ipaddress.ip_address(p["status"]["podIP"]) in pod_range for p in pods)
    assert {p["spec"]["nodeName"] for p in pods} == NODES


def test_every_service_has_ready_endpoints_on_its_declared_port(applied: Api):
    for namespace, service, port in [
        (f"{NAME}-shop-web", "web", 8080),
        (f"{NAME}-shop-api", "api", 8080),
        (f"{NAME}-shop-data", "db", 5432),
    ]:
        slices = applied.items(
            f"/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices"
            f"?labelSelector=kubernetes.io/service-name={service}"
        )
        ready = [
            address
            for piece in slices
            for endpoint in piece.get("endpoints") or []
            if endpoint.get("conditions", {}).get("ready")
            for address in endpoint["addresses"]
        ]
        assert ready, (namespace, service)
        assert {p["port"] for piece in slices for p in piece["ports"]} == {port}


def test_netkit_probe_agrees_with_the_enforcer_on_the_stack(applied: Api):
    probe = subprocess.run(
        [
            str(REPO / ".venv" / "bin" / "netkit"),
            "probe",
            "--kubeconfig",
            str(kubeconfig_path()),
            *(f"--namespace={ns}" for ns in NAMESPACES),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # web, api (2 pods each) and db (1): every ordered pair but db to itself, each on the
    # destination's one port; the declared connections allowed, the rest denied.
    assert probe.returncode == 0, probe.stdout + probe.stderr
    assert probe.stdout.splitlines() == ["8/8 probes agree"]


# ------------------------------------------------------- the cluster as a source of the model


def _netkit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "netkit"), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def _both(
    project: Project, stack: Stack, *command: str, live_options: tuple[str, ...] = ()
) -> tuple[list[str], list[str]]:
    """`netkit COMMAND` on the stack's namespaces of the running cluster and on the stack's
    rendered model: the lines of each that name those namespaces. The cluster may hold a
    user's own stacks beside this one (`make up` applies dev to it), so the live side reads
    only the namespaces this test made, as `kubectl -n` would."""
    scope = [f"--namespace={namespace}" for namespace in NAMESPACES]
    live = _netkit(*command, "--kubeconfig", str(kubeconfig_path()), *scope, *live_options)
    model = _netkit(*command, "--stack", stack.name, "--project-dir", str(project.root))
    # The exit statuses may differ: the stack's model holds the cluster-wide intent too.
    assert live.returncode in (0, 1), live.stderr
    assert model.returncode in (0, 1), model.stderr
    ours = f"{NAME}-shop-"
    # The live summary line names its source, and so its namespaces: not a finding.
    summary = "cluster (current context) of "
    return (
        [
            line
            for line in live.stdout.splitlines()
            if ours in line and not line.startswith(summary)
        ],
        [line for line in model.stdout.splitlines() if ours in line],
    )


def test_connlist_of_the_cluster_is_the_stack_s_connlist(
    applied: Api, project: Project, k8s_stack: Stack
):
    live, model = _both(project, k8s_stack, "connlist")
    # The stack's model also holds the ingress controller its intent names, which this
    # cluster does not run: the one line the cluster cannot show.
    controller = "{ingress-controller} => "
    assert live == [line for line in model if not line.startswith(controller)]
    assert [line for line in model if line.startswith(controller)] == [
        f"{controller}{NAME}-shop-web/web[Deployment] : TCP 8080"
    ]
    assert f"{NAME}-shop-web/web[Deployment] => {NAME}-shop-api/api[Deployment] : TCP 8080" in live


def test_check_of_the_cluster_finds_what_the_stack_s_check_finds_on_its_objects(
    applied: Api, project: Project, k8s_stack: Stack, tmp_path: Path
):
    # The enforcer runs outside the cluster's objects (kube-router on each node), so the
    # cluster cannot show it; the pack's config says which, as the stack's clusterCni does.
    config = tmp_path / "pack.json"
    config.write_text(
        json.dumps({"k8s-cni-require-policy-enforcement": {"clusterCni": "kube-router"}})
    )
    live, model = _both(project, k8s_stack, "check", live_options=("--config", str(config)))
    assert live == model


def test_overlap_of_the_cluster_agrees_with_the_stack(
    applied: Api, project: Project, k8s_stack: Stack
):
    # Neither finds an overlap. The cluster's objects carry no address range of their own
    # (its Service and pod ranges are flags of its servers), so only the stack lists any.
    live, model = _both(project, k8s_stack, "overlap")
    assert live == model == []
    scope = [f"--namespace={namespace}" for namespace in NAMESPACES]
    live_summary = _netkit("overlap", "--kubeconfig", str(kubeconfig_path()), *scope).stdout
    assert live_summary.splitlines()[-1].endswith(" 0 overlaps")


def test_a_second_up_changes_nothing(applied: Api, project: Project, k8s_stack: Stack):
    again = project.up(k8s_stack, "--json")
    assert again.returncode == 0, again.stdout
    changes = summary(again.stdout)["resourceChanges"]
    assert set(changes) == {"same"} and changes["same"] > 0, changes


def test_a_label_changed_through_the_api_shows_in_preview_refresh(
    applied: Api, project: Project, k8s_stack: Stack
):
    namespace = f"{NAME}-shop-api"
    applied.merge_patch(
        f"/api/v1/namespaces/{namespace}", {"metadata": {"labels": {"tier": "edited"}}}
    )

    preview = project.pulumi("preview", "--stack", k8s_stack.name, "--refresh", "--diff")

    assert preview.returncode == 0, preview.stdout
    # The refresh reads the edited label; the update would put the declared one back.
    assert re.search(r'~ tier\s*: "api" => "edited"', preview.stdout), preview.stdout
    update = preview.stdout.split("~ kubernetes:core/v1:Namespace: (update)", 1)
    assert len(update) == 2, preview.stdout
    assert f"Namespace::{namespace}-namespace]" in update[1].split("\n", 3)[2], preview.stdout
    assert re.search(r'~ tier\s*: "edited" => "api"', update[1]), preview.stdout
    # `up --refresh` puts the label back.
    fixed = project.up(k8s_stack, "--refresh")
    assert fixed.returncode == 0, fixed.stdout
    labels = applied.get(f"/api/v1/namespaces/{namespace}")["metadata"]["labels"]
    assert labels["tier"] == "api"


ADMISSION = "/apis/admissionregistration.k8s.io/v1"


def test_a_refusal_by_the_api_server_is_one_line_naming_the_object_and_the_reason(
    applied: Api, project: Project, k8s_stack: Stack
):
    web = f"{NAME}-shop-web"
    rule = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": f"{NAME}-max-replicas"},
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": web}},
                "resourceRules": [
                    {
                        "apiGroups": ["apps"],
                        "apiVersions": ["v1"],
                        "operations": ["CREATE", "UPDATE"],
                        "resources": ["deployments"],
                    }
                ],
            },
            "validations": [
                {"expression": "object.spec.replicas <= 2", "message": "at most 2 replicas here"}
            ],
        },
    }
    binding = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": f"{NAME}-max-replicas"},
        "spec": {"policyName": f"{NAME}-max-replicas", "validationActions": ["Deny"]},
    }
    document = yaml.safe_load(k8s_stack.path.read_text())
    web_service = document["config"]["netkit:kubernetes"]["namespaces"][0]["services"][0]
    assert web_service["name"] == "web"
    web_service["replicas"] = 3
    wanted = project.root / "three-web-replicas.yaml"
    wanted.write_text(yaml.safe_dump(document, sort_keys=False))
    assert applied.request("POST", f"{ADMISSION}/validatingadmissionpolicies", rule)[0] == 201
    assert (
        applied.request("POST", f"{ADMISSION}/validatingadmissionpolicybindings", binding)[0] == 201
    )
    try:
        time.sleep(2)  # the API server picks the policy up asynchronously
        result = project.pulumi(
            "up", "--stack", k8s_stack.name, "--yes", "--skip-preview",
            "--config-file", str(wanted),
        )  # fmt: skip
    finally:
        applied.request(
            "DELETE", f"{ADMISSION}/validatingadmissionpolicybindings/{NAME}-max-replicas"
        )
        applied.request("DELETE", f"{ADMISSION}/validatingadmissionpolicies/{NAME}-max-replicas")

    assert result.returncode != 0, result.stdout
    diagnostics = result.stdout.split("Diagnostics:", 1)[1]
    [line] = [line.strip() for line in diagnostics.splitlines() if "forbidden" in line]
    # e.g. `* the Kubernetes API server reported that "e2ek8s-shop-web/web" failed to
    # fully initialize or become live: deployments.apps "web" is forbidden: ...`
    assert f'"{web}/web"' in line, line
    assert 'deployments.apps "web" is forbidden' in line, line
    assert line.endswith("denied request: at most 2 replicas here"), line
    assert _ready_replicas(applied, web, "web") == 2


def test_destroy_leaves_none_of_the_namespaces(applied: Api, project: Project, k8s_stack: Stack):
    destroyed = project.pulumi("destroy", "--stack", k8s_stack.name, "--yes", "--skip-preview")

    assert destroyed.returncode == 0, destroyed.stdout

    def gone() -> bool:
        names = {n["metadata"]["name"] for n in applied.items("/api/v1/namespaces")}
        return not names & set(NAMESPACES)

    wait_until("the stack's namespaces are deleted", gone, timeout=120)
    assert project.export(k8s_stack).get("resources", []) == []
    assert json.dumps(applied.items("/api/v1/namespaces")).count(f"{NAME}-") == 0
