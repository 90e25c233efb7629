"""The Docker hosts a stack names, and the local hosts of `scripts/docker-hosts.sh`.

A stack file cannot hold a machine path, so the engines that `scripts/docker-hosts.sh`
starts are named by a URL of their own, `netkit-hosts://host1`, which `engine_url` turns
into the engine's socket, `unix://<state>/host1.sock`, where `<state>` is
`$NETKIT_DOCKER_HOSTS_STATE`, else `${XDG_STATE_HOME:-~/.local/state}/netkit/docker-hosts`
(the script's own rule). Any other URL (`unix://`, `tcp://`, `ssh://`) is used as given.

Each local host lives in the network namespace `netkit-<name>`; `namespace_routes` reads
its routing table, so an overlap check can name the host whose LAN a network collides with.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from netkit.errors import InvalidValue
from netkit.host_routes import parse_ip_route
from netkit.model import AddressSpace

LOCAL_SCHEME = "netkit-hosts://"
"""URL prefix of the engines started by `scripts/docker-hosts.sh`."""

URL_SCHEMES = ("unix://", "tcp://", "ssh://", "npipe://", LOCAL_SCHEME)
"""What a `docker.hosts[].url` may start with (the Docker CLI's `-H` forms, and ours)."""

MAX_LOCAL_HOSTS = 20
"""`scripts/docker-hosts.sh` starts at most 20 hosts, host1 to host20."""

_LOCAL_NAME = re.compile(r"host([1-9][0-9]*)")

NAMESPACE_PREFIX = "netkit-"
"""The local host `host1` runs in the network namespace `netkit-host1`."""


def state_dir() -> Path:
    """The folder holding the local hosts' sockets, data, logs (the script's rule)."""
    explicit = os.environ.get("NETKIT_DOCKER_HOSTS_STATE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "netkit" / "docker-hosts"


def check_url(url: str) -> str:
    """A Docker engine URL as the stack file may write it; raises `InvalidValue` otherwise."""
    if not url.startswith(URL_SCHEMES) or not url.split("://", 1)[1].strip("/"):
        raise InvalidValue(
            f"url {url!r}: expected a Docker engine URL such as 'unix:///var/run/docker.sock', "
            f"'tcp://10.0.0.5:2376', 'ssh://user@host' or '{LOCAL_SCHEME}host1' (an engine of "
            "scripts/docker-hosts.sh)"
        )
    if url.startswith(LOCAL_SCHEME):
        local_host_name(url)
    return url


def local_host_name(url: str) -> str:
    """`netkit-hosts://host2` -> `host2`; raises `InvalidValue` for another name."""
    name = url[len(LOCAL_SCHEME) :].strip("/")
    number = _LOCAL_NAME.fullmatch(name)
    if not number or int(number[1]) > MAX_LOCAL_HOSTS:
        raise InvalidValue(
            f"url {url!r}: the local hosts are named host1 to host{MAX_LOCAL_HOSTS} "
            f"(e.g. '{LOCAL_SCHEME}host1')"
        )
    return name


def engine_url(url: str) -> str:
    """The URL a Docker client uses (`docker -H`, the Pulumi provider's `host`)."""
    if url.startswith(LOCAL_SCHEME):
        return f"unix://{state_dir() / local_host_name(url)}.sock"
    return url


def engine_problem(url: str, timeout: float = 2.0) -> str | None:
    """Why the engine at a `unix://` URL does not answer `GET /_ping`; None when it does,
    or when the URL is not a local socket (a remote engine is left to the provider)."""
    if not url.startswith("unix://"):
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(url[len("unix://") :])
            conn.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            status = conn.recv(256).split(b"\r\n", 1)[0].decode("latin-1")
    except OSError as error:
        return (error.strerror or str(error)).lower()
    if status.split(" ")[1:2] != ["200"]:
        return f"it answered {status!r} to /_ping"
    return None


def _get(url: str, path: str, timeout: float) -> tuple[str, bytes]:
    """`GET path` on the engine at a `unix://` URL: (status line, body)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(url[len("unix://") :])
        conn.sendall(f"GET {path} HTTP/1.0\r\nHost: docker\r\n\r\n".encode())
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0].decode("latin-1"), body


def swarm_state(url: str, timeout: float = 5.0) -> str | None:
    """The swarm state of the engine at a `unix://` URL (`active`, `pending`, `inactive`,
    `error`, `locked`), as `docker info` reports it; None when it cannot be read from here
    (another kind of URL, or no answer: `engine_problem` says why)."""
    if not url.startswith("unix://"):
        return None
    try:
        status, body = _get(url, "/info", timeout)
        info = json.loads(body)
    except (OSError, ValueError):
        return None
    if status.split(" ")[1:2] != ["200"] or not isinstance(info, dict):
        return None
    swarm = info.get("Swarm")
    state = swarm.get("LocalNodeState") if isinstance(swarm, dict) else None
    return state if isinstance(state, str) else None


def unjoined_hosts(hosts: Sequence[tuple[str, str]]) -> str | None:
    """One line naming every host (name, url) whose engine is not an active member of its
    swarm; None when all are (or cannot be read from here). A worker whose engine has just
    restarted is `pending` until it reaches its manager, and until then it attaches no
    container to an overlay ("network ... not found")."""
    waiting = [
        (name, url, state)
        for name, url in hosts
        if (state := swarm_state(engine_url(url))) is not None and state != "active"
    ]
    if not waiting:
        return None
    listed = ", ".join(f"{name!r} ({state})" for name, _, state in waiting)
    local = any(url.startswith(LOCAL_SCHEME) for _, url, _ in waiting)
    how = "`scripts/docker-hosts.sh start` waits for that" if local else "`docker info` shows it"
    one = len(waiting) == 1
    return (
        f"Docker host{'' if one else 's'} {listed} {'is' if one else 'are'} not an active "
        f"member of the swarm, so overlays cannot attach containers there; run again once "
        f"{'it is' if one else 'they are'} active ({how})"
    )


def unanswered_hosts(hosts: Sequence[tuple[str, str]]) -> str | None:
    """One line naming every host (name, url) whose local engine does not answer; None
    when all answer. Checked before any resource, so an engine that is down is one clear
    message instead of one provider error per resource."""
    down = [
        (name, url, problem)
        for name, url in hosts
        if (problem := engine_problem(engine_url(url))) is not None
    ]
    if not down:
        return None
    listed = ", ".join(f"{name!r} at {engine_url(url)} ({problem})" for name, url, problem in down)
    one = len(down) == 1
    head = (
        f"Docker host {listed} does not answer" if one else f"Docker hosts {listed} do not answer"
    )
    how = (
        " (scripts/docker-hosts.sh start)"
        if any(u.startswith(LOCAL_SCHEME) for _, u, _ in down)
        else ""
    )
    return f"{head}; start {'it' if one else 'them'}{how}, then run again"


def namespace(url: str) -> str | None:
    """The network namespace of a local host, None for any other URL."""
    if url.startswith(LOCAL_SCHEME):
        return NAMESPACE_PREFIX + local_host_name(url)
    return None


def host_routes(hosts: Sequence[tuple[str, str]], notes: list[str]) -> list[AddressSpace]:
    """Each host's routes as address spaces of that host (`AddressSpace.host`), for the
    hosts given as (name, url). A local host's come from its namespace; another host's
    cannot be read from here, which a note says."""
    spaces: list[AddressSpace] = []
    for name, url in hosts:
        ns = namespace(url)
        if ns is None:
            notes.append(
                f"host {name!r} ({url}): its routes cannot be read from this machine; skipped"
            )
            continue
        for output in namespace_routes(ns, notes):
            spaces.extend(
                replace(space, host=name, source=f"ip -n {ns} route")
                for space in parse_ip_route(output)
            )
    return spaces


def namespace_routes(ns: str, notes: list[str]) -> list[str]:
    """What `ip -n NS -j route show` prints, IPv4 then IPv6; empty (with a note) when the
    namespace is missing or `ip` fails, so an overlap check goes on without them."""
    if shutil.which("ip") is None:
        notes.append(f"namespace {ns}: `ip` (iproute2) is not installed; its routes are skipped")
        return []
    outputs: list[str] = []
    for family in ("-4", "-6"):
        done = subprocess.run(
            ["ip", "-n", ns, "-j", family, "route", "show"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            reason = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
            notes.append(
                f"namespace {ns}: `ip -n {ns} route` failed ({reason[0]}); its routes are "
                "skipped (start the hosts: scripts/docker-hosts.sh start)"
            )
            return []
        outputs.append(done.stdout)
    return outputs
