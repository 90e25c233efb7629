"""A team's set-up on the real engines: every stack's state in one PostgreSQL database.

The session starts a PostgreSQL server of its own (`scripts/postgres.sh`: Debian's
`postgresql`, installed when missing, data in a temp folder, loopback and a Unix socket
only) and stops it at the end. Its stacks are `pg` (Docker names `netkit-pg-*`, bridges in
10.241.0.0/16, the overlay in 10.242.0.0/16) and `pgkill` (`netkit-pgkill-*`, 10.243 and
10.245), so they never touch a user's `make up` nor the file-backend e2e stacks.

The `pg` tests run in file order on one deployment; the last destroys it. A second
checkout (another project folder with the same stack file, as CI has) shares the stack
through the database.
"""

from __future__ import annotations

import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.harness import (
    POLICY_PACK,
    REPO,
    PostgresServer,
    Project,
    Stack,
    containers_named,
    force_clean,
    kill_session,
    missing_prerequisites,
    networks_named,
    planned_ranges_taken,
)
from tests.e2e.test_recovery import settled

pytestmark = pytest.mark.e2e

PREFIX = "netkit-pg"
"""Every Docker name of this module's stacks starts with it."""
ADDRESS_PLAN = {"pg": (241, 242), "pgkill": (243, 245)}
RECOVER = REPO / "scripts" / "recover.sh"
SUMMARY = REPO / "scripts" / "preview-summary.py"
NETWORK = "docker:index/network:Network"
LOCKS = ".pulumi/locks/"
LOCKED = "the stack is currently locked by 1 lock(s)"
OUTAGE = 40
"""Seconds the database is down in the outage test: longer than the CLI's write retries."""
WEB, DATA = "pg-shop-web", "pg-shop-data"
"""The pg stack's namespaces: the harness moves dev's `shop-*` to `<stack>-shop-*`, so
stacks applied to one cluster never share a namespace."""
OPENS_WEB_TO_DATA = f"- **opens** `{WEB}/web[Deployment]` → `{DATA}/db[Deployment]` on TCP 5432"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    # Not pytest's temp folder: that one is private to root, and the server runs as the
    # `postgres` user when the tests run as root.
    folder = Path(tempfile.mkdtemp(prefix="nkpg.", dir="/tmp"))
    server = PostgresServer(folder)
    try:
        server.start()
        yield server
    finally:
        if server.running():
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_project(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Project]:
    problems = missing_prerequisites()
    if problems:
        pytest.fail(
            "the end-to-end tests need the Pulumi toolchain and a Docker engine "
            "(`make e2e` provides both):\n  " + "\n  ".join(problems),
            pytrace=False,
        )
    force_clean(PREFIX)
    taken = planned_ranges_taken(octet for pair in ADDRESS_PLAN.values() for octet in pair)
    if taken:
        pytest.fail(f"these overlap the PostgreSQL e2e stacks: {', '.join(taken)}", pytrace=False)
    made = Project.create(tmp_path_factory.mktemp("pg-project"), postgres.url)
    try:
        yield made
    finally:
        force_clean(PREFIX)


@pytest.fixture(scope="session")
def pg_stack(pg_project: Project) -> Stack:
    return pg_project.new_stack("pg", *ADDRESS_PLAN["pg"])


@pytest.fixture(scope="session")
def pg_deployed(pg_project: Project, pg_stack: Stack) -> subprocess.CompletedProcess[str]:
    result = pg_project.up(pg_stack)
    if result.returncode != 0:
        pytest.fail(f"pulumi up --stack pg failed:\n{result.stdout}", pytrace=False)
    return result


@pytest.fixture(scope="session")
def second_checkout(
    postgres: PostgresServer, pg_stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> Project:
    """Another folder with the project and the same stack file (with its salt), as a
    teammate's clone or a CI job has it, on the same database."""
    checkout = Project.create(tmp_path_factory.mktemp("second-checkout"), postgres.url)
    shutil.copy(pg_stack.path, checkout.root / pg_stack.path.name)
    return checkout


def whole(project: Project, stack: Stack) -> dict[str, Any]:
    """The stack's state, asserted whole: no pending operation, each URN once, each
    network's ID the one Docker knows it by, and a preview that changes nothing."""
    state = project.export(stack)
    assert not state.get("pending_operations"), state["pending_operations"]
    urns = Counter(r["urn"] for r in state["resources"])
    assert [urn for urn, count in urns.items() if count > 1] == []
    networks = networks_named(stack.prefix)
    assert sorted(networks) == stack.networks
    assert all(len(ids) == 1 for ids in networks.values()), networks
    ids = {r["inputs"]["name"]: r["id"] for r in state["resources"] if r["type"] == NETWORK}
    assert ids == {name: found[0] for name, found in networks.items()}
    assert sorted(containers_named(stack.prefix)) == stack.containers
    converged = project.pulumi("preview", "--stack", stack.name, "--expect-no-changes")
    assert converged.returncode == 0, converged.stdout
    return state


def open_web_to_data(stack_file: Path) -> None:
    """The pull request: the pg stack's web may reach its db on 5432."""
    document = yaml.safe_load(stack_file.read_text(encoding="utf-8"))
    document["config"]["netkit:kubernetes"]["connections"].append(
        {"from": f"{WEB}/web", "to": f"{DATA}/db", "ports": ["5432/TCP"]}
    )
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


# --------------------------------------------------------------------------- up


def test_up_keeps_the_state_in_the_database_and_nothing_in_the_project(
    pg_deployed, postgres: PostgresServer, pg_project: Project, pg_stack: Stack
):
    stored = postgres.blobs(".pulumi/stacks/netkit/")
    checkpoint = json.loads(stored[".pulumi/stacks/netkit/pg.json"])
    resources = checkpoint["checkpoint"]["latest"]["resources"]
    assert {r["urn"] for r in resources} == {
        r["urn"] for r in pg_project.export(pg_stack)["resources"]
    }
    assert sorted(networks_named(pg_stack.prefix)) == pg_stack.networks
    assert not (pg_project.root / "state").exists() and not (pg_project.root / ".pulumi").exists()
    assert postgres.blobs(LOCKS) == {}  # the update released its lock
    whole(pg_project, pg_stack)


def test_a_refresh_changes_nothing(pg_deployed, pg_project: Project, pg_stack: Stack):
    refresh = pg_project.pulumi(
        "refresh", "--stack", pg_stack.name, "--yes", "--skip-preview", "--expect-no-changes",
        *(f"--target={r['urn']}" for r in pg_project.export(pg_stack)["resources"]
          if r["type"].startswith("docker:index/")),
    )  # fmt: skip
    assert refresh.returncode == 0, refresh.stdout


# --------------------------------------------------------------------------- a second checkout


def test_a_second_checkout_previews_the_deployed_stack_with_no_changes(
    pg_deployed, second_checkout: Project, pg_stack: Stack
):
    preview = second_checkout.pulumi(
        "preview", "--stack", pg_stack.name, "--expect-no-changes",
        "--policy-pack", str(POLICY_PACK),
    )  # fmt: skip
    assert preview.returncode == 0, preview.stdout


def test_a_second_checkout_previews_exactly_the_change_to_its_stack_file(
    pg_deployed, second_checkout: Project, pg_stack: Stack, tmp_path: Path
):
    stack_file = second_checkout.root / pg_stack.path.name
    original = stack_file.read_text(encoding="utf-8")
    open_web_to_data(stack_file)
    try:
        preview = second_checkout.pulumi(
            "preview", "--stack", pg_stack.name, "--json", "--show-sames"
        )
        assert preview.returncode == 0, preview.stdout
    finally:
        stack_file.write_text(original, encoding="utf-8")
    document = json.loads(preview.stdout)

    # Exactly the connection: its component and the policy on each side, and the stack's
    # declared intent (carried on the NetworkStack), nothing else.
    changed = {
        (step["op"], step["urn"].rsplit("::", 1)[-1]): step
        for step in document["steps"]
        if step["op"] != "same"
    }
    connection = f"{WEB}-web-to-{DATA}-db"
    assert sorted(changed) == [
        ("create", connection),
        ("create", f"{connection}-egress"),
        ("create", f"{connection}-ingress"),
        ("update", f"netkit-{pg_stack.name}"),
    ]
    update = changed[("update", f"netkit-{pg_stack.name}")]
    before, after = update["oldState"]["inputs"], update["newState"]["inputs"]
    assert {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)} == {
        "intent"
    }
    egress = changed[("create", f"{connection}-egress")]["newState"]["inputs"]
    assert egress["metadata"]["namespace"] == WEB
    assert egress["spec"]["egress"][0]["ports"] == [{"port": 5432, "protocol": "TCP"}]

    # What CI writes to the job summary from the same two documents.
    (tmp_path / "preview.json").write_text(preview.stdout)
    exported = second_checkout.pulumi("stack", "export", "--stack", pg_stack.name)
    (tmp_path / "deployed.json").write_text(exported.stdout)
    summary = second_checkout.run(
        str(REPO / ".venv" / "bin" / "python"), str(SUMMARY), "--stack", pg_stack.name,
        "--before", str(tmp_path / "deployed.json"), "--after", str(tmp_path / "preview.json"),
        "--preview", str(tmp_path / "preview.json"),
    )  # fmt: skip
    assert summary.returncode == 0, summary.stdout
    assert OPENS_WEB_TO_DATA in summary.stdout.splitlines()
    assert "From the deployed stack to this pull request's preview." in summary.stdout
    assert "### Resources: 3 to create, 1 to update, " in summary.stdout
    # The same pair through `netkit diff`, which reads both documents as paths.
    diffed = second_checkout.run(
        str(REPO / ".venv" / "bin" / "netkit"), "diff", "--format", "md",
        str(tmp_path / "deployed.json"), str(tmp_path / "preview.json"),
    )  # fmt: skip
    assert diffed.returncode == 1, diffed.stdout
    assert diffed.stdout.splitlines()[2:] == [
        f"| added | {WEB}/web[Deployment] | {DATA}/db[Deployment] | No Connections | TCP 5432 |  |"
    ]


def test_a_read_only_role_previews_and_exports_but_cannot_update(
    pg_deployed,
    postgres: PostgresServer,
    pg_stack: Stack,
    tmp_path_factory: pytest.TempPathFactory,
):
    # What CI gets: a checkout on a role with SELECT on the backend's table only.
    ci = Project.create(tmp_path_factory.mktemp("ci-checkout"), postgres.reader_url())
    shutil.copy(pg_stack.path, ci.root / pg_stack.path.name)

    preview = ci.pulumi(
        "preview", "--stack", pg_stack.name, "--expect-no-changes", "--json", "--show-sames",
        "--policy-pack", str(POLICY_PACK),
    )  # fmt: skip
    exported = ci.pulumi("stack", "export", "--stack", pg_stack.name)
    up = ci.up(pg_stack)

    assert preview.returncode == 0, preview.stdout
    steps = json.loads(preview.stdout)["steps"]
    assert steps and {step["op"] for step in steps} == {"same"}
    assert exported.returncode == 0, exported.stdout
    assert up.returncode != 0
    assert "permission denied for table pulumi_state" in up.stdout, up.stdout


# --------------------------------------------------------------------------- the lock


def test_while_an_up_runs_another_is_refused_naming_the_holder_and_a_preview_is_not(
    pg_deployed,
    postgres: PostgresServer,
    pg_project: Project,
    second_checkout: Project,
    pg_stack: Stack,
    tmp_path: Path,
):
    log = tmp_path / "first.log"
    first = pg_project.popen(
        "up", "--stack", pg_stack.name, "--yes", "--skip-preview",
        "--policy-pack", str(POLICY_PACK), log=log,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not postgres.blobs(LOCKS):
            assert first.poll() is None, f"the first up ended before it locked:\n{log.read_text()}"
            assert time.monotonic() < deadline, "no lock within 60 s"
            time.sleep(0.05)
        (lock,) = postgres.blobs(LOCKS).values()
        holder = json.loads(lock)

        # Held still (SIGSTOP) while it holds the lock, however fast it would be: a
        # teammate's up meanwhile, and a CI preview (which takes no lock).
        os.kill(first.pid, signal.SIGSTOP)
        try:
            with ThreadPoolExecutor(2) as pool:
                second_up = pool.submit(second_checkout.up, pg_stack)
                preview = pool.submit(second_checkout.pulumi, "preview", "--stack", pg_stack.name)
                refused, previewed = second_up.result(), preview.result()
        finally:
            os.kill(first.pid, signal.SIGCONT)
    finally:
        assert first.wait(timeout=300) == 0, log.read_text()

    assert refused.returncode != 0
    assert LOCKED in refused.stdout, refused.stdout
    assert f"(pid {holder['pid']})" in refused.stdout, refused.stdout
    assert previewed.returncode == 0, previewed.stdout
    assert holder["pid"] == first.pid
    assert postgres.blobs(LOCKS) == {}
    whole(pg_project, pg_stack)


def test_two_ups_started_together_never_both_proceed(
    pg_deployed,
    postgres: PostgresServer,
    pg_project: Project,
    second_checkout: Project,
    pg_stack: Stack,
    tmp_path: Path,
):
    # The backend writes its lock, then looks for others: two that write at the same
    # moment may both see the other and both stop, but never both go on.
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    ups = [
        checkout.popen(*up_args(pg_stack), log=log)
        for checkout, log in zip((pg_project, second_checkout), logs, strict=True)
    ]
    statuses = [up.wait(timeout=300) for up in ups]
    print(f"two ups started together ended with {statuses}")
    outputs = [log.read_text() for log in logs]

    assert statuses.count(0) <= 1, outputs
    for status, output in zip(statuses, outputs, strict=True):
        assert status == 0 or LOCKED in output, output
    assert postgres.blobs(LOCKS) == {}
    whole(pg_project, pg_stack)


# --------------------------------------------------------------------------- secrets


def test_a_secret_config_value_is_stored_encrypted(
    pg_deployed, postgres: PostgresServer, pg_project: Project, pg_stack: Stack
):
    plaintext = f"netkit-secret-{secrets.token_hex(8)}"
    visible = f"netkit-visible-{secrets.token_hex(8)}"
    for args in (("--secret", "shop:apiToken", plaintext), ("shop:owner", visible)):
        done = pg_project.pulumi("config", "set", "--stack", pg_stack.name, *args)
        assert done.returncode == 0, done.stdout
    ciphertext = yaml.safe_load(pg_stack.path.read_text())["config"]["shop:apiToken"]["secure"]
    up = pg_project.up(pg_stack)
    assert up.returncode == 0, up.stdout

    dump = postgres.dump()
    stored = b"\n".join(postgres.blobs().values()).decode()
    # The backend stores each file base64-encoded: look in the dump and in the files.
    assert plaintext not in dump and plaintext not in stored
    # The update's record holds the stack's config: the plain value as is, the secret as
    # its ciphertext (so the search above looked where the value would be).
    assert visible in stored and ciphertext in stored


# --------------------------------------------------------------------------- destroy


def test_destroy_leaves_no_network_no_container_and_an_empty_state(
    pg_deployed, postgres: PostgresServer, pg_project: Project, pg_stack: Stack
):
    destroyed = pg_project.pulumi("destroy", "--stack", pg_stack.name, "--yes", "--skip-preview")
    assert destroyed.returncode == 0, destroyed.stdout
    assert networks_named(pg_stack.prefix) == {} and containers_named(pg_stack.prefix) == {}
    assert pg_project.export(pg_stack).get("resources", []) == []
    assert postgres.blobs(LOCKS) == {}


# --------------------------------------------------------------------------- recovery


def test_a_killed_up_and_a_database_outage_during_an_up_are_recovered(
    postgres: PostgresServer, pg_project: Project, tmp_path: Path
):
    """SIGKILL the first `up` as its first network appears; stop PostgreSQL (as a crash)
    while the next creates another, for longer than the CLI retries a write, then a crash
    and restart during a third: `scripts/recover.sh` after each failure, nothing lost or
    twice."""
    stack = pg_project.new_stack("pgkill", *ADDRESS_PLAN["pgkill"])

    def recover() -> subprocess.CompletedProcess[str]:
        return pg_project.run(str(RECOVER), stack.name, TMPDIR=str(tmp_path))

    # 1. SIGKILL: the lock row and pending creates stay behind.
    log = tmp_path / "killed.log"
    with create_events() as events:
        up = pg_project.popen(*up_args(stack), log=log)
        created(events, stack.prefix, up, log)  # the first network
        killed = kill_session(up.pid)
    assert up.wait() == -9 and len(killed) > 1
    made = settled(lambda: networks_named(stack.prefix))
    state = pg_project.export(stack)
    recorded = {r["inputs"]["name"] for r in state.get("resources", []) if r["type"] == NETWORK}
    assert set(made) - recorded, f"the kill came too late to test anything: {made}"
    assert state.get("pending_operations"), "no pending operations in the checkpoint"
    assert len(postgres.blobs(LOCKS)) == 1  # the killed update's lock stays
    locked = pg_project.up(stack)
    assert locked.returncode != 0 and LOCKED in locked.stdout, locked.stdout
    recovered = recover()
    assert recovered.returncode == 0, recovered.stdout
    assert "stale lock of pid" in recovered.stdout
    assert postgres.blobs(LOCKS) == {}

    # 2. The database gone for longer than the CLI retries a checkpoint write (ten
    #    tries, 1 s apart and growing by 1.2: about 32 s): the up fails on it.
    log = tmp_path / "outage.log"
    # (The daemon may have finished every network the killed up asked for: then the
    # first container is the sign that this up is creating.)
    existing = set(made) | set(containers_named(stack.prefix))
    with create_events() as events:
        up = pg_project.popen(*up_args(stack), log=log)
        created(events, stack.prefix, up, log, skip=existing)
        postgres.stop("immediate")
        time.sleep(OUTAGE)
        postgres.start()
    assert up.wait(timeout=300) != 0
    assert "failed to save snapshot" in log.read_text(), log.read_text()
    recovered = recover()
    assert recovered.returncode == 0, recovered.stdout

    # 3. A crash and restart while an up runs: the CLI retries, and the up goes on.
    log = tmp_path / "restart.log"
    up = pg_project.popen(*up_args(stack), log=log)
    deadline = time.monotonic() + 60
    while not postgres.blobs(LOCKS):
        assert up.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    postgres.restart("immediate")
    assert up.wait(timeout=300) == 0, log.read_text()

    networks = networks_named(stack.prefix)
    kept = {name: networks[name] for name in made}
    assert kept == made, "networks made before the kill were replaced, not kept"
    whole(pg_project, stack)
    destroyed = pg_project.pulumi("destroy", "--stack", stack.name, "--yes", "--skip-preview")
    assert destroyed.returncode == 0, destroyed.stdout
    assert networks_named(stack.prefix) == {} and containers_named(stack.prefix) == {}


def up_args(stack: Stack) -> list[str]:
    return [
        "up",
        "--stack",
        stack.name,
        "--yes",
        "--skip-preview",
        "--policy-pack",
        str(POLICY_PACK),
    ]


@contextmanager
def create_events() -> Iterator[subprocess.Popen[str]]:
    """Docker's events for networks and containers being created (their names), from now
    on. An `up` creates the networks first, then the containers."""
    with subprocess.Popen(
        ["docker", "events", "--filter", "type=network", "--filter", "type=container",
         "--filter", "event=create", "--format", "{{.Actor.Attributes.name}}"],
        stdout=subprocess.PIPE, text=True,
    ) as events:  # fmt: skip
        try:
            yield events
        finally:
            events.kill()


def created(
    events: subprocess.Popen[str],
    prefix: str,
    up: subprocess.Popen[bytes],
    log: Path,
    skip: set[str] | None = None,
) -> str:
    """Wait for Docker's event about a network or container named `prefix*` (and not in
    `skip`)."""
    assert events.stdout is not None
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if up.poll() is not None:
            pytest.fail(f"pulumi up ended before it created anything:\n{log.read_text()}")
        ready, _, _ = select.select([events.stdout], [], [], 0.05)
        if ready:
            name = events.stdout.readline().strip()
            if name.startswith(prefix) and name not in (skip or set()):
                return name
    pytest.fail(f"nothing new named {prefix}* within 180 s:\n{log.read_text()}")
