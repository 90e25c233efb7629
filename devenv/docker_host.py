"""One Docker host of `scripts/docker-hosts.sh`: its plan (names, addresses, files), its
network namespace on the LAN, and its engine.

Layout (state folder: `netkit.docker_hosts.state_dir()`, i.e. `$NETKIT_DOCKER_HOSTS_STATE`,
else `${XDG_STATE_HOME:-~/.local/state}/netkit/docker-hosts`):

    netns netkit-lan      a bridge `lan`, no address, no route anywhere
    netns netkit-hostK    eth0 = 10.199.0.K/24 (veth to the bridge), no default route:
                          nothing leaves the machine, swarm and container traffic stays
                          between addresses in namespaces made here
    engine hostK          <state>/hostK.sock, data root <state>/hostK/data, exec root
                          <state>/hostK/exec, pid file <state>/hostK/dockerd.pid, log
                          <state>/hostK/dockerd.log, cgroup parent /netkit-hostK

The stack file names these engines `netkit-hosts://hostK` (netkit resolves the URL to the
socket above), and `docker -H unix://<state>/hostK.sock` talks to one by hand.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from devenv import netns
from devenv.docker_engine import ensure_drop_rule
from devenv.errors import EnvError
from devenv.log import Log
from devenv.paths import REPO
from devenv.process import Supervised, pid_alive, spawn_detached
from devenv.run import run
from netkit.docker_hosts import NAMESPACE_PREFIX, engine_problem

LAN_NS = NAMESPACE_PREFIX + "lan"
LAN_BRIDGE = "lan"
LAN_PREFIX = "10.199.0"

START_SECONDS = 90.0
"""Seconds a new engine gets to answer on its socket. A worker's engine listens only after
its swarm agent tried the manager for 20 s; with the manager stalled, on a loaded machine,
measured over 30 s."""

SETTLE_SECONDS = 60.0
"""An engine still shutting down (30 s or more on a loaded machine), or stalled, gets this
long to go or answer."""

PROBE_SECONDS = 2.0
"""How long one look at a starting engine waits for its answer."""

MANAGER_HEAD_START = 10.0
"""Seconds the workers' engines wait for the manager's to answer before they start anyway.
A worker whose network agent starts a few milliseconds before the manager's fails to join
the swarm's gossip, and tries again only a minute later (measured: 61 s); a stalled manager
must not hold the workers back for longer than this."""
"""How long one look at a starting engine waits for its answer."""

STOP_GRACE = 60.0
"""dockerd gives each container 10 s (busybox httpd as PID 1 ignores SIGTERM) and forces
its own shutdown after 30 s or so on a loaded machine; SIGKILL after this long."""


@dataclass(frozen=True)
class Host:
    """Host number `number` (1-20) of the hosts whose state is under `state`."""

    number: int
    state: Path

    @property
    def name(self) -> str:
        return f"host{self.number}"

    @property
    def namespace(self) -> str:
        return NAMESPACE_PREFIX + self.name

    @property
    def address(self) -> str:
        return f"{LAN_PREFIX}.{self.number}"

    @property
    def socket(self) -> Path:
        return self.state / f"{self.name}.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    @property
    def folder(self) -> Path:
        return self.state / self.name

    @property
    def config_file(self) -> Path:
        return self.folder / "daemon.json"

    @cached_property
    def engine(self) -> Supervised:
        """dockerd, as its pid file (`--pidfile`, written by dockerd) and log record it."""
        return Supervised("dockerd", self.folder, self.folder)

    @cached_property
    def log(self) -> Log:
        return Log(self.name)

    def dockerd_argv(self) -> list[str]:
        # An empty config file: the machine's /etc/docker/daemon.json belongs to the root
        # engine.
        return [
            "dockerd",
            *("--config-file", str(self.config_file)),
            *("--data-root", str(self.folder / "data")),
            *("--exec-root", str(self.folder / "exec")),
            *("-H", self.url),
            *("--pidfile", str(self.engine.pid_file)),
            *("--cgroup-parent", f"/{self.namespace}"),
            *("--bridge=none", "--shutdown-timeout", "3"),
        ]

    def launch_argv(self, python: str) -> list[str]:
        """dockerd in the host's namespace, with the cgroup mounts (`in-netns`) and a UTS
        namespace of its own named `netkit-hostK`, so that `docker node ls` tells the hosts
        apart. Every step execs the next: the process started is dockerd itself, whose pid
        is the one its pid file records."""
        entry = [python, "-m", "devenv", "in-netns", "--hostname", self.namespace]
        return netns.in_ns(self.namespace, [*entry, *self.dockerd_argv()])

    def docker(self, *args: str) -> str:
        """`docker -H <this engine> ARGS`: its output."""
        return run(["docker", "-H", self.url, *args])

    def answers(self, timeout: float = 10.0) -> bool:
        """Whether the engine answers `GET /_ping` within `timeout` seconds (a loaded
        machine may take some)."""
        return engine_problem(self.url, timeout=timeout) is None


def lan_up() -> None:
    """The LAN namespace and its bridge."""
    netns.add(LAN_NS)
    if not netns.link_exists(LAN_BRIDGE, ns=LAN_NS):
        netns.ip("link", "add", LAN_BRIDGE, "type", "bridge", ns=LAN_NS)
    netns.ip("link", "set", LAN_BRIDGE, "up", ns=LAN_NS)


def has_address(ip_addr_output: str, cidr: str) -> bool:
    """Whether `ip addr show` printed `cidr` (an exact `inet` address, not a prefix of one)."""
    words = ip_addr_output.split()
    return any(a == "inet" and b == cidr for a, b in itertools.pairwise(words))


def namespace_up(host: Host) -> None:
    """The host's namespace, its veth to the LAN with its address, and the drop rule."""
    ns = host.namespace
    netns.add(ns)
    if not netns.link_exists("eth0", ns=ns):
        # Both ends are created straight in their namespaces: no name ever appears in the
        # root namespace, where it could collide with the machine's own interfaces.
        netns.ip("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", host.name, "netns", LAN_NS)  # fmt: skip
    netns.ip("link", "set", host.name, "master", LAN_BRIDGE, "up", ns=LAN_NS)
    cidr = f"{host.address}/24"
    if not has_address(netns.ip("-4", "addr", "show", "dev", "eth0", ns=ns), cidr):
        netns.ip("addr", "add", cidr, "dev", "eth0", ns=ns)
    netns.ip("link", "set", "eth0", "up", ns=ns)
    # As on the root engine (devenv.docker_engine): netkit's internal bridges (nkint-*)
    # keep an address on the host, so new connections from them to the host are dropped.
    ensure_drop_rule(ns)


class EngineStart:
    """One engine on its way up, advanced a step at a time, so that the engines start
    together in one loop (each waits mostly on its own containerd). A worker's engine
    (`after` its manager's) starts once the manager's answers, or after
    `MANAGER_HEAD_START` even while the manager's stalls."""

    def __init__(self, host: Host, after: EngineStart | None = None) -> None:
        self.host = host
        self.after = after
        self.old = host.engine.pid()
        self.launched: int | None = None
        self.answered = False
        self.created = time.monotonic()
        self.deadline = self.created + SETTLE_SECONDS

    def step(self) -> bool:
        """True once the engine answers; raises when it will not."""
        host = self.host
        if host.answers(timeout=PROBE_SECONDS):
            self.answered = True
            return True
        if self.launched is None:
            if self.waits_for_its_manager():
                return False
            # An engine still shutting down holds the pid file: wait for it to go. A pid
            # file left by a killed engine would stop the new one ("pid file found").
            if self.old is not None and pid_alive(self.old):
                if time.monotonic() > self.deadline:
                    raise EnvError(
                        f"{host.name}: dockerd {self.old} neither answers nor exits; stop it "
                        f"(kill {self.old}) and start again"
                    )
                return False
            host.engine.pid_file.unlink(missing_ok=True)
            self.launched = launch(host)
            self.deadline = time.monotonic() + START_SECONDS
            return False
        exited = not pid_alive(self.launched)
        if exited or time.monotonic() > self.deadline:
            why = "exited" if exited else f"did not answer in {START_SECONDS:g} s"
            log_file = host.engine.log_file
            tail = log_file.read_text(errors="replace").splitlines()[-20:]
            shown = "\n  ".join(tail)
            raise EnvError(f"{host.name}: dockerd {why}; last lines of {log_file}:\n  {shown}")
        return False

    def waits_for_its_manager(self) -> bool:
        after = self.after
        if after is None or after.answered:
            return False
        return time.monotonic() - self.created < MANAGER_HEAD_START


def engines_up(hosts: list[Host]) -> None:
    """Start the hosts' engines that do not answer, and wait until all do; the workers'
    (the hosts after the first) once the manager's answers, or after its head start."""
    manager = EngineStart(hosts[0])
    starting = [manager, *(EngineStart(host, after=manager) for host in hosts[1:])]
    while starting := [start for start in starting if not start.step()]:
        time.sleep(0.5)


def launch(host: Host) -> int:
    """Start the host's dockerd detached; its pid.

    Not `Supervised.launch`: that writes the pid file itself, and dockerd refuses to start
    while its pid file names a live process (itself included)."""
    for folder in (host.folder / "data", host.folder / "exec"):
        folder.mkdir(parents=True, exist_ok=True)
    host.config_file.write_text("{}\n")
    argv = host.launch_argv(sys.executable)
    program = shutil.which(argv[0])
    if program is None:
        raise EnvError(f"`{argv[0]}` is not installed or not on PATH")
    host.log.say(f"starting dockerd in {host.namespace} (log: {host.engine.log_file})")
    # `python -m devenv` inside the namespace finds this checkout's package.
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return spawn_detached([program, *argv[1:]], host.engine.log_file, env)


def engine_down(host: Host) -> None:
    """Stop the engine by its pid file, then whatever still runs in its namespace."""
    host.engine.stop(grace=STOP_GRACE)
    # Whatever still runs in the namespace (a containerd or shim left by a killed engine)
    # was started here: the namespace is this tool's own.
    if netns.exists(host.namespace):
        for pid in run(["ip", "netns", "pids", host.namespace]).split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
