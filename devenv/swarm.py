"""The swarm of the Docker hosts (host1 the manager, the others workers), and the
containers an engine's own restart left stopped.

What this machine's kernel lacks: ESP (encrypted overlays cannot carry traffic) and IPVS
(no swarm VIPs or ingress routing mesh): the stacks use attachable overlays with DNS round
robin.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping

from devenv.docker_host import Host
from devenv.errors import CommandFailed, EnvError
from devenv.log import Log
from devenv.run import succeeds

READY_TIMEOUT_VARIABLE = "NETKIT_SWARM_READY_TIMEOUT"
DEFAULT_READY_TIMEOUT = 300.0
"""Seconds a worker gets to become Ready in the swarm after its engine starts (a loaded
machine can take more than a minute)."""

LOG = Log("swarm")

NETWORK_NOT_FOUND = re.compile(r"network .* not found")

GOSSIP_NETWORK = "ingress"
"""The overlay every swarm node joins by itself: its peers, as a node lists them, are the
nodes its gossip reaches. Names on an overlay travel by that gossip, not by the manager."""

GOSSIP_PATIENCE = 5.0
"""Seconds of waiting on the gossip before saying so (it usually completes within them)."""


def ready_timeout(environ: Mapping[str, str] = os.environ) -> float:
    """`$NETKIT_SWARM_READY_TIMEOUT` seconds, 300 by default."""
    given = environ.get(READY_TIMEOUT_VARIABLE, "").strip()
    if not given:
        return DEFAULT_READY_TIMEOUT
    try:
        seconds = float(given)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise EnvError(f"{READY_TIMEOUT_VARIABLE}={given!r}: expected a number of seconds above 0")
    return seconds


def parse_node(info: str) -> tuple[str, str]:
    """(local node state, node id) from `docker info --format '{{.Swarm.LocalNodeState}}
    {{.Swarm.NodeID}}'`; ("unknown", "") when there is nothing to read."""
    words = info.split()
    if not words:
        return "unknown", ""
    return words[0], words[1] if len(words) > 1 else ""


def node(host: Host) -> tuple[str, str]:
    """The host's swarm state and node id, as its engine sees them."""
    try:
        info = host.docker("info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.NodeID}}")
    except EnvError:
        return "unknown", ""
    return parse_node(info)


def local_state(host: Host) -> str:
    return node(host)[0]


def node_status(manager: Host, node_id: str) -> str:
    """The node's state as the manager lists it (`ready`, `down`, ...); "" when unknown."""
    if not node_id:
        return ""
    try:
        return manager.docker("node", "inspect", node_id, "--format", "{{.Status.State}}").strip()
    except EnvError:
        return ""


def known_to_manager(manager: Host, host: Host) -> bool:
    """Whether the manager knows the host's node (it may be a member that is still down)."""
    node_id = node(host)[1]
    return bool(node_id) and succeeds(["docker", "-H", manager.url, "node", "inspect", node_id])


def wait_ready(manager: Host, host: Host, timeout: float) -> None:
    """Wait until the worker is an active member that the manager lists Ready: only then
    does its engine attach containers to overlays (before, it answers "network ... not
    found")."""
    deadline = time.monotonic() + timeout
    while True:
        state, node_id = node(host)
        if state == "active" and node_status(manager, node_id) == "ready":
            return
        if time.monotonic() > deadline:
            raise EnvError(
                f"{host.name}: not Ready in the swarm within {timeout:g} s (state {state}); "
                f"see {host.engine.log_file}"
            )
        time.sleep(1)


def leave(host: Host) -> None:
    """`swarm leave --force`, its failure ignored (a node in no swarm has nothing to leave)."""
    succeeds(["docker", "-H", host.url, "swarm", "leave", "--force"])


def join(manager: Host, host: Host, timeout: float) -> None:
    """Make `manager` the swarm's manager, or `host` one of its workers, unless it is."""
    state = local_state(host)
    if host == manager:
        if state != "active":
            if state != "inactive":
                leave(host)
            address = host.address
            host.docker("swarm", "init", "--advertise-addr", address, "--listen-addr", f"{address}:2377")  # fmt: skip
            host.log.say(f"swarm initialised (manager, {address})")
        return
    # A member of this swarm (the manager knows its node) comes back by itself once its
    # engine reaches the manager, however long a loaded machine takes: wait for that.
    # Leaving and joining anew would drop the overlay attachments of the containers it
    # runs. Only a worker outside this swarm (never joined, or the manager was initialised
    # anew) joins.
    if state in ("active", "pending") and known_to_manager(manager, host):
        wait_ready(manager, host, timeout)
        return
    if state != "inactive":
        leave(host)
    token = manager.docker("swarm", "join-token", "-q", "worker").strip()
    address = host.address
    host.docker(
        *("swarm", "join", "--token", token, "--advertise-addr", address),
        *("--listen-addr", f"{address}:2377", f"{manager.address}:2377"),
    )
    wait_ready(manager, host, timeout)
    host.log.say(f"joined the swarm (worker, {address})")


def prune_nodes(manager: Host) -> None:
    """Drop the swarm nodes the manager still lists as down (workers that left or were
    re-created)."""
    try:
        workers = manager.docker("node", "ls", "--filter", "role=worker", "-q").split()
    except EnvError:
        return
    for node_id in workers:
        if "down" in node_status(manager, node_id):
            succeeds(["docker", "-H", manager.url, "node", "rm", "--force", node_id])


def parse_peers(peers_json: str) -> set[str]:
    """The peer addresses in `docker network inspect -v --format '{{json .Peers}}'`
    (`null` when the node knows none)."""
    try:
        peers = json.loads(peers_json)
    except ValueError:
        return set()
    if not isinstance(peers, list):
        return set()
    return {p["IP"] for p in peers if isinstance(p, dict) and isinstance(p.get("IP"), str)}


def gossip_peers(host: Host) -> set[str]:
    """The addresses of the nodes the host's gossip reaches; none while its engine has not
    joined the ingress network yet."""
    try:
        shown = host.docker(
            "network", "inspect", "-v", GOSSIP_NETWORK, "--format", "{{json .Peers}}"
        )
    except EnvError:
        return set()
    return parse_peers(shown)


def unreached(hosts: list[Host]) -> dict[str, list[str]]:
    """For each host that does not reach them all yet, the hosts its gossip misses."""
    missing: dict[str, list[str]] = {}
    for host in hosts:
        peers = gossip_peers(host)
        lacking = [other.name for other in hosts if other.address not in peers]
        if lacking:
            missing[host.name] = lacking
    return missing


def describe(missing: dict[str, list[str]]) -> str:
    """One clause per host: whom it misses, or that it lists no peer at all (its engine has
    not joined the ingress network, or the network was removed)."""
    return "; ".join(
        f"{name} lists no peer of the {GOSSIP_NETWORK} network"
        if name in others
        else f"{name} does not reach {', '.join(others)}"
        for name, others in missing.items()
    )


def wait_gossip(hosts: list[Host], timeout: float) -> None:
    """Wait until every host's gossip reaches every other.

    Ready in the swarm is not enough for names across hosts. A worker that registers with
    the manager before the manager's network agent listens fails its gossip join, and its
    engine tries again only a minute later (measured: 73 s after the start); until then a
    container on another host does not resolve its containers' names."""
    started = time.monotonic()
    said = False
    while missing := unreached(hosts):
        waited = time.monotonic() - started
        if waited > timeout:
            raise EnvError(
                f"the swarm's gossip is incomplete after {timeout:g} s: {describe(missing)} "
                f"(containers on an overlay would not resolve each other's names); see "
                f"{hosts[0].engine.log_file}"
            )
        if not said and waited > GOSSIP_PATIENCE:
            LOG.say(
                f"waiting for the swarm's gossip: {describe(missing)} yet (an engine tries "
                "its join again every minute)"
            )
            said = True
        time.sleep(1)


def restarts_itself(policy: str, config_v2: str | None) -> bool:
    """Whether Docker restarts a container itself when its engine starts: restart policy
    `always`, or `unless-stopped` and not stopped by hand (the engine's own record of that
    is `HasBeenManuallyStopped` in the container's config.v2.json, `config_v2`)."""
    if policy == "always":
        return True
    if policy != "unless-stopped" or config_v2 is None:
        return False
    try:
        config = json.loads(config_v2)
    except ValueError:
        return False
    return isinstance(config, dict) and config.get("HasBeenManuallyStopped") is False


def network_not_ready(error: str) -> bool:
    """Whether a failed `docker start` only met an overlay the worker does not know yet."""
    return NETWORK_NOT_FOUND.search(error) is not None


def start_container(host: Host, container: str, timeout: float) -> None:
    """Start a container; a worker the manager lists Ready may still not know an overlay
    its container joins (measured under load: "network ... not found" for a few seconds
    after Ready): retry while that is the reason, up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            host.docker("start", container)
            return
        except CommandFailed as err:
            if not network_not_ready(err.output) or time.monotonic() > deadline:
                first = (err.output.strip().splitlines() or ["(no output)"])[0]
                raise EnvError(
                    f"{host.name}: container {container[:12]} does not start: {first}"
                ) from None
        time.sleep(1)


def containers_up(host: Host, timeout: float) -> None:
    """Start the containers Docker itself restarts when its engine starts, that are not
    running. The engine starts a container on an overlay only after its node reached the
    manager, once, and an attachment asked too early fails for good ("network ... not
    found"); `up --refresh` would then meet it stopped."""
    stopped = host.docker(
        *("ps", "-a", "--filter", "status=exited", "--filter", "status=created"),
        *("-q", "--no-trunc"),
    ).split()
    for container in stopped:
        policy = host.docker("inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", container)
        config_file = host.folder / "data" / "containers" / container / "config.v2.json"
        try:
            config: str | None = config_file.read_text()
        except OSError:
            config = None
        if not restarts_itself(policy.strip(), config):
            continue
        start_container(host, container, timeout)
        host.log.say(f"started container {container[:12]} (its engine's restart had failed)")
