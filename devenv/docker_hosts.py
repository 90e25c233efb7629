"""Several Docker hosts on one machine: N engines (3 by default), each in a network
namespace of its own, joined by a "LAN" bridge and by one swarm (host1 the manager, the
others workers), so that overlays really cross hosts (VXLAN between the namespaces).

    scripts/docker-hosts.sh start [N]    start or complete the hosts (idempotent)
    scripts/docker-hosts.sh stop  [N]    remove their containers, leave the swarm, stop the
                                         engines, delete the namespaces (data roots are
                                         kept, so the next start skips the image load)
    scripts/docker-hosts.sh status [N]   one line per host; exit 1 if one is not up

The layout of a host (namespace, address, socket, data, pid file, log) is
`devenv.docker_host`'s; the swarm and the restart of containers are `devenv.swarm`'s.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from devenv import docker_image, netns, swarm
from devenv.docker_engine import add_sbin_to_path
from devenv.docker_host import LAN_NS, Host, engine_down, engines_up, lan_up, namespace_up
from devenv.errors import EnvError
from devenv.run import run, succeeds
from devenv.system import need_root
from netkit.docker_hosts import MAX_LOCAL_HOSTS, NAMESPACE_PREFIX, state_dir
from netkit.spec import DEFAULT_IMAGE

DEFAULT_COUNT = 3
SCRIPT = "scripts/docker-hosts.sh"
USAGE = f"usage: {SCRIPT} start|stop|status [N]   (N hosts, default {DEFAULT_COUNT}, 1-{MAX_LOCAL_HOSTS})"  # fmt: skip
IMAGE = DEFAULT_IMAGE
"""The image the stacks' containers run, copied from the machine's engine (nothing is
pulled)."""


def parse_args(argv: list[str]) -> tuple[str, int] | None:
    """(command, host count), or None for a usage error."""
    command = argv[0] if argv else ""
    given = argv[1] if len(argv) > 1 else str(DEFAULT_COUNT)
    if command not in ("start", "stop", "status") or not re.fullmatch(r"[0-9]+", given):
        return None
    count = int(given)
    return (command, count) if 1 <= count <= MAX_LOCAL_HOSTS else None


def plan(count: int, state: Path) -> list[Host]:
    return [Host(k, state) for k in range(1, count + 1)]


def start(hosts: list[Host]) -> int:
    need_root(SCRIPT, "network namespaces, dockerd")
    if shutil.which("dockerd") is None:
        raise EnvError("dockerd is not installed; run scripts/docker-engine.sh first")
    if not succeeds(["docker", "info"]):
        raise EnvError(
            f"the root Docker engine does not answer (it holds {IMAGE}); run scripts/docker-engine.sh"
        )
    timeout = swarm.ready_timeout()
    hosts[0].state.mkdir(parents=True, exist_ok=True)
    lan_up()
    for host in hosts:
        namespace_up(host)
    engines_up(hosts)
    manager = hosts[0]
    for host in hosts:
        swarm.join(manager, host, timeout)
    swarm.prune_nodes(manager)
    for host in hosts:
        swarm.containers_up(host, timeout)
    swarm.wait_gossip(hosts, timeout)
    images_up(hosts)
    return status(hosts)


def images_up(hosts: list[Host]) -> None:
    """Copy the image from the machine's engine to the hosts that lack it (built there
    first if needed): `docker save` once, `docker load` on each."""
    missing = [h for h in hosts if not succeeds(["docker", "-H", h.url, "image", "inspect", IMAGE])]
    if not missing:
        return
    docker_image.build(IMAGE)
    with tempfile.TemporaryDirectory() as tmp:
        archive = str(Path(tmp) / "image.tar")
        run(["docker", "save", "-o", archive, IMAGE])
        for host in missing:
            host.docker("load", "-i", archive)
            host.log.say(f"loaded {IMAGE}")


def stop(hosts: list[Host]) -> int:
    need_root(SCRIPT, "network namespaces, dockerd")
    # Workers leave first, the manager last (its leave ends the swarm).
    for host in reversed(hosts):
        if host.answers():
            containers = host.docker("ps", "-aq").split()
            if containers:
                host.docker("rm", "-f", *containers)
            swarm.leave(host)
    # The engines stop together: each may wait on its containers' grace.
    with ThreadPoolExecutor(max_workers=len(hosts)) as pool:
        list(pool.map(engine_down, hosts))
    for host in hosts:
        netns.delete(host.namespace)
        exec_root = host.folder / "exec"
        if exec_root.exists():
            try:
                shutil.rmtree(exec_root)
            except OSError as err:
                raise EnvError(f"{host.name}: cannot remove {exec_root}: {err.strerror}") from None
        host.socket.unlink(missing_ok=True)
    # The LAN goes once no host namespace is left on it (hosts beyond N may still run).
    if not any(netns.NETNS_DIR.glob(f"{NAMESPACE_PREFIX}host*")):
        netns.delete(LAN_NS)
    print(f"stopped {len(hosts)} Docker hosts", file=sys.stderr)
    return 0


def rss_mib(ps_output: str) -> int:
    """MiB from `ps -o rss=` lines (KiB each), summed."""
    return sum(int(word) for word in ps_output.split() if word.isdigit()) // 1024


def engine_rss(host: Host) -> int:
    """Resident memory of the engine and its containerd (the shims belong to containers)."""
    pid = host.engine.pid()
    if pid is None:
        return 0
    try:
        return rss_mib(run(["ps", "-o", "rss=", "-p", str(pid), "--ppid", str(pid)]))
    except EnvError:
        return 0


def status_line(host: Host, swarm_state: str, containers: int, rss: int) -> str:
    return (
        f"{host.name}  {host.address}  swarm {swarm_state}  {containers} containers  "
        f"{rss} MiB  {host.url}"
    )


def status(hosts: list[Host]) -> int:
    """One line per host on stdout; 1 if one is not up."""
    down = 0
    for host in hosts:
        if not netns.exists(host.namespace):
            print(f"{host.name}  down (no namespace {host.namespace})", flush=True)
            down += 1
        elif not host.answers():
            print(f"{host.name}  {host.address}  engine down ({host.url})", flush=True)
            down += 1
        else:
            running = len(host.docker("ps", "-q").split())
            line = status_line(host, swarm.local_state(host), running, engine_rss(host))
            print(line, flush=True)
    return 1 if down else 0


def main(argv: list[str]) -> int:
    parsed = parse_args(argv)
    if parsed is None:
        print(USAGE, file=sys.stderr)
        return 2
    command, count = parsed
    add_sbin_to_path()
    hosts = plan(count, state_dir())
    actions = {"start": start, "stop": stop, "status": status}
    return actions[command](hosts)
