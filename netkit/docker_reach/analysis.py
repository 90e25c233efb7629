"""`analyze_docker(model)`: who reaches whom among Docker containers, hosts and the outside.

Docker's own rules, as the engines here enforce them (Docker 20.10, measured):

- Containers that share a network reach each other on every port: an overlay across
  hosts, a bridge only on its own host. Different networks are isolated from each other.
- A bridge with `com.docker.network.bridge.enable_icc=false` drops traffic between its
  containers (names still resolve). The option means nothing to an overlay.
- `internal` networks have no route off the host. A container reaches the outside (every
  external address) only through a network that is not internal.
- A container reaches its own host's services through a bridge's gateway (internal or
  not: moby/libnetwork#1151), except on netkit's `nkint-` bridges, whose new connections
  to the host netkit's engines drop; through a non-internal overlay via `docker_gwbridge`.
- Published ports exist only when the container has a network that is not internal
  (Docker sets up no port mapping otherwise). Bound to a loopback address they reach the
  host only; to 0.0.0.0 (or ::) every external IPv4 (IPv6) address too; to "" both; to a
  specific address, whatever reaches that address of the host.
- Embedded DNS: on each user-defined network a container resolves the names (container
  name and that network's aliases) of every container attached to it; nothing across
  networks, nothing on the default bridge.

Connections between containers carry every port (Docker filters none); those to and from
published ports carry the container port. Not modelled: swarm services and their VIPs and
routing mesh, `DOCKER-USER` rules, legacy links, host-network containers.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from netkit.docker_reach.topology import Member, Topology, host_of
from netkit.model import DockerContainer, NetworkModel, PublishedPort
from netkit.portset import ConnectionSet
from netkit.reachability.results import (
    Connection,
    Explanation,
    Peer,
    PeerKind,
    UnknownPeerError,
)

ALL = ConnectionSet.all()
NONE = ConnectionSet.none()

EXTERNAL_V4 = Peer(
    PeerKind.EXTERNAL, "0.0.0.0-255.255.255.255[External]", first="0.0.0.0", last="255.255.255.255"
)
_V6_LAST = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
EXTERNAL_V6 = Peer(PeerKind.EXTERNAL, f"::-{_V6_LAST}[External]", first="::", last=_V6_LAST)


def container_ref(container: DockerContainer) -> str:
    """`host/name[Container]`, the connlist notation."""
    return f"{host_of(container)}/{container.name}[Container]"


def host_ref(host: str) -> str:
    return f"{host}[Host]"


@dataclass(frozen=True)
class NameAnswer:
    """A name a container resolves through Docker's embedded DNS, and to whom."""

    src: Peer
    name: str
    targets: tuple[tuple[Peer, str], ...]
    """(container, network) pairs the name answers with."""


@dataclass(frozen=True)
class _Publish:
    peer: Peer
    conns: ConnectionSet
    line: str


def analyze_docker(model: NetworkModel) -> DockerReachability:
    """Every connection Docker allows among the model's containers, hosts and outside."""
    return DockerReachability(model)


class DockerReachability:
    """The result of `analyze_docker`."""

    def __init__(self, model: NetworkModel) -> None:
        self.model = model
        self.topology = Topology(model)
        containers = model.docker_containers
        self._peers = [Peer(PeerKind.CONTAINER, container_ref(c)) for c in containers]
        self._index = {peer.name: i for i, peer in enumerate(self._peers)}
        hosts = sorted({host_of(c) for c in containers})
        self._hosts = {host_ref(h): Peer(PeerKind.HOST, host_ref(h)) for h in hosts}
        self._connections: list[Connection] | None = None

    # -- peers

    def peers(self) -> list[Peer]:
        """Every container as a peer, sorted by name."""
        return sorted(self._peers, key=lambda p: p.name)

    def host_peers(self) -> list[Peer]:
        return [self._hosts[name] for name in sorted(self._hosts)]

    def peer(self, name: str | Peer) -> Peer:
        if isinstance(name, Peer):
            return name
        if name in self._index:
            return self._peers[self._index[name]]
        if name in self._hosts:
            return self._hosts[name]
        for external in (EXTERNAL_V4, EXTERNAL_V6):
            if name == external.name:
                return external
        raise UnknownPeerError(f"{name!r} is not a container, host or peer of the Docker model")

    def has_peer(self, name: str) -> bool:
        return name in self._index or name in self._hosts

    def container(self, peer: Peer | str) -> DockerContainer:
        found = self.peer(peer)
        if found.kind is not PeerKind.CONTAINER:
            raise UnknownPeerError(f"{found} is not a container")
        return self.model.docker_containers[self._index[found.name]]

    # -- connections

    def connections(self) -> list[Connection]:
        """Every allowed connection, sorted by source then destination name."""
        if self._connections is None:
            peers = self._peers
            order = sorted(range(len(peers)), key=lambda i: peers[i].name)
            rank = [0] * len(peers)
            for position, i in enumerate(order):
                rank[i] = position
            pairs = self._container_pairs()
            # Per source: its containers in name order, then the few other ends (host,
            # outside) put in their place; sources in name order. No sort of every line.
            out: dict[str, list[Connection]] = {}
            extra: dict[str, list[Connection]] = {}
            for index in order:
                src = peers[index]
                targets = sorted(pairs.get(index, ()), key=rank.__getitem__)
                out[src.name] = [Connection(src, peers[d], ALL) for d in targets]
                container = self.model.docker_containers[index]
                members = self.topology.of_container[index]
                host = self._hosts[host_ref(host_of(container))]
                if any(m.segment.reaches_host for m in members):
                    extra.setdefault(src.name, []).append(Connection(src, host, ALL))
                if any(m.segment.reaches_off_host for m in members):
                    extra.setdefault(src.name, []).append(Connection(src, EXTERNAL_V4, ALL))
                for peer, conns in self._published(index).items():
                    extra.setdefault(peer.name, []).append(Connection(peer, src, conns))
            result: list[Connection] = []
            for name in sorted(out.keys() | extra.keys()):
                listed = out.get(name, [])
                for connection in extra.get(name, ()):
                    names = [c.dst.name for c in listed]
                    listed.insert(bisect.bisect(names, connection.dst.name), connection)
                result.extend(listed)
            self._connections = result
        return list(self._connections)

    def allowed(self, src: Peer | str, dst: Peer | str) -> ConnectionSet:
        return self.explain(src, dst).allowed

    def _container_pairs(self) -> dict[int, set[int]]:
        """Source container -> the containers it reaches (by position in the model)."""
        pairs: dict[int, set[int]] = {}
        index = {id(c): i for i, c in enumerate(self.model.docker_containers)}
        for segment, members in self.topology.members.items():
            if not segment.carries_containers:
                continue
            ids = {index[id(m.container)] for m in members}
            for s in ids:
                pairs.setdefault(s, set()).update(ids)
        for s, targets in pairs.items():
            targets.discard(s)
        return {s: targets for s, targets in pairs.items() if targets}

    def _published(self, index: int) -> dict[Peer, ConnectionSet]:
        found: dict[Peer, ConnectionSet] = {}
        for publish in self._publishes(index):
            found[publish.peer] = found.get(publish.peer, NONE) | publish.conns
        return found

    def _publishes(self, index: int) -> list[_Publish]:
        container = self.model.docker_containers[index]
        members = self.topology.of_container[index]
        if not any(m.segment.reaches_off_host for m in members):
            return []
        host = host_of(container)
        result: list[_Publish] = []
        for port in container.published:
            conns = ConnectionSet.ports(port.protocol.upper(), port.container_port)
            for peer, meaning in self._bound_peers(host, port.host_ip):
                result.append(_Publish(peer, conns, _publish_line(host, port, meaning)))
        return result

    def _bound_peers(self, host: str, bound: str) -> list[tuple[Peer, str]]:
        me = self._hosts[host_ref(host)]
        if bound == "":
            return [
                (me, f"every address of {host}"),
                (EXTERNAL_V4, "every IPv4 address"),
                (EXTERNAL_V6, "every IPv6 address"),
            ]
        address = ipaddress.ip_address(bound.strip("[]"))
        if address.is_loopback:
            return [(me, f"the loopback of {host}: the host only")]
        external = EXTERNAL_V4 if address.version == 4 else EXTERNAL_V6
        if address.is_unspecified:
            return [(me, f"every address of {host}"), (external, "every external address")]
        return [
            (me, f"that address of {host}"),
            (external, f"whoever reaches {address} on {host}"),
        ]

    # -- explanations

    def explain(self, src: Peer | str, dst: Peer | str) -> Explanation:
        """The networks (or published ports) that carry `src` → `dst`, or why none does."""
        src_peer, dst_peer = self.peer(src), self.peer(dst)
        if src_peer.kind is PeerKind.CONTAINER and dst_peer.kind is PeerKind.CONTAINER:
            return self._explain_pair(src_peer, dst_peer)
        if src_peer.kind is PeerKind.CONTAINER:
            return self._explain_out(src_peer, dst_peer)
        if dst_peer.kind is PeerKind.CONTAINER:
            return self._explain_in(src_peer, dst_peer)
        raise UnknownPeerError(f"{src_peer} => {dst_peer}: one end must be a container")

    def _members(self, peer: Peer) -> list[Member]:
        return self.topology.of_container[self._index[peer.name]]

    def _strays(self, peer: Peer) -> list[str]:
        container = self.container(peer)
        return [s.reason for s in self.topology.strays if s.container is container]

    def _explain_pair(self, src: Peer, dst: Peer) -> Explanation:
        src_members, dst_members = self._members(src), self._members(dst)
        dst_segments = {m.segment: m for m in dst_members}
        lines: list[str] = []
        allowed = NONE
        for member in src_members:
            other = dst_segments.get(member.segment)
            if other is None:
                continue
            segment = member.segment
            names = ", ".join(_names(other)) if segment.serves_names else ""
            resolves = f"; {src.name.split('[')[0]} resolves {names} to it there" if names else ""
            if segment.carries_containers:
                allowed = ALL
                lines.append(f"network: {segment.describe()}: both attached{resolves}")
            elif segment.network.driver == "bridge":
                lines.append(
                    f"network: {segment.describe()}: both attached, but enable_icc=false "
                    f"drops traffic between its containers{resolves}"
                )
            else:
                lines.append(
                    f"network: {segment.describe()}: the {segment.network.driver} driver "
                    "carries no traffic between containers"
                )
        lines.extend(f"network: {reason}" for reason in self._strays(src) + self._strays(dst))
        if not lines:
            lines.append(
                f"network: none shared: {_on(src_members)} for the source, {_on(dst_members)} "
                "for the destination; Docker isolates networks from each other"
            )
        return Explanation(src, dst, allowed, None, None, tuple(lines))

    def _explain_out(self, src: Peer, dst: Peer) -> Explanation:
        members = self._members(src)
        container = self.container(src)
        lines: list[str] = []
        allowed = NONE
        if dst.kind is PeerKind.HOST:
            if dst.name != host_ref(host_of(container)):
                return Explanation(
                    src, dst, NONE, None, None,
                    (f"host: {src} runs on {host_of(container)}, not {dst}",),
                )  # fmt: skip
            for member in members:
                segment = member.segment
                if segment.reaches_host:
                    allowed = ALL
                    how = "the host holds its gateway" if segment.host else "via docker_gwbridge"
                    lines.append(f"network: {segment.describe()}: {how}")
                elif segment.network.driver == "overlay":
                    lines.append(
                        f"network: {segment.describe()}: an internal overlay has no "
                        "docker_gwbridge, so no way to the host"
                    )
                else:
                    lines.append(
                        f"network: {segment.describe()}: netkit's engines drop new connections "
                        f"from its bridge {segment.network.bridge_name} (nkint-*) to the host"
                    )
        elif dst.kind is PeerKind.EXTERNAL:
            for member in members:
                segment = member.segment
                if segment.reaches_off_host:
                    if dst is EXTERNAL_V4 or dst.name == EXTERNAL_V4.name:
                        allowed = ALL
                    lines.append(f"network: {segment.describe()}: routed off the host")
                else:
                    lines.append(f"network: {segment.describe()}: internal, no route off the host")
        else:
            raise UnknownPeerError(f"{src} => {dst}: one end must be a container")
        if not lines:
            lines.append(f"network: {src} is on no network")
        return Explanation(src, dst, allowed, None, None, tuple(lines))

    def _explain_in(self, src: Peer, dst: Peer) -> Explanation:
        index = self._index[dst.name]
        container = self.model.docker_containers[index]
        lines = [p.line for p in self._publishes(index) if p.peer == src]
        allowed = self._published(index).get(src, NONE)
        if not lines:
            if not container.published:
                lines.append(f"published: {dst} publishes no port")
            elif not any(m.segment.reaches_off_host for m in self._members(dst)):
                lines.append(
                    f"published: {dst} has only internal networks, so Docker publishes none "
                    "of its ports"
                )
            else:
                lines.append(f"published: no port of {dst} is bound where {src} reaches it")
        return Explanation(src, dst, allowed, None, None, tuple(lines))

    def denied(self) -> list[tuple[Peer, Peer]]:
        """Pairs that share a network's name but not a segment that carries traffic (ICC
        off, a bridge of another host), containers cut off from their host, and published
        ports that Docker does not publish: what `--explain` lists as `No Connections`."""
        allowed = {(c.src.name, c.dst.name) for c in self.connections()}
        by_name: dict[str, list[int]] = {}
        for i, container in enumerate(self.model.docker_containers):
            for attachment in container.networks:
                by_name.setdefault(attachment.network, []).append(i)
        result: set[tuple[Peer, Peer]] = set()
        peers = self._peers
        for ids in by_name.values():
            for s in ids:
                for d in ids:
                    if s != d and (peers[s].name, peers[d].name) not in allowed:
                        result.add((peers[s], peers[d]))
        for i, container in enumerate(self.model.docker_containers):
            host = self._hosts[host_ref(host_of(container))]
            if self.topology.of_container[i] and (peers[i].name, host.name) not in allowed:
                result.add((peers[i], host))
            if container.published and not self._publishes(i):
                result.add((host, peers[i]))
        return sorted(result, key=lambda pair: (pair[0].name, pair[1].name))

    # -- names

    def names(self, src: Peer | str) -> list[NameAnswer]:
        """The names `src` resolves through Docker's embedded DNS, sorted."""
        src_peer = self.peer(src)
        answers: dict[str, list[tuple[Peer, str]]] = {}
        index = {id(c): i for i, c in enumerate(self.model.docker_containers)}
        for member in self._members(src_peer):
            segment = member.segment
            if not segment.serves_names:
                continue
            for other in self.topology.members[segment]:
                target = self._peers[index[id(other.container)]]
                for name in _names(other):
                    answers.setdefault(name, []).append((target, segment.name))
        return [
            NameAnswer(src_peer, name, tuple(dict.fromkeys(answers[name])))
            for name in sorted(answers)
        ]

    def unresolved(self, src: Peer | str, limit: int = 3) -> list[str]:
        """Up to `limit` names of the model that `src` does NOT resolve (names of
        containers it shares no network with), sorted: what a probe samples."""
        known = {answer.name for answer in self.names(src)}
        others: set[str] = set()
        for container in self.model.docker_containers:
            others.add(container.name)
            for attachment in container.networks:
                others.update(attachment.aliases)
        return sorted(others - known)[:limit]

    def name_lines(self, src: Peer | str) -> list[str]:
        """`names: NAME -> host/x[Container] on NETWORK, ...` lines for `src`."""
        return [
            f"names: {answer.name} -> "
            + ", ".join(f"{peer} on {network}" for peer, network in answer.targets)
            for answer in self.names(src)
        ]


def _names(member: Member) -> list[str]:
    return sorted({member.container.name, *member.attachment.aliases})


def _on(members: Sequence[Member]) -> str:
    if not members:
        return "no network"
    return ", ".join(m.segment.describe() for m in members)


def _publish_line(host: str, port: PublishedPort, meaning: str) -> str:
    bound = port.host_ip or "*"
    if ":" in bound:
        bound = f"[{bound}]"
    host_port = port.host_port if port.host_port is not None else "(a free port)"
    return (
        f"published: {bound}:{host_port} -> {port.container_port}/{port.protocol.lower()} "
        f"on {host} ({meaning})"
    )
