"""`netkit probe` on the local cluster: NetworkPolicy scenarios in the style of the
Kubernetes network-policy e2e tests (namespaces x, y, z; pods a, b, c; ports 80 and 81
over TCP and UDP), each enforced by the cluster's kube-router and computed by netkit.

The namespaces are `e2eprobe-x`, `-y` and `-z`, labelled `ns: x` and so on, so that the
scenarios read as the upstream tests do and a user's own namespaces are never touched.

Each scenario replaces the policies in x, y and z, then runs `netkit probe` until every
probe agrees (the enforcer needs a few seconds to apply a change) or the attempts run
out. The last test breaks enforcement on purpose and expects the probe to say so.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.harness import REPO
from tests.e2e.kube import Api, cluster_script, kubeconfig_path, local_cluster, wait_until

pytestmark = pytest.mark.e2e

PREFIX = "e2eprobe-"
SHORT = ("x", "y", "z")
"""What the scenarios call the namespaces (their `ns` label)."""
NAMESPACES = tuple(PREFIX + ns for ns in SHORT)
PODS = ("a", "b", "c")
PORTS = [(80, "TCP"), (81, "TCP"), (80, "UDP"), (81, "UDP")]
PROBES = len(NAMESPACES) * len(PODS) * (len(NAMESPACES) * len(PODS) - 1) * len(PORTS)
"""Every ordered pair of distinct pods, on every port: 9 x 8 x 4 = 288."""
NODES = ("netkit-k8s-node-1", "netkit-k8s-node-2")

Policy = dict[str, Any]


def _pods(pod: str | None = None, **namespace: str) -> dict[str, Any]:
    """A policy peer: pods labelled pod=<pod> (all if None) in namespaces ns=<value>."""
    peer: dict[str, Any] = {"podSelector": {"matchLabels": {"pod": pod}} if pod else {}}
    if namespace:
        peer["namespaceSelector"] = {"matchLabels": namespace}
    return peer


ANY_NAMESPACE: dict[str, Any] = {"namespaceSelector": {}}


def _policy(
    ns: str,
    name: str,
    pod: str | None = None,
    *,
    ingress: list[dict[str, Any]] | None = None,
    egress: list[dict[str, Any]] | None = None,
    types: tuple[str, ...] = ("Ingress",),
) -> Policy:
    spec: dict[str, Any] = {
        "podSelector": {"matchLabels": {"pod": pod}} if pod else {},
        "policyTypes": list(types),
    }
    if ingress is not None:
        spec["ingress"] = ingress
    if egress is not None:
        spec["egress"] = egress
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": PREFIX + ns},
        "spec": spec,
    }


def _port(port: int, protocol: str = "TCP", end: int | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"port": port, "protocol": protocol}
    if end is not None:
        found["endPort"] = end
    return found


SCENARIOS: dict[str, list[Policy]] = {
    "no policies": [],
    "deny all ingress in x": [_policy("x", "deny")],
    "deny all egress in x": [_policy("x", "deny", types=("Egress",))],
    "deny all ingress and egress in y": [_policy("y", "deny", types=("Ingress", "Egress"))],
    "x/a from its own namespace": [_policy("x", "a", "a", ingress=[{"from": [_pods()]}])],
    "x/a from namespace y": [_policy("x", "a", "a", ingress=[{"from": [_pods(ns="y")]}])],
    "x/a from pod b of namespace y": [
        _policy("x", "a", "a", ingress=[{"from": [_pods("b", ns="y")]}])
    ],
    "x/a from namespace y or pod b of x": [
        _policy("x", "a", "a", ingress=[{"from": [_pods(ns="y"), _pods("b")]}])
    ],
    "x/a from anywhere on 80/TCP": [
        _policy("x", "a", "a", ingress=[{"from": [ANY_NAMESPACE], "ports": [_port(80)]}])
    ],
    "x/a from anywhere on 81/UDP": [
        _policy("x", "a", "a", ingress=[{"ports": [_port(81, "UDP")]}])
    ],
    "x/a on a port range 80-81/TCP": [
        _policy("x", "a", "a", ingress=[{"ports": [_port(80, "TCP", 81)]}])
    ],
    "all of x on port 81 of both protocols": [
        _policy("x", "p81", ingress=[{"ports": [_port(81, "TCP"), _port(81, "UDP")]}])
    ],
    "egress of x/a to namespace y only": [
        _policy("x", "a", "a", egress=[{"to": [_pods(ns="y")]}], types=("Egress",))
    ],
    "egress of x/a on 80/TCP only": [
        _policy("x", "a", "a", egress=[{"ports": [_port(80)]}], types=("Egress",))
    ],
    "pod b of x isolated": [_policy("x", "b", "b", types=("Ingress", "Egress"))],
    "x from namespaces y and z by expression": [
        _policy(
            "x",
            "yz",
            ingress=[
                {
                    "from": [
                        {
                            "namespaceSelector": {
                                "matchExpressions": [
                                    {"key": "ns", "operator": "In", "values": ["y", "z"]}
                                ]
                            }
                        }
                    ]
                }
            ],
        )
    ],
    "x from every pod but a": [
        _policy(
            "x",
            "not-a",
            ingress=[
                {
                    "from": [
                        {
                            "namespaceSelector": {},
                            "podSelector": {
                                "matchExpressions": [
                                    {"key": "pod", "operator": "NotIn", "values": ["a"]}
                                ]
                            },
                        }
                    ]
                }
            ],
        )
    ],
    "two policies add up: x/a from y and from z": [
        _policy("x", "from-y", "a", ingress=[{"from": [_pods(ns="y")]}]),
        _policy("x", "from-z", "a", ingress=[{"from": [_pods(ns="z")]}]),
    ],
    "deny ingress in x and egress in y": [
        _policy("x", "deny"),
        _policy("y", "deny", types=("Egress",)),
    ],
    "deny all in x but x/a open to all": [
        _policy("x", "deny"),
        _policy("x", "a", "a", ingress=[{}]),
    ],
    "z may only send to x on 81": [
        _policy(
            "z",
            "out",
            egress=[{"to": [_pods(ns="x")], "ports": [_port(81, "TCP"), _port(81, "UDP")]}],
            types=("Egress",),
        ),
    ],
    "y/c in both directions to x only": [
        _policy(
            "y",
            "c",
            "c",
            ingress=[{"from": [_pods(ns="x")]}],
            egress=[{"to": [_pods(ns="x")]}],
            types=("Ingress", "Egress"),
        )
    ],
    "egress deny in z with ingress allow to z/a from x": [
        _policy("z", "deny-out", types=("Egress",)),
        _policy("z", "a", "a", ingress=[{"from": [_pods(ns="x")], "ports": [_port(80)]}]),
    ],
}


def _pod(ns: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"pod": name}},
        "spec": {
            "automountServiceAccountToken": False,
            "terminationGracePeriodSeconds": 0,
            "containers": [
                {
                    "name": "server",
                    "image": "netkit.local/server:1",
                    "env": [
                        {"name": "NETKIT_PORTS", "value": " ".join(f"{p}/{q}" for p, q in PORTS)}
                    ],
                    "ports": [{"containerPort": p, "protocol": q} for p, q in PORTS],
                    # Root inside the pod only to bind ports below 1024.
                    "securityContext": {"runAsUser": 0, "readOnlyRootFilesystem": True},
                }
            ],
        },
    }


def _policies_now(api: Api) -> list[tuple[str, str]]:
    return [
        (p["metadata"]["namespace"], p["metadata"]["name"])
        for ns in NAMESPACES
        for p in api.items(f"/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies")
    ]


def _set_policies(api: Api, policies: list[Policy]) -> None:
    for ns, name in _policies_now(api):
        api.request("DELETE", f"/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies/{name}")
    for policy in policies:
        ns = policy["metadata"]["namespace"]
        status, body = api.request(
            "POST", f"/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies", policy
        )
        assert status == 201, body


def _delete_namespaces(api: Api) -> None:
    for ns in NAMESPACES:
        api.request("DELETE", f"/api/v1/namespaces/{ns}")

    def gone() -> bool:
        names = {n["metadata"]["name"] for n in api.items("/api/v1/namespaces")}
        return not names & set(NAMESPACES)

    wait_until(f"namespaces {', '.join(NAMESPACES)} are deleted", gone, timeout=120)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Api]:
    with local_cluster(PREFIX) as api:
        yield from _probe_pods(api)


def _probe_pods(api: Api) -> Iterator[Api]:
    try:
        for short, ns in zip(SHORT, NAMESPACES, strict=True):
            status, body = api.request(
                "POST",
                "/api/v1/namespaces",
                {
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {"name": ns, "labels": {"ns": short}},
                },
            )
            assert status == 201, body
            for pod in PODS:
                status, body = api.request("POST", f"/api/v1/namespaces/{ns}/pods", _pod(ns, pod))
                assert status == 201, body

        def ready() -> bool:
            pods = [p for ns in NAMESPACES for p in api.items(f"/api/v1/namespaces/{ns}/pods")]
            return len(pods) == 9 and all(
                any(
                    c["type"] == "Ready" and c["status"] == "True"
                    for c in p["status"].get("conditions", [])
                )
                for p in pods
            )

        wait_until("the 9 probe pods are ready", ready, timeout=180)
        yield api
    finally:
        _delete_namespaces(api)


def probe() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(REPO / ".venv" / "bin" / "netkit"),
            "probe",
            "--kubeconfig",
            str(kubeconfig_path()),
            *(f"--namespace={ns}" for ns in NAMESPACES),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )


def probe_until_agreed(attempts: int = 4) -> subprocess.CompletedProcess[str]:
    """`netkit probe`, again while it disagrees (kube-router applies changes in seconds)."""
    for attempt in range(attempts):
        result = probe()
        if result.returncode == 0 or attempt == attempts - 1:
            return result
        time.sleep(3)
    raise AssertionError("unreachable")


def test_the_probe_pods_run_on_both_nodes(cluster: Api):
    nodes = {
        p["spec"]["nodeName"]
        for ns in NAMESPACES
        for p in cluster.items(f"/api/v1/namespaces/{ns}/pods")
    }
    assert nodes == set(NODES)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_netkit_computes_what_the_cluster_enforces(cluster: Api, scenario: str):
    _set_policies(cluster, SCENARIOS[scenario])

    result = probe_until_agreed()

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == f"{PROBES}/{PROBES} probes agree", result.stdout


def test_the_probe_fails_when_enforcement_is_broken(cluster: Api):
    _set_policies(cluster, SCENARIOS["deny all ingress in x"])
    assert probe_until_agreed().returncode == 0
    # Stop the enforcer on both nodes and remove its rules: the deny is no longer applied.
    broken = cluster_script("stop-enforcer")
    assert broken.returncode == 0, broken.stderr
    try:
        result = probe()

        assert result.returncode == 1, result.stdout + result.stderr
        lines = result.stdout.splitlines()
        denied_in_x = 6 * 3 * len(PORTS)  # the 6 pods of y and z to the 3 pods of x
        into_x_among_x = 3 * 2 * len(PORTS)  # x's own pods to each other
        wrong = denied_in_x + into_x_among_x
        assert lines[-1] == f"{PROBES - wrong}/{PROBES} probes agree", result.stdout
        x, y = NAMESPACES[0], NAMESPACES[1]
        assert (
            f"{y}/b[Pod] -> {x}/a[Pod] 80/TCP: netkit computes denied, the cluster connected"
            in lines
        )
    finally:
        restarted = cluster_script("start")
        assert restarted.returncode == 0, restarted.stderr
    assert probe_until_agreed().returncode == 0
