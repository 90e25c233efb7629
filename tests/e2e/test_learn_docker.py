"""`netkit learn --containers` on the three Docker hosts, for real.

The lab stack moved out of lab's way (`netkit-e2elearnd-*`, 10.229.x) is deployed on the
hosts of `scripts/docker-hosts.sh`: a, b and c share an overlay across the three hosts,
and a shares a bridge on host1 with a-db. A container planted outside the stack joins the
overlay on host3. While `netkit learn` samples every container's own connection tracking
(the only place a connection over an overlay shows), the test drives a to b over the
overlay, a-db to a over the bridge, and the planted container to b; then the report lists
exactly those two as used, the planted one's as used but not declared, and the pairs the
overlay allows that never talked (b and c) as unused.

Run under the shared lock: `flock /tmp/netkit-e2e.lock .venv/bin/python -m pytest -m e2e
tests/e2e/test_learn_docker.py`.
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

from tests.e2e.harness import REPO, Project, Stack
from tests.e2e.hosts import dk, named_with_prefix

pytestmark = pytest.mark.e2e

HOSTS_SCRIPT = REPO / "scripts" / "docker-hosts.sh"
NETKIT = str(REPO / ".venv" / "bin" / "netkit")
NAME = "e2elearnd"
PREFIX = f"netkit-{NAME}-"
ENGINES = [f"--docker=netkit-hosts://host{k}" for k in (1, 2, 3)]
A, A_DB, B, C = (f"host1/{PREFIX}a", f"host1/{PREFIX}a-db", f"host2/{PREFIX}b", f"host3/{PREFIX}c")
PLANTED = f"{PREFIX}planted"


def named(host: str, kind: str) -> list[str]:
    return named_with_prefix(host, kind, PREFIX)


def _clean() -> None:
    for host in ("host1", "host2", "host3"):
        for name in named(host, "container"):
            dk(host, "rm", "-f", name, check=False)
    for host in ("host1", "host2", "host3"):
        for name in named(host, "network"):
            dk(host, "network", "rm", name, check=False)


@pytest.fixture(scope="module")
def deployed(project: Project) -> Iterator[Stack]:
    started = subprocess.run([str(HOSTS_SCRIPT), "start"], capture_output=True, text=True)
    if started.returncode != 0:
        pytest.fail(f"scripts/docker-hosts.sh start failed:\n{started.stderr}", pytrace=False)
    _clean()  # what an earlier run of this module left
    text = (REPO / "Pulumi.lab.yaml").read_text(encoding="utf-8")
    document = yaml.safe_load(text.replace("netkit-lab-", PREFIX).replace("10.201.", "10.229."))
    document.pop("encryptionsalt", None)
    path = project.root / f"Pulumi.{NAME}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    init = project.pulumi("stack", "init", NAME)
    assert init.returncode == 0, init.stdout
    stack = Stack(NAME, path, PREFIX)
    try:
        up = project.up(stack)
        assert up.returncode == 0, up.stdout
        dk("host3", "run", "-d", "--name", PLANTED, "--network", f"{PREFIX}mesh",
           "netkit/busybox:local", "sleep", "3600")  # fmt: skip
        yield stack
    finally:
        dk("host3", "rm", "-f", PLANTED, check=False)
        project.pulumi("destroy", "--stack", NAME, "--yes", "--skip-preview")
        _clean()


def _address(host: str, container: str, network: str) -> str:
    template = f'{{{{(index .NetworkSettings.Networks "{network}").IPAddress}}}}'
    return dk(host, "inspect", "-f", template, container).stdout.strip()


def _connect(host: str, container: str, address: str, port: int) -> None:
    done = dk(host, "exec", container, "sh", "-c",
              f"echo learn | nc -w 2 {address} {port} >/dev/null", check=False)  # fmt: skip
    assert done.returncode == 0, f"{container} -> {address}:{port}: {done.stderr}"


def _drive() -> None:
    b = _address("host2", f"{PREFIX}b", f"{PREFIX}mesh")
    a = _address("host1", f"{PREFIX}a", f"{PREFIX}a-local")
    for _ in range(3):
        _connect("host1", f"{PREFIX}a", b, 8080)
        _connect("host1", f"{PREFIX}a-db", a, 8080)
        _connect("host3", PLANTED, b, 8080)
        time.sleep(1)


@pytest.fixture(scope="module")
def learned(deployed: Stack, project: Project) -> dict[str, Any]:
    failures: list[BaseException] = []

    def drive() -> None:
        try:
            time.sleep(3)  # the first samples are taken before the traffic
            _drive()
        except BaseException as error:  # the test reports it
            failures.append(error)

    driver = threading.Thread(target=drive)
    driver.start()
    report = subprocess.run(
        [NETKIT, "learn", "--stack", NAME, "--project-dir", str(project.root), "--containers",
         *ENGINES, "--window", "20s", "--interval", "1s", "--format", "json"],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    driver.join()
    assert not failures, failures
    assert report.returncode == 1, report.stdout + report.stderr
    assert "sampling: round" in report.stderr
    document: dict[str, Any] = json.loads(report.stdout)
    return document


def _pairs(items: list[dict[str, Any]], protocol: str = "TCP") -> set[tuple[str, str]]:
    return {(i["src"], i["dst"]) for i in items if i["protocol"] == protocol}


def test_learn_sees_the_overlay_and_the_bridge_and_the_planted_container(learned):
    assert _pairs(learned["used"]) == {(A, B), (A_DB, A)}, learned
    assert {i["port"] for i in learned["used"]} == {"8080"}
    assert _pairs(learned["undeclared"]) == {(f"host3/{PLANTED}", B)}, learned


def test_the_pairs_the_overlay_allows_that_never_talked_are_unused(learned):
    unused = _pairs(learned["unused"])
    assert {(B, C), (C, B), (A, C), (C, A), (B, A), (A, A_DB)} <= unused, learned
    assert not unused & {(A, B), (A_DB, A)}, learned
