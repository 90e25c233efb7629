"""A few calls to the local cluster's API server, for the end-to-end tests.

The admin kubeconfig that `scripts/cluster.sh` writes names the server, the CA and a
client certificate by file; the standard library's HTTPS client is all it takes.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from tests.e2e.harness import REPO

CLUSTER_SCRIPT = REPO / "scripts" / "cluster.sh"


POLICY_CRDS = {
    # The CRDs of crds/ (the network-policy API's and Calico's): the cluster's start installs them.
    "adminnetworkpolicies.policy.networking.k8s.io",
    "baselineadminnetworkpolicies.policy.networking.k8s.io",
    "clusternetworkpolicies.policy.networking.k8s.io",
    "globalnetworkpolicies.projectcalico.org",
    "globalnetworksets.projectcalico.org",
    "networkpolicies.projectcalico.org",
    "networksets.projectcalico.org",
    "stagedglobalnetworkpolicies.projectcalico.org",
    "stagedkubernetesnetworkpolicies.projectcalico.org",
    "stagednetworkpolicies.projectcalico.org",
    "tiers.projectcalico.org",
}


def cluster_script(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLUSTER_SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def kubeconfig_path() -> Path:
    return Path(cluster_script("kubeconfig").stdout.strip())


@dataclass
class Api:
    """The API server named by a kubeconfig (client-certificate users only)."""

    host: str
    port: int
    context: ssl.SSLContext

    @classmethod
    def from_kubeconfig(cls, path: Path) -> Api:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        cluster = config["clusters"][0]["cluster"]
        user = config["users"][0]["user"]
        context = ssl.create_default_context(cafile=cluster["certificate-authority"])
        context.load_cert_chain(user["client-certificate"], user["client-key"])
        url = urlparse(cluster["server"])
        return cls(url.hostname or "", url.port or 443, context)

    def request(
        self, method: str, path: str, body: Any = None, content_type: str = "application/json"
    ) -> tuple[int, Any]:
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=30)
        try:
            data = None if body is None else json.dumps(body)
            headers = {"Content-Type": content_type} if body is not None else {}
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
            return response.status, json.loads(text) if text.startswith("{") else text
        finally:
            conn.close()

    def get(self, path: str) -> Any:
        status, body = self.request("GET", path)
        assert status == 200, f"GET {path}: {status} {body}"
        return body

    def items(self, path: str) -> list[dict[str, Any]]:
        return list(self.get(path)["items"])

    def merge_patch(self, path: str, body: Any) -> Any:
        status, answer = self.request("PATCH", path, body, "application/merge-patch+json")
        assert status == 200, f"PATCH {path}: {status} {answer}"
        return answer


def wait_until(what: str, check: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f}s")
        time.sleep(1)


LEFTOVER_TIMEOUT = 120
"""Seconds a namespace an earlier run left gets to finish deleting."""


def clear_leftovers(api: Api, prefix: str) -> None:
    """Delete the namespaces whose names start with `prefix` (only tests make them: an
    earlier run that was killed leaves them behind); a namespace that does not go within
    `LEFTOVER_TIMEOUT` is one line naming it, instead of a test failing far away."""

    def ours() -> list[str]:
        return sorted(
            ns["metadata"]["name"]
            for ns in api.items("/api/v1/namespaces")
            if ns["metadata"]["name"].startswith(prefix)
        )

    for name in ours():
        api.request("DELETE", f"/api/v1/namespaces/{name}")
    deadline = time.monotonic() + LEFTOVER_TIMEOUT
    while (left := ours()) and time.monotonic() < deadline:
        time.sleep(1)
    if left:
        pytest.fail(
            f"namespaces {', '.join(left)} left by an earlier run are still there "
            f"{LEFTOVER_TIMEOUT} s after their deletion; see `kubectl get namespace "
            f"{left[0]} -o yaml` (status.conditions) and remove what holds them",
            pytrace=False,
        )


@contextlib.contextmanager
def local_cluster(prefix: str) -> Iterator[Api]:
    """The local cluster for one test module: started if it is not running (and then
    stopped at the end), with the namespaces an earlier run left under `prefix` gone."""
    built = subprocess.run(
        [str(REPO / "scripts" / "cluster-toolchain.sh"), "--check"], capture_output=True
    )
    if built.returncode:
        pytest.fail("the cluster's binaries are not built (`make e2e` builds them)", pytrace=False)
    was_running = cluster_script("status").returncode == 0
    if not was_running:
        started = cluster_script("start")
        assert started.returncode == 0, started.stdout + started.stderr
    try:
        api = Api.from_kubeconfig(kubeconfig_path())
        clear_leftovers(api, prefix)
        yield api
    finally:
        if not was_running:
            cluster_script("stop")
