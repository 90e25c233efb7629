"""A few calls to the local cluster's API server, for the end-to-end tests.

The admin kubeconfig that `scripts/cluster.sh` writes names the server, the CA and a
client certificate by file; the standard library's HTTPS client is all it takes.
"""

from __future__ import annotations

import http.client
import json
import ssl
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from tests.e2e.harness import REPO

CLUSTER_SCRIPT = REPO / "scripts" / "cluster.sh"


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
