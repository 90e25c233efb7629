"""The machine's own Docker engine, with swarm mode on for overlay networks.

    scripts/docker-engine.sh          start one if needed (installs docker.io from Debian when root)
    scripts/docker-engine.sh --check  only say whether one answers (exit 1 with the fix if not)

The engine's own pid file (/var/run/docker.pid, dockerd's default) stays the record of
it: it is started detached, its output in `<state>/dockerd.log`, and nothing here keeps a
second pid file.
"""

from __future__ import annotations

import os
import shutil
import sys

from devenv.errors import EnvError
from devenv.log import Log
from devenv.paths import state_home
from devenv.process import spawn_detached, wait_until
from devenv.run import run, succeeds
from devenv.system import Package, ensure_packages
from netkit.docker_reach.topology import INTERNAL_BRIDGE_PREFIX

SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")
"""dockerd and iptables live in the sbin folders, which a non-login PATH may lack."""

START_SECONDS = 60

NO_ENGINE = """\
No Docker engine answers. Start one:
  sudo scripts/docker-engine.sh        (installs Debian's docker.io if needed and starts dockerd)
or point DOCKER_HOST at a running engine."""

log = Log("docker-engine")


def add_sbin_to_path() -> None:
    """Append the sbin folders to PATH (for this process and what it starts)."""
    path = os.environ.get("PATH", "")
    missing = [d for d in SBIN if d not in path.split(os.pathsep)]
    os.environ["PATH"] = os.pathsep.join([path, *missing]) if missing else path


def internal_drop_rule() -> list[str]:
    """The iptables rule (without -C/-I) that drops new connections from netkit's internal
    bridges to the host itself.

    Docker's `internal` only stops forwarding off the host: the bridge keeps an address on
    the host, so containers on an internal network still reach every service of the host
    (moby/libnetwork#1151). netkit names internal bridges `nkint-*`
    (`INTERNAL_BRIDGE_PREFIX`). iptables matches an interface name prefix written before
    `+`; the rule has always read `nkint+`, which `iptables -C` must find as it is.
    """
    interfaces = INTERNAL_BRIDGE_PREFIX.rstrip("-") + "+"
    return ["INPUT", "-i", interfaces, "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP"]


def ensure_drop_rule(netns: str | None = None) -> bool:
    """Insert the internal-bridge drop rule unless present (inside `netns` when given).
    False when it is missing and cannot be inserted (not root)."""
    prefix = ["ip", "netns", "exec", netns] if netns else []
    rule = internal_drop_rule()
    if succeeds([*prefix, "iptables", "-C", *rule]):
        return True
    if os.geteuid() != 0:
        return False
    run([*prefix, "iptables", "-I", *rule])
    return True


def answers() -> bool:
    return succeeds(["docker", "info"])


def swarm_state() -> str:
    return run(["docker", "info", "--format", "{{.Swarm.LocalNodeState}}"]).strip()


def start_engine() -> None:
    """Install dockerd if missing (root only), start it detached, wait until it answers."""
    if shutil.which("dockerd") is None:
        if os.geteuid() != 0:
            raise EnvError("dockerd is not installed; run as root or install docker.io")
        ensure_packages(log, [Package("docker.io", "dockerd")])
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        raise EnvError("dockerd is still not on PATH after installing docker.io")
    log_file = state_home() / "dockerd.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.write_text("")
    log.say(f"starting dockerd (log: {log_file})")
    spawn_detached([dockerd], log_file, None)
    try:
        wait_until("dockerd", START_SECONDS, answers)
    except EnvError:
        tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-20:])
        raise EnvError(f"dockerd did not start; see {log_file}:\n{tail}") from None


def main(argv: list[str]) -> int:
    add_sbin_to_path()
    if argv[:1] == ["--check"]:
        if answers():
            return 0
        print(NO_ENGINE, file=sys.stderr)
        return 1
    if not answers():
        start_engine()
    if swarm_state() != "active":
        log.say("initialising swarm mode (overlay networks need it)")
        run(["docker", "swarm", "init", "--advertise-addr", "127.0.0.1"])
    if not ensure_drop_rule():
        rule = " ".join(internal_drop_rule())
        print(
            f"warning: run as root to keep internal networks off the host (iptables {rule})",
            file=sys.stderr,
        )
    return 0
