"""`netkit preflight` against a stand-in Docker engine on a Unix socket: what exists and
is not in the state is refused in one line; what the state holds passes."""

from __future__ import annotations

import contextlib
import http.server
import json
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from netkit_cli.main import main

STACK_FILE = """\
config:
  netkit:docker:
    host: unix://{socket}
    bridges:
      - name: netkit-t-back
        subnets: [{{subnet: 10.240.1.0/24}}]
    containers:
      - name: netkit-t-api
        networks: [{{network: netkit-t-back}}]
"""

OWNER = {"netkit.project": "netkit", "netkit.stack": "t", "netkit.component": "BridgeNetwork"}


class _UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """A Docker engine API answering `GET /_ping` and inspections from `objects`
    (path -> body); anything else is 404 as the engine answers."""
    objects: dict[str, Any] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def address_string(self) -> str:
            return "engine"

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            path = path.split("/", 2)[-1] if path.startswith("/v1.") else path.lstrip("/")
            if path == "_ping":
                body, status = b"OK", 200
            elif path == "version":
                body, status = json.dumps({"ApiVersion": "1.41"}).encode(), 200
            elif path in objects:
                body, status = json.dumps(objects[path]).encode(), 200
            else:
                body, status = json.dumps({"message": f"no such object: {path}"}).encode(), 404
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Api-Version", "1.41")
            self.end_headers()
            # The health check reads the status line only.
            with contextlib.suppress(BrokenPipeError):
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    socket = tmp_path / "engine.sock"
    server = _UnixHTTPServer(str(socket), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    (tmp_path / "Pulumi.t.yaml").write_text(STACK_FILE.format(socket=socket))
    try:
        yield tmp_path, objects
    finally:
        server.shutdown()
        server.server_close()


def _export(tmp_path: Path, *ids: str) -> Path:
    resources = [{"urn": f"urn:{i}", "type": "t", "id": i} for i in ids]
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"version": 3, "deployment": {"resources": resources}}))
    return path


def _preflight(project: Path, export: Path) -> int:
    return main(
        ["preflight", "--stack", "t", "--project-dir", str(project), "--state", str(export)]
    )


def test_nothing_on_the_engine_passes(engine):
    project, _ = engine
    assert _preflight(project, _export(project)) == 0


def test_objects_the_state_holds_pass(engine):
    project, objects = engine
    objects["networks/netkit-t-back"] = {"Id": "n1", "Name": "netkit-t-back", "Labels": OWNER}
    objects["containers/netkit-t-api/json"] = {
        "Id": "c1", "Name": "/netkit-t-api", "Config": {"Labels": OWNER}
    }  # fmt: skip
    assert _preflight(project, _export(project, "n1", "c1")) == 0


def test_objects_of_another_state_are_one_line_naming_their_owner(engine, capsys):
    project, objects = engine
    objects["networks/netkit-t-back"] = {
        "Id": "n9", "Name": "netkit-t-back", "Labels": OWNER, "Created": "2026-12-07T03:41:00Z"
    }  # fmt: skip
    assert _preflight(project, _export(project, "n1")) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(
        "Pulumi.t.yaml: 1 object this stack creates already exist outside its state"
    )
    assert "Docker network netkit-t-back on host 'local'" in err
    assert "they belong to stack 't' of project 'netkit', created 2026-12-07 03:41 UTC" in err


def test_a_network_found_by_an_id_prefix_is_not_the_named_one(engine):
    project, objects = engine
    objects["networks/netkit-t-back"] = {"Id": "n9", "Name": "netkit-t-backup", "Labels": {}}
    assert _preflight(project, _export(project)) == 0


def test_a_state_that_is_no_export_is_one_line(engine, capsys):
    project, _ = engine
    bad = project / "bad.json"
    bad.write_text("[1, 2")
    assert (
        main(["preflight", "--stack", "t", "--project-dir", str(project), "--state", str(bad)]) == 2
    )
    assert capsys.readouterr().err.startswith(f"netkit: error: {bad}: not JSON (")
