"""`netkit learn` on the local cluster, from the kernel's connection tracking, for real.

A stack of its own (`Pulumi.dev.yaml` moved out of dev's way: namespaces
`e2elearn-shop-*`) declares three connections: web to api on 8080, api to db on 5432, and
web to db on 5432, which nothing will use. Two NetworkPolicies planted outside the stack
let api reach web on 8080, a connection the stack does not declare. The test drives web to
api through api's Service, api to db to the pod's own address, and api to web, while
`netkit learn --netns` samples both nodes' conntrack tables; then:

- the report lists exactly the two declared connections used (the first through the
  Service), the third as unused, and api to web as used but undeclared;
- `--write` changes the stack file's `connections:` alone: api to web added, web to db
  removed; `pulumi up` deploys it, the planted policies go, api still reaches web (now by
  the stack's own policies), web no longer reaches db, and `netkit probe` agrees with the
  enforcer on every pair.

Run under the shared lock: `flock /tmp/netkit-e2e.lock .venv/bin/python -m pytest -m e2e
tests/e2e/test_learn.py`.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import ADDRESS_PLAN
from tests.e2e.harness import REPO, Project, Stack
from tests.e2e.kube import Api, kubeconfig_path, local_cluster

pytestmark = pytest.mark.e2e

NAME = "e2elearn"
WEB, API, DATA = (f"{NAME}-shop-{tier}" for tier in ("web", "api", "data"))
NODES = ("netkit-k8s-node-1", "netkit-k8s-node-2")
PLANTED = f"{NAME}-planted"
NETKIT = str(REPO / ".venv" / "bin" / "netkit")


def _kubectl(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    bin_dir = subprocess.run(
        [str(REPO / "scripts" / "cluster-toolchain.sh"), "--print-bin"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    return subprocess.run(
        [f"{bin_dir}/kubectl", "--kubeconfig", str(kubeconfig_path()), *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def _connects(namespace: str, pod: str, address: str, port: int) -> bool:
    """Whether `pod` opens a TCP connection to `address:port` (busybox nc, 2 s)."""
    done = _kubectl(
        "exec", "-n", namespace, pod, "--",
        "sh", "-c", f"echo learn | nc -w 2 {address} {port} >/dev/null",
    )  # fmt: skip
    return done.returncode == 0


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with local_cluster(f"{NAME}-") as cluster:
        yield cluster


@pytest.fixture(scope="module")
def learn_stack(project: Project) -> Stack:
    stack = project.new_stack(NAME, *ADDRESS_PLAN[NAME], cluster=True)
    document = yaml.safe_load(stack.path.read_text(encoding="utf-8"))
    document["config"]["netkit:kubernetes"]["connections"].append(
        {"from": f"{WEB}/web", "to": f"{DATA}/db", "ports": ["5432/TCP"]}
    )
    stack.path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return stack


def _planted(namespace: str, direction: str, peer_namespace: str, app: str) -> dict[str, Any]:
    """A NetworkPolicy outside the stack: api to web on 8080, one side of it."""
    peer = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": peer_namespace}},
        "podSelector": {"matchLabels": {"app": app}},
    }
    rule = {
        "ports": [{"port": 8080, "protocol": "TCP"}],
        ("to" if direction == "Egress" else "from"): [peer],
    }
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": PLANTED, "namespace": namespace},
        "spec": {
            "podSelector": {"matchLabels": {"app": "api" if direction == "Egress" else "web"}},
            "policyTypes": [direction],
            direction.lower(): [rule],
        },
    }


@pytest.fixture(scope="module")
def applied(api: Api, project: Project, learn_stack: Stack) -> Iterator[Api]:
    result = project.up(learn_stack)
    try:
        assert result.returncode == 0, result.stdout
        for namespace, direction, peer, app in (
            (API, "Egress", WEB, "web"),
            (WEB, "Ingress", API, "api"),
        ):
            status, answer = api.request(
                "POST",
                f"/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies",
                _planted(namespace, direction, peer, app),
            )
            assert status == 201, answer
        yield api
    finally:
        project.pulumi("destroy", "--stack", learn_stack.name, "--yes", "--skip-preview")


def _pods(api: Api, namespace: str) -> list[dict[str, Any]]:
    pods = [
        p for p in api.items(f"/api/v1/namespaces/{namespace}/pods") if p["status"].get("podIP")
    ]
    assert pods, namespace
    return pods


def _service_ip(api: Api, namespace: str, name: str) -> str:
    return str(api.get(f"/api/v1/namespaces/{namespace}/services/{name}")["spec"]["clusterIP"])


def _learn(project: Project, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            NETKIT, "learn", "--stack", NAME, "--project-dir", str(project.root),
            *(f"--netns={node}" for node in NODES), "--window", "20s", "--interval", "1s",
            "--kubeconfig", str(kubeconfig_path()),
            *(f"--namespace={ns}" for ns in (WEB, API, DATA)), *extra,
        ],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip


def _drive(api: Api) -> None:
    """The traffic the report must see, a few rounds inside the window."""
    web, api_pod = _pods(api, WEB)[0], _pods(api, API)[0]
    db = _pods(api, DATA)[0]
    api_service = _service_ip(api, API, "api")
    for _ in range(3):
        assert _connects(WEB, web["metadata"]["name"], api_service, 8080)
        assert _connects(API, api_pod["metadata"]["name"], db["status"]["podIP"], 5432)
        assert _connects(API, api_pod["metadata"]["name"], web["status"]["podIP"], 8080)
        time.sleep(1)


@pytest.fixture(scope="module")
def learned(applied: Api, project: Project, learn_stack: Stack) -> tuple[dict[str, Any], str]:
    """The JSON report of one window with the traffic in it, written to the stack file
    (`--write`) in the same run; and the stack file's text before."""
    before = learn_stack.path.read_text(encoding="utf-8")
    failures: list[BaseException] = []

    def drive() -> None:
        try:
            time.sleep(3)  # the first samples are taken before the traffic
            _drive(applied)
        except BaseException as error:  # the test reports it
            failures.append(error)

    driver = threading.Thread(target=drive)
    driver.start()
    report = _learn(project, "--format", "json", "--write")
    driver.join()
    assert not failures, failures
    assert report.returncode == 0, report.stdout + report.stderr
    assert "sampling: round" in report.stderr
    assert f"Pulumi.{NAME}.yaml: written (1 added, 1 removed or narrowed)" in report.stderr
    document: dict[str, Any] = json.loads(report.stdout)
    return document, before


def _pairs(items: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(i["src"], i["dst"], f"{i['port']}/{i['protocol']}") for i in items}


def test_learn_lists_the_used_the_unused_and_the_undeclared_connections(
    learned: tuple[dict[str, Any], str],
):
    report = learned[0]
    assert _pairs(report["used"]) == {
        (f"{WEB}/web", f"{API}/api", "8080/TCP"),
        (f"{API}/api", f"{DATA}/db", "5432/TCP"),
    }, report
    through = {i["src"]: i.get("via", []) for i in report["used"]}
    assert through[f"{WEB}/web"] == [f"{API}/api"], report  # by the Service's cluster IP
    declared_unused = [i for i in report["unused"] if i["declared"]]
    assert _pairs(declared_unused) == {(f"{WEB}/web", f"{DATA}/db", "5432/TCP")}, report
    assert _pairs(report["undeclared"]) == {(f"{API}/api", f"{WEB}/web", "8080/TCP")}, report
    # conntrack cannot show what a policy dropped, and the report says so.
    assert report["denied_visible"] is False


def test_the_written_connections_deploy_and_the_probe_agrees(
    learned: tuple[dict[str, Any], str], applied: Api, project: Project, learn_stack: Stack
):
    before = learned[1]
    after = learn_stack.path.read_text(encoding="utf-8")
    connections = yaml.safe_load(after)["config"]["netkit:kubernetes"]["connections"]
    assert {(c["from"], c["to"], tuple(c["ports"])) for c in connections} == {
        (f"{WEB}/web", f"{API}/api", ("8080/TCP",)),
        (f"{API}/api", f"{DATA}/db", ("5432/TCP",)),
        (f"{API}/api", f"{WEB}/web", ("8080/TCP",)),
    }, after
    # Only the connections changed: the rest of the file is as it was.
    head = before.split("connections:")[0]
    assert after.startswith(head)

    up = project.up(learn_stack)
    assert up.returncode == 0, up.stdout
    for namespace in (API, WEB):
        status, answer = applied.request(
            "DELETE", f"/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies/{PLANTED}"
        )
        assert status == 200, answer

    web, api_pod, db = (_pods(applied, ns)[0] for ns in (WEB, API, DATA))
    deadline = time.monotonic() + 30  # the enforcer applies the new policies
    while time.monotonic() < deadline:
        reached = _connects(API, api_pod["metadata"]["name"], web["status"]["podIP"], 8080)
        refused = not _connects(WEB, web["metadata"]["name"], db["status"]["podIP"], 5432)
        if reached and refused:
            break
        time.sleep(2)
    assert reached, "api no longer reaches web by the stack's own policies"
    assert refused, "web still reaches db after its connection was removed"

    probe = subprocess.run(
        [NETKIT, "probe", "--kubeconfig", str(kubeconfig_path()), "--enforcer", "kube-router",
         *(f"--namespace={ns}" for ns in (WEB, API, DATA))],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stdout + probe.stderr
    assert probe.stdout.splitlines()[-1].endswith("probes agree"), probe.stdout
