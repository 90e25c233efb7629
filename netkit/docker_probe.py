"""Computed Docker reachability against what the engines do, from inside the containers.

`plan` takes what netkit computes (`DockerReachability` of a stack's model, or of the
engines' own model) and what runs (the engines' model: containers with their addresses,
networks with their gateways), and lists probes, each with the verdict netkit expects:

- every ordered pair of running containers on every port the destination declares: TCP
  with busybox `nc`, UDP with busybox `traceroute` (a datagram to the port: an answer or
  a port-unreachable counts as reached, silence as blocked), to the destination's address
  on the network that carries the pair (or, for a pair netkit denies, on a network they
  share by name, else any of its addresses);
- every name each container resolves (busybox `nslookup` through Docker's DNS: it must
  answer with the addresses of exactly the containers netkit says), and a sample of names
  it must not resolve;
- each container to its own host: `ping` of the gateway that would carry it.

`run` executes them through the engines' API (`docker exec`), several at a time. A
container of the model that does not run, or runs without an address on the network the
model says, is probed all the same: the probe fails, and the line says why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from netkit.bounded import run_within
from netkit.docker_reach import DockerReachability, Topology, container_ref, host_of, host_ref
from netkit.model import DockerContainer, NetworkModel
from netkit.reachability import Peer

WAIT = 1
"""Seconds a probe waits for an answer (nc -w, ping -W, traceroute -w)."""
GATEWAY_BRIDGE = "docker_gwbridge"
"""The bridge through which a container on a non-internal overlay reaches its host."""


class ProbeKind(StrEnum):
    TCP = "TCP"
    UDP = "UDP"
    NAME = "name"
    HOST = "host"
    PUBLISHED = "published"
    """From the host itself to a port a container publishes (run on the host, not in a
    container: `runner` is the container the port leads to)."""


@dataclass(frozen=True)
class LiveContainer:
    """A running container as its engine reports it."""

    host: str
    name: str
    id: str
    addresses: Mapping[str, str]
    """Network name -> its IPv4 address there."""

    @property
    def ref(self) -> str:
        return f"{self.host}/{self.name}[Container]"


@dataclass(frozen=True)
class DockerProbe:
    kind: ProbeKind
    src: Peer
    dst: str
    """The destination peer's name, or the name looked up."""
    runner: LiveContainer
    target: str
    """The address tried (or the name looked up); "" when there is none to try."""
    expected: bool
    port: int = 0
    expected_addresses: frozenset[str] = frozenset()
    missing: str = ""
    """Why there is no target: the probe fails without running."""

    def describe(self) -> str:
        if self.kind is ProbeKind.PUBLISHED:
            return f"{self.src} -> {self.dst} {self.target}:{self.port}/TCP"
        if self.kind is ProbeKind.NAME:
            return f"{self.src} resolves {self.dst!r}"
        if self.kind is ProbeKind.HOST:
            return f"{self.src} -> {self.dst} (ping {self.target or 'its gateway'})"
        return f"{self.src} -> {self.dst} {self.port}/{self.kind}"


@dataclass(frozen=True)
class DockerOutcome:
    probe: DockerProbe
    reached: bool
    detail: str = ""
    addresses: frozenset[str] = field(default_factory=frozenset)

    @property
    def agrees(self) -> bool:
        if self.probe.kind is ProbeKind.NAME and self.probe.expected and self.reached:
            # A name found on several networks of the container is answered from one.
            return self.addresses <= self.probe.expected_addresses
        return self.reached == self.probe.expected

    def line(self) -> str:
        probe = self.probe
        if probe.kind is ProbeKind.NAME:
            addresses = ", ".join(sorted(probe.expected_addresses))
            said = (
                (
                    f"resolves to {addresses}"
                    if addresses
                    else "resolves (to a container with no address there now)"
                )
                if probe.expected
                else "does not resolve"
            )
            did = (
                f"answered {', '.join(sorted(self.addresses)) or 'nothing'}"
                if self.reached
                else "did not resolve it"
            )
            return f"{probe.describe()}: netkit computes it {said}, Docker's DNS {did}"
        said = "allowed" if probe.expected else "denied"
        did = "connected" if self.reached else "were blocked"
        detail = f" ({self.detail})" if self.detail else ""
        return f"{probe.describe()}: netkit computes {said}, the engines {did}{detail}"


def live_containers(running: NetworkModel) -> dict[str, LiveContainer]:
    """The running containers of an engines' model, by `host/name[Container]`."""
    found: dict[str, LiveContainer] = {}
    for container in running.docker_containers:
        live = LiveContainer(
            host_of(container),
            container.name,
            container.id,
            {a.network: a.address for a in container.networks if a.address},
        )
        found[live.ref] = live
    return found


def gateways(running: NetworkModel) -> dict[tuple[str, str], str]:
    """(host, network) -> the IPv4 gateway of that network on that host."""
    found: dict[tuple[str, str], str] = {}
    for network in running.docker_networks:
        for space in network.subnets:
            if space.cidr.version != 4:
                continue
            # Docker records only a gateway it was given; its own is the first address.
            gateway = space.gateway or next(space.cidr.hosts(), None)
            if gateway is not None:
                found.setdefault((space.host or host_of(network), network.name), str(gateway))
    return found


def plan(
    reach: DockerReachability,
    running: NetworkModel,
    *,
    limit: int = 2000,
    name_samples: int = 2,
) -> list[DockerProbe]:
    """Every probe for the containers of `reach` that run on the engines of `running`;
    ValueError beyond `limit`."""
    live = live_containers(running)
    gates = gateways(running)
    model = reach.model
    topology = reach.topology
    containers = {container_ref(c): (i, c) for i, c in enumerate(model.docker_containers)}
    chosen = [ref for ref in sorted(containers) if ref in live]
    probes: list[DockerProbe] = []
    for src_ref in chosen:
        src_index, src = containers[src_ref]
        runner = live[src_ref]
        src_peer = reach.peer(src_ref)
        for dst_ref in sorted(containers):
            if dst_ref == src_ref:
                continue
            dst_index, dst = containers[dst_ref]
            allowed = reach.allowed(src_peer, dst_ref)
            network = _carrier(topology, src_index, dst_index, carrying=not allowed.is_empty)
            if network is None and allowed.is_empty:
                continue  # nothing shared by name: isolation is Docker's default, not probed
            target, missing = _address(live.get(dst_ref), dst_ref, network)
            for port in sorted({(p.port, p.protocol.upper()) for p in dst.ports}):
                kind = ProbeKind.UDP if port[1] == "UDP" else ProbeKind.TCP
                probes.append(
                    DockerProbe(
                        kind, src_peer, dst_ref, runner, target,
                        allowed.allows(port[1], port[0]), port[0], missing=missing,
                    )
                )  # fmt: skip
        probes.extend(_name_probes(reach, src_peer, runner, live, name_samples))
        host_probe = _host_probe(reach, src_peer, src_index, src, runner, gates)
        if host_probe is not None:
            probes.append(host_probe)
        probes.extend(_published_probes(reach, src_peer, src, runner))
    if len(probes) > limit:
        raise ValueError(f"{len(probes)} probes, more than the limit of {limit}")
    return probes


def _carrier(topology: Topology, src: int, dst: int, *, carrying: bool) -> str | None:
    """The network to try the pair on: one that carries it when netkit says it is
    allowed; when denied, one they share by name (ICC off, a bridge of another host)."""
    src_members = topology.of_container[src]
    dst_segments = {m.segment for m in topology.of_container[dst]}
    for member in src_members:
        if member.segment in dst_segments and (member.segment.carries_containers or not carrying):
            return member.segment.name
    if carrying:
        return None
    dst_names = {a.network for a in topology.model.docker_containers[dst].networks}
    for attachment in topology.model.docker_containers[src].networks:
        if attachment.network in dst_names:
            return attachment.network
    return None


def _address(live: LiveContainer | None, ref: str, network: str | None) -> tuple[str, str]:
    if live is None:
        return "", f"{ref} is not running"
    if network is not None and network in live.addresses:
        return live.addresses[network], ""
    if network is not None:
        return "", f"{ref} has no address on {network}"
    return "", f"{ref} shares no network"


def _name_probes(
    reach: DockerReachability,
    src: Peer,
    runner: LiveContainer,
    live: Mapping[str, LiveContainer],
    samples: int,
) -> list[DockerProbe]:
    probes: list[DockerProbe] = []
    for answer in reach.names(src):
        expected = frozenset(
            address
            for peer, network in answer.targets
            if (target := live.get(peer.name)) is not None
            and (address := target.addresses.get(network))
        )
        probes.append(
            DockerProbe(
                ProbeKind.NAME, src, answer.name, runner, answer.name, True,
                expected_addresses=expected,
            )
        )  # fmt: skip
    for name in reach.unresolved(src, samples):
        probes.append(DockerProbe(ProbeKind.NAME, src, name, runner, name, False))
    return probes


def _host_probe(
    reach: DockerReachability,
    src: Peer,
    index: int,
    container: DockerContainer,
    runner: LiveContainer,
    gates: Mapping[tuple[str, str], str],
) -> DockerProbe | None:
    """`ping` of the gateway that carries the container to its host (when netkit says
    it is cut off: of the gateway of a network it is on); None when no network of it has
    a gateway to try (a container on `host` or `none`)."""
    host = host_of(container)
    host_peer = reach.peer(host_ref(host))
    allowed = not reach.allowed(src, host_peer).is_empty
    members = reach.topology.of_container[index]
    chosen = [m for m in members if m.segment.reaches_host == allowed] or members
    # A bridge's gateway first: it tests the host's own rules (netkit's nkint- drop).
    chosen.sort(key=lambda m: m.segment.network.driver == "overlay")
    for member in chosen:
        network = member.segment.name
        if member.segment.network.driver == "overlay":
            network = GATEWAY_BRIDGE
        gateway = gates.get((host, network), "")
        if gateway:
            return DockerProbe(ProbeKind.HOST, src, host_peer.name, runner, gateway, allowed)
    return None


def _published_probes(
    reach: DockerReachability, peer: Peer, container: DockerContainer, runner: LiveContainer
) -> list[DockerProbe]:
    """Each TCP port the container publishes, tried from its host at the bound address
    (the loopback for 0.0.0.0, :: and ""): netkit expects it open when the host reaches it
    (Docker publishes nothing for a container on internal networks only)."""
    host = reach.peer(host_ref(host_of(container)))
    allowed = reach.allowed(host, peer)
    probes: list[DockerProbe] = []
    for port in container.published:
        if port.protocol.lower() != "tcp" or port.host_port is None:
            continue
        bound = port.host_ip.strip("[]")
        target = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(bound, bound)
        probes.append(
            DockerProbe(
                ProbeKind.PUBLISHED, host, peer.name, runner, target,
                allowed.allows("TCP", port.container_port), port.host_port,
            )
        )  # fmt: skip
    return probes


CONNECT = (
    "import socket, sys\n"
    "try:\n"
    "    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3])).close()\n"
    "except OSError as error:\n"
    "    print(error.strerror or error); sys.exit(1)\n"
)
"""A TCP connect in Python, run on a host (its network namespace) by `HostExec`."""

HostExec = Callable[[str, list[str]], tuple[int, str]]
"""Run `python -c CONNECT ADDRESS PORT WAIT`'s arguments on a host: exit code and output;
the host's name is the first argument."""

Exec = Callable[[LiveContainer, list[str]], tuple[int, str]]
"""Run a command in a running container: exit code and output."""

_ADDRESS = re.compile(r"^Address(?:\s+\d+)?:\s*([0-9.]+)\s*$", re.M)


def command(probe: DockerProbe) -> list[str]:
    """The busybox command run in the source container (for a published port: the
    arguments of `CONNECT`, run on the host)."""
    if probe.kind is ProbeKind.PUBLISHED:
        return [probe.target, str(probe.port), str(WAIT)]
    if probe.kind is ProbeKind.TCP:
        return ["nc", "-w", str(WAIT), probe.target, str(probe.port)]
    if probe.kind is ProbeKind.UDP:
        # busybox traceroute sends its first datagram to the base port + 1.
        return [
            "busybox", "traceroute", "-n", "-q", "1", "-w", str(WAIT), "-m", "1",
            "-p", str(probe.port - 1), probe.target,
        ]  # fmt: skip
    if probe.kind is ProbeKind.NAME:
        return ["nslookup", probe.target]
    return ["ping", "-c", "1", "-W", str(WAIT), probe.target]


def judge(probe: DockerProbe, code: int, output: str) -> DockerOutcome:
    """What a probe's command said."""
    if probe.kind is ProbeKind.PUBLISHED:
        return DockerOutcome(probe, code == 0, "" if code == 0 else output.strip().lower())
    if code in (126, 127) or "executable file not found" in output:
        return DockerOutcome(probe, False, f"cannot run {command(probe)[0]} there")
    if probe.kind is ProbeKind.NAME:
        answers = output.split("Name:", 1)[1] if "Name:" in output else ""
        addresses = frozenset(_ADDRESS.findall(answers))
        return DockerOutcome(probe, code == 0 and bool(addresses), addresses=addresses)
    if probe.kind is ProbeKind.UDP:
        hops = [line.split() for line in output.splitlines() if line.strip().startswith("1 ")]
        reached = any(len(hop) > 1 and hop[1] == probe.target for hop in hops)
        return DockerOutcome(probe, reached, "" if reached else "no answer")
    if code == 0:
        return DockerOutcome(probe, True)
    text = output.strip().splitlines()
    reason = text[-1] if text else f"exit {code}"
    return DockerOutcome(probe, False, reason.removeprefix("nc: "))


def run(
    probes: Sequence[DockerProbe],
    execute: Exec,
    *,
    on_host: HostExec | None = None,
    deadline: float = 900,
    parallel: int = 8,
) -> list[DockerOutcome]:
    """Each probe from inside its source container (a published port's from its host,
    through `on_host`), `parallel` at a time, within `deadline` seconds in all
    (TimeoutError beyond); outcomes in the order of `probes`."""

    def one(probe: DockerProbe) -> DockerOutcome:
        if probe.missing:
            return DockerOutcome(probe, False, probe.missing)
        if probe.kind is ProbeKind.PUBLISHED:
            if on_host is None:
                return DockerOutcome(probe, False, "this host cannot be probed from here")
            code, output = on_host(probe.runner.host, command(probe))
        else:
            code, output = execute(probe.runner, command(probe))
        return judge(probe, code, output)

    return run_within(probes, one, deadline=deadline, parallel=parallel)
