"""The project's Pulumi program on a stack of its own: a temp project, a temp backend.

Used by the end-to-end tests (`tests/e2e/`) and by `benchmarks/bench_preview.py`. A stack
made here is `Pulumi.dev.yaml` with every Docker name and subnet moved (`derive_stack`),
so it never collides with a user's `make up`; `pulumi` runs with exactly the environment
the Makefile gives it (`make_env`), pointed at the temp backend.
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from netkit.spec import DEFAULT_IMAGE, StackSpec, parse_stack_config, read_stack_file

REPO = Path(__file__).resolve().parents[2]
POLICY_PACK = REPO / "policies"
DEV_STACK_FILE = REPO / "Pulumi.dev.yaml"
DEV_PREFIX = "netkit-dev-"
STATE_OPTIONS = "?metadata=skip"
"""The Makefile's file-backend options (no metadata files: see the Makefile)."""
# Pulumi.dev.yaml's address plan: bridges in 10.210.0.0/16, overlays in 10.211.0.0/16.
DEV_BRIDGE_NET, DEV_OVERLAY_NET = "10.210.", "10.211."
DEV_NAMESPACE_PREFIX = "shop-"
"""Every Kubernetes namespace of Pulumi.dev.yaml starts with it."""
DEV_HOST_SUFFIX = ".dev.example.com"
"""Every Ingress host of Pulumi.dev.yaml ends with it."""


PRINT_ENV = ("--eval", "_netkit-env: ; @env -0", "_netkit-env")
"""make arguments: a rule that prints the environment make gives its recipes."""


def make_env(backend_url: str) -> dict[str, str]:
    """The environment the Makefile runs `pulumi` with, on the given state backend.

    The Makefile exports the backend, the passphrase, the update-check and plugin
    switches and the toolchain's PATH; asking make for them keeps one source of truth.
    `PULUMI_BACKEND_URL` is set before make runs, and the Makefile keeps it (`?=`).
    """
    env = {**os.environ, "PULUMI_BACKEND_URL": backend_url}
    for key in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(key, None)
    out = subprocess.run(
        ["make", "-s", "--no-print-directory", "-C", str(REPO), *PRINT_ENV],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    exported = dict(item.split("=", 1) for item in out.split("\0") if "=" in item)
    for key in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        exported.pop(key, None)
    return exported


def missing_prerequisites() -> list[str]:
    """What `make e2e` would have provided and is not there, each with its fix."""
    problems = []
    if not (REPO / ".venv" / "bin" / "netkit").exists():
        problems.append("the virtualenv is missing: run `make install`")
    checked = subprocess.run(
        [str(REPO / "scripts" / "toolchain.sh"), "--check"], capture_output=True, text=True
    )
    if checked.returncode != 0:
        problems.append("the Pulumi toolchain is not built: run `make toolchain`")
    if (
        shutil.which("docker") is None
        or subprocess.run(["docker", "info"], capture_output=True).returncode
    ):
        problems.append("no Docker engine answers: run `make docker` (as root)")
        return problems
    swarm = docker("info", "--format", "{{.Swarm.LocalNodeState}}").strip()
    if swarm != "active":
        problems.append(f"swarm mode is {swarm!r}, overlays need 'active': run `make docker`")
    if subprocess.run(
        ["docker", "image", "inspect", DEFAULT_IMAGE], capture_output=True
    ).returncode:
        problems.append(f"the image {DEFAULT_IMAGE} is missing: run `make docker`")
    return problems


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def derive_stack(
    name: str, bridge_octet: int, overlay_octet: int, host_port: int, *, cluster: bool = False
) -> str:
    """`Pulumi.dev.yaml` moved out of dev's way, as the text of `Pulumi.<name>.yaml`.

    Docker names `netkit-dev-*` become `netkit-<name>-*`, bridges move from 10.210.x to
    10.<bridge_octet>.x and overlays from 10.211.x to 10.<overlay_octet>.x, published host
    ports move to `host_port`, Kubernetes namespaces `shop-*` become `<name>-shop-*`, Ingress
    hosts `*.dev.example.com` become `*.<name>.example.com`, and the encryption salt is dropped (`pulumi stack init` writes the new stack's own).
    Unless `cluster`, the Kubernetes half is rendered to files instead of applied to the
    local cluster, so a test of the Docker half needs no cluster.
    """
    document = yaml.safe_load(DEV_STACK_FILE.read_text(encoding="utf-8"))
    document.pop("encryptionsalt", None)
    if not cluster:
        document["config"]["netkit:kubernetes"]["mode"] = "render"

    def move(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: host_port if key == "hostPort" else move(item) for key, item in value.items()
            }
        if isinstance(value, list):
            return [move(item) for item in value]
        if isinstance(value, str):
            return (
                value.replace(DEV_PREFIX, f"netkit-{name}-")
                .replace(DEV_BRIDGE_NET, f"10.{bridge_octet}.")
                .replace(DEV_OVERLAY_NET, f"10.{overlay_octet}.")
                .replace(DEV_NAMESPACE_PREFIX, f"{name}-{DEV_NAMESPACE_PREFIX}")
                .replace(DEV_HOST_SUFFIX, f".{name}.example.com")
            )
        return value

    document["config"] = move(document["config"])
    text = yaml.safe_dump(document, sort_keys=False)
    for dev_value in (
        DEV_PREFIX,
        DEV_BRIDGE_NET,
        DEV_OVERLAY_NET,
        DEV_HOST_SUFFIX,
        "encryptionsalt",
    ):
        assert dev_value not in text, f"{dev_value!r} is still in the derived stack {name}"
    return text


@dataclass
class Stack:
    name: str
    path: Path
    prefix: str
    """Docker names of this stack start with it (`netkit-<name>-`)."""

    @property
    def spec(self) -> StackSpec:
        return parse_stack_config(read_stack_file(self.path), self.path.name)

    @property
    def networks(self) -> list[str]:
        docker_spec = self.spec.docker
        return sorted(
            [b.name for b in docker_spec.bridges] + [o.name for o in docker_spec.overlays]
        )

    @property
    def containers(self) -> list[str]:
        return sorted(c.name for c in self.spec.docker.containers)


@dataclass
class Project:
    """A copy of the project's Pulumi program in `root`, with its state in `root/state`."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, root: Path, backend_url: str | None = None) -> Project:
        """The project in `root`, on `backend_url` (default: a file backend in root/state)."""
        settings = yaml.safe_load((REPO / "Pulumi.yaml").read_text(encoding="utf-8"))
        # The language host resolves `virtualenv` against the project folder.
        settings["runtime"]["options"]["virtualenv"] = str(REPO / ".venv")
        (root / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
        shutil.copy(REPO / "__main__.py", root / "__main__.py")
        if backend_url is None:
            (root / "state").mkdir()
            backend_url = (root / "state").as_uri() + STATE_OPTIONS
        return cls(root, make_env(backend_url))

    def pulumi(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run `pulumi ARGS` in the project; the output is stdout and stderr together."""
        return subprocess.run(
            ["pulumi", *args, "--non-interactive", "--color=never"],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )

    def popen(self, *args: str, log: Path) -> subprocess.Popen[bytes]:
        """Start `pulumi ARGS` in a session of its own, so that all of it can be killed."""
        with log.open("wb") as out:
            return subprocess.Popen(
                ["pulumi", *args, "--non-interactive", "--color=never"],
                cwd=self.root,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def run(self, *command: str, **env: str) -> subprocess.CompletedProcess[str]:
        """Run any command in the project with the pulumi environment (plus `env`)."""
        return subprocess.run(
            command,
            cwd=self.root,
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
        )

    def new_stack(
        self, name: str, bridge_octet: int, overlay_octet: int, *, cluster: bool = False
    ) -> Stack:
        path = self.root / f"Pulumi.{name}.yaml"
        path.write_text(
            derive_stack(name, bridge_octet, overlay_octet, free_port(), cluster=cluster)
        )
        init = self.pulumi("stack", "init", name)
        assert init.returncode == 0, init.stdout
        return Stack(name, path, f"netkit-{name}-")

    def up(self, stack: Stack, *extra: str) -> subprocess.CompletedProcess[str]:
        """What `make up` runs."""
        return self.pulumi(
            "up", "--stack", stack.name, "--yes", "--skip-preview",
            "--policy-pack", str(POLICY_PACK), *extra,
        )  # fmt: skip

    def export(self, stack: Stack) -> dict[str, Any]:
        exported = self.pulumi("stack", "export", "--stack", stack.name)
        assert exported.returncode == 0, exported.stdout
        deployment: dict[str, Any] = json.loads(exported.stdout)["deployment"]
        return deployment


# --------------------------------------------------------------------------- postgres


@dataclass
class PostgresServer:
    """A PostgreSQL server of its own in `folder` (`scripts/postgres.sh`), as a state backend.

    `folder` must be reachable by the `postgres` user when run as root (PostgreSQL refuses
    to run as root): a folder under /tmp, not pytest's private temp folder.
    """

    folder: Path
    url: str = ""

    SCRIPT = REPO / "scripts" / "postgres.sh"

    def _script(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run(
            [str(self.SCRIPT), args[0], str(self.folder), *args[1:]],
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        assert result.returncode == 0, f"postgres.sh {args[0]}: {result.stderr}"
        return result.stdout.strip()

    def start(self) -> str:
        """Start it (installing and initialising it if needed); the backend URL."""
        self.url = self._script("start")
        return self.url

    def reader_url(self) -> str:
        """The URL of a role that may only read the backend's table (what CI needs)."""
        return self._script("url", "--reader")

    def stop(self, mode: str = "fast") -> None:
        """Stop it: `fast` (clients are disconnected) or `immediate` (as a crash)."""
        self._script("stop", mode)

    def restart(self, mode: str = "fast") -> None:
        self._script("restart", mode)

    def running(self) -> bool:
        status = [str(self.SCRIPT), "status", str(self.folder)]
        return subprocess.run(status, capture_output=True).returncode == 0

    def psql(self, sql: str, **variables: str) -> str:
        """`sql` run by `psql` as the backend's role: rows unaligned, columns tab-separated.
        `variables` are psql's (`:'name'` in `sql` quotes one as a literal)."""
        result = subprocess.run(
            ["psql", self.url, "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
             *(f"--set={name}={value}" for name, value in variables.items())],
            input=sql, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, f"psql {sql!r}: {result.stderr}"
        return result.stdout

    def blobs(self, prefix: str = "") -> dict[str, bytes]:
        """The backend's files whose path starts with `prefix` (e.g. `.pulumi/locks/`):
        path -> content. The backend keeps each file as a row of its table, keyed by the
        URL's path (the database) and the file's path, the content base64 in JSON."""
        root = urlsplit(self.url).path.strip("/") + "/"
        rows = self.psql(
            "SELECT key, data->>'data' FROM pulumi_state "
            "WHERE starts_with(key, :'prefix') ORDER BY key;",
            prefix=root + prefix,
        )
        found = {}
        for line in rows.splitlines():
            if line:
                key, data = line.split("\t", 1)
                found[key[len(root) :]] = base64.b64decode(data)
        return found

    def dump(self) -> str:
        """`pg_dump` of the whole database, as text."""
        result = subprocess.run(
            ["pg_dump", "--no-owner", self.url], capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, f"pg_dump: {result.stderr}"
        return result.stdout


# --------------------------------------------------------------------------- docker


def docker(*args: str, check: bool = True, timeout: float = 60) -> str:
    result = subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=False, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def docker_exec(
    container: str, *command: str, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "exec", container, *command],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )


def inspect(kind: str, name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = json.loads(docker(kind, "inspect", name))
    assert len(found) == 1, f"{len(found)} Docker {kind}s answer to {name!r}"
    return found[0]


def networks_named(prefix: str) -> dict[str, list[str]]:
    """Docker network name -> the IDs of the networks with that name (more than one: a
    duplicate), for every network whose name starts with `prefix`."""
    found: dict[str, list[str]] = {}
    for line in docker("network", "ls", "--no-trunc", "--format", "{{.ID}} {{.Name}}").split("\n"):
        if line:
            network_id, name = line.split(" ", 1)
            if name.startswith(prefix):
                found.setdefault(name, []).append(network_id)
    return found


def containers_named(prefix: str) -> dict[str, str]:
    found = {}
    for line in docker("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}").split("\n"):
        if line:
            container_id, name = line.split(" ", 1)
            if name.startswith(prefix):
                found[name] = container_id
    return found


def force_clean(prefix: str) -> list[str]:
    """Remove every container and network whose name starts with `prefix`; what was removed."""
    assert prefix.startswith("netkit-") and not prefix.startswith(DEV_PREFIX)
    removed = []
    for name, container_id in containers_named(prefix).items():
        docker("rm", "-f", container_id, check=False)
        removed.append(name)
    for name, ids in networks_named(prefix).items():
        for network_id in ids:
            docker("network", "rm", network_id, check=False)
        removed.append(name)
    return removed


def planned_ranges_taken(octets: Iterable[int]) -> list[str]:
    """Docker networks (as `subnet (Docker network NAME)`) inside any 10.<octet>.0.0/16."""
    planned = [ipaddress.ip_network(f"10.{octet}.0.0/16") for octet in octets]
    return [
        f"{subnet} (Docker network {name})"
        for subnet, name in subnets_in_use().items()
        if any(subnet.overlaps(p) for p in planned)
    ]


def subnets_in_use() -> dict[ipaddress.IPv4Network | ipaddress.IPv6Network, str]:
    """Every subnet of every Docker network on the engine, with the network's name."""
    ids = docker("network", "ls", "-q").split()
    used = {}
    for network in json.loads(docker("network", "inspect", *ids)):
        for config in (network.get("IPAM") or {}).get("Config") or []:
            if config.get("Subnet"):
                used[ipaddress.ip_network(config["Subnet"])] = network["Name"]
    return used


# --------------------------------------------------------------------------- processes


def _processes() -> dict[int, tuple[int, int]]:
    """Live (not zombie) processes: pid -> (parent pid, session id), from /proc."""
    table: dict[int, tuple[int, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses.
        state, ppid, _pgrp, session = stat[stat.rindex(")") + 2 :].split()[:4]
        if state != "Z":
            table[int(entry.name)] = (int(ppid), int(session))
    return table


def _session_members(sid: int) -> list[int]:
    """Processes of session `sid` and every descendant of its leader.

    Plugins run in process groups of their own and may start sessions of their own too,
    but their parent is still the engine when the kill comes.
    """
    table = _processes()
    members = {pid for pid, (_ppid, session) in table.items() if session == sid}
    members.add(sid)
    grew = True
    while grew:
        children = {pid for pid, (ppid, _s) in table.items() if ppid in members} - members
        members |= children
        grew = bool(children)
    return sorted(pid for pid in members if pid in table)


def kill_session(sid: int) -> list[int]:
    """SIGKILL every process of session `sid` (a `Project.popen` and all it started: the
    plugins run in process groups of their own, but stay in the session)."""
    killed: list[int] = []
    for _ in range(100):
        members = _session_members(sid)
        if not members:
            return killed
        for pid in members:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        time.sleep(0.02)
    raise AssertionError(f"session {sid} still has processes: {_session_members(sid)}")
