"""An `up` killed half-way, recovered by `scripts/recover.sh`: nothing lost, nothing twice."""

from __future__ import annotations

import select
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from tests.e2e.harness import (
    POLICY_PACK,
    REPO,
    Project,
    Stack,
    containers_named,
    kill_session,
    networks_named,
)

pytestmark = pytest.mark.e2e

RECOVER = REPO / "scripts" / "recover.sh"
NETWORK = "docker:index/network:Network"
T = TypeVar("T")


def first_network_created(
    events: subprocess.Popen[str], prefix: str, up: subprocess.Popen[bytes], log: Path
) -> str:
    """Wait for Docker's event about the first network named `prefix*`."""
    assert events.stdout is not None
    timeout = 120
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if up.poll() is not None:
            pytest.fail(f"pulumi up ended before any network existed:\n{log.read_text()}")
        ready, _, _ = select.select([events.stdout], [], [], 0.05)
        if ready:
            name = events.stdout.readline().strip()
            if name.startswith(prefix):
                return name
    pytest.fail(f"no {prefix}* network appeared within {timeout}s:\n{log.read_text()}")


def settled(read: Callable[[], T], interval: float = 0.3) -> T:
    """`read()` once two readings in a row agree."""
    previous, current = read(), None
    for _ in range(50):
        time.sleep(interval)
        current = read()
        if current == previous:
            return current
        previous = current
    raise AssertionError(f"still changing: {current}")


def test_an_up_killed_half_way_is_recovered_with_nothing_lost_and_nothing_twice(
    project: Project, kill_stack: Stack, tmp_path: Path
):
    stack = kill_stack
    log = tmp_path / "up.log"
    with subprocess.Popen(
        ["docker", "events", "--filter", "type=network", "--filter", "event=create",
         "--format", "{{.Actor.Attributes.name}}"],
        stdout=subprocess.PIPE, text=True,
    ) as events:  # fmt: skip
        try:
            up = project.popen(
                "up", "--stack", stack.name, "--yes", "--skip-preview",
                "--policy-pack", str(POLICY_PACK), log=log,
            )  # fmt: skip
            first_network_created(events, stack.prefix, up, log)
            killed = kill_session(up.pid)
        finally:
            events.kill()
    assert up.wait() == -9 and len(killed) > 1  # the CLI and the plugins it started
    # The backend is opened as the Makefile opens it: no metadata files to leave half done.
    assert list((project.root / "state").rglob("*.attrs")) == []

    # What the kill left: the lock, and networks Docker made that the state lacks. (A
    # create the provider had sent still completes in the daemon: let those land.)
    created = settled(lambda: networks_named(stack.prefix))
    state = project.export(stack)
    recorded = {r["inputs"]["name"] for r in state.get("resources", []) if r["type"] == NETWORK}
    pending = [op["resource"]["urn"] for op in state.get("pending_operations", [])]
    assert set(created) - recorded, f"the kill came too late to test anything: {created}"
    assert pending, "no pending operations in the checkpoint"
    locked = project.up(stack)
    assert locked.returncode != 0 and "locked" in locked.stdout, locked.stdout

    recovered = project.run(str(RECOVER), stack.name, TMPDIR=str(tmp_path))
    assert recovered.returncode == 0, recovered.stdout

    again = project.up(stack)
    assert again.returncode == 0, again.stdout
    # Every declared network exists once, and those made before the kill were kept.
    networks = networks_named(stack.prefix)
    assert sorted(networks) == stack.networks
    assert all(len(ids) == 1 for ids in networks.values()), networks
    kept = {name: networks[name] for name in created}
    assert kept == created, "networks made before the kill were replaced, not kept"
    assert sorted(containers_named(stack.prefix)) == stack.containers
    # The state lists each resource once, with the ID Docker knows it by.
    state = project.export(stack)
    assert not state.get("pending_operations")
    urns = Counter(r["urn"] for r in state["resources"])
    assert [urn for urn, count in urns.items() if count > 1] == []
    ids = {r["inputs"]["name"]: r["id"] for r in state["resources"] if r["type"] == NETWORK}
    assert ids == {name: found[0] for name, found in networks.items()}
    converged = project.pulumi("preview", "--stack", stack.name, "--expect-no-changes")
    assert converged.returncode == 0, converged.stdout

    destroyed = project.pulumi("destroy", "--stack", stack.name, "--yes", "--skip-preview")
    assert destroyed.returncode == 0, destroyed.stdout
    assert networks_named(stack.prefix) == {} and containers_named(stack.prefix) == {}


def test_recovery_repairs_what_a_kill_leaves_on_a_backend_with_metadata_files(
    project: Project, idle_stack: Stack, tmp_path: Path
):
    # Opened without ?metadata=skip, the file backend writes `<file>.attrs` in place; a
    # kill between its truncate and its write leaves it empty (seen in the test above
    # before the Makefile's URL skipped them), and a write killed before its rename
    # leaves a temp file.
    checkpoints = project.root / "state" / ".pulumi" / "stacks" / "netkit"
    (checkpoints / f"{idle_stack.name}.json.attrs").write_text("")
    (checkpoints / f"{idle_stack.name}.json.18ec7a1b7bf31424.tmp").write_text("{")
    other = checkpoints / "someone-else.json.18ec7a1b7bf31425.tmp"
    other.write_text("{")
    broken = project.pulumi("stack", "export", "--stack", idle_stack.name)
    assert broken.returncode != 0 and "failed to load checkpoint: EOF" in broken.stdout

    recovered = project.run(str(RECOVER), idle_stack.name, TMPDIR=str(tmp_path))

    assert recovered.returncode == 0, recovered.stdout
    assert (
        f"recover: removed .pulumi/stacks/netkit/{idle_stack.name}.json.attrs: metadata the "
        "killed update left half-written" in recovered.stdout
    )
    assert not (checkpoints / f"{idle_stack.name}.json.attrs").exists()
    assert not (checkpoints / f"{idle_stack.name}.json.18ec7a1b7bf31424.tmp").exists()
    assert other.exists(), "another stack's update may be writing its own right now"
    project.export(idle_stack)  # reads again
