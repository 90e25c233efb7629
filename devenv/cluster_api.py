"""GETs to the cluster's API server as the admin, and what start and status read from them."""

from __future__ import annotations

import http.client
import json
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devenv.cluster_layout import API_IP, API_PORT

TIMEOUT = 5.0


def http_ok(
    host: str, port: int, path: str, *, context: ssl.SSLContext | None = None
) -> str | None:
    """The body of a GET answered 2xx within TIMEOUT seconds, else None."""
    conn: http.client.HTTPConnection
    if context is None:
        conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    else:
        conn = http.client.HTTPSConnection(host, port, timeout=TIMEOUT, context=context)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode(errors="replace")
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()
    return body if 200 <= response.status < 300 else None


@dataclass(frozen=True)
class AdminClient:
    """The admin's certificate from `pki`; the server is the API server's one address."""

    pki: Path
    host: str = API_IP
    port: int = API_PORT

    def context(self) -> ssl.SSLContext | None:
        try:
            context = ssl.create_default_context(cafile=str(self.pki / "ca.crt"))
            context.load_cert_chain(str(self.pki / "admin.crt"), str(self.pki / "admin.key"))
        except (OSError, ssl.SSLError):
            return None  # not started yet: no certificates
        return context

    def get(self, path: str) -> str | None:
        context = self.context()
        if context is None:
            return None
        return http_ok(self.host, self.port, path, context=context)

    def ready(self) -> bool:
        return self.get("/readyz") is not None

    def nodes_ready(self, nodes: Iterable[str]) -> bool:
        return all(node_ready(self.get(f"/api/v1/nodes/{node}")) for node in nodes)


def node_ready(body: str | None) -> bool:
    """Whether a Node's JSON says condition Ready is "True"."""
    if body is None:
        return False
    try:
        node: Any = json.loads(body)
        conditions = node["status"]["conditions"]
        return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
    except (ValueError, KeyError, TypeError):
        return False
