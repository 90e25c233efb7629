"""Declared intent against reachability: what is declared but denied, allowed but undeclared.

`check_intent(model)` compares the stack's declared connections (`model.connections`)
with what its NetworkPolicies allow (`netkit.reachability`) and returns typed findings;
the policy rule `k8s-networkpolicy-intent-matches-reachability` only words them.

- Declared, not allowed: a connection naming a workload the model lacks
  (`MissingWorkload`), declared ports a policy denies between two workloads
  (`DeniedDeclared`), a declared CIDR not wholly allowed (`ExternalNotCovered`).
- Allowed, not declared (`Undeclared`): every allowed connection that no declared one
  covers, except traffic to the cluster DNS and the ingress controller's (the Ingress
  declares it). The first `max_per_source` of a source are reported one by one, the rest
  of that source in one `MoreUndeclared`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

from netkit.model import (
    DeclaredConnection,
    Endpoint,
    IPNetwork,
    NetworkModel,
    PolicyPort,
    Workload,
)
from netkit.portset import ConnectionSet
from netkit.reachability import (
    Connection,
    Direction,
    Explanation,
    Peer,
    PeerKind,
    Reachability,
    analyze,
)

DNS_CONNECTIONS = ConnectionSet.ports("UDP", 53) | ConnectionSet.ports("TCP", 53)
"""What every pod may send the cluster DNS without declaring it."""


@dataclass(frozen=True)
class MissingWorkload:
    """A declared connection names a workload (`endpoint`) its namespace does not have."""

    connection: DeclaredConnection
    endpoint: Endpoint


@dataclass(frozen=True)
class DeniedDeclared:
    """Part of a declared connection between two workloads is denied."""

    src: Workload
    dst: Workload
    declared: ConnectionSet
    missing: ConnectionSet
    explanation: Explanation
    blame: Workload
    """The side whose policies deny it: the source when its egress does, else the destination."""


@dataclass(frozen=True)
class ExternalNotCovered:
    """A declared connection to (`outgoing`) or from a CIDR is not allowed for all of it."""

    workload: Workload
    cidr: IPNetwork
    declared: ConnectionSet
    outgoing: bool


@dataclass(frozen=True)
class Undeclared:
    """`src` may send `dst` more (`extra`) than the declared connections cover (`covered`)."""

    src: Peer
    dst: Peer
    extra: ConnectionSet
    covered: ConnectionSet
    explanation: Explanation
    blame: Workload
    """The source when its egress is open (or the destination is external), else the destination."""

    def open_sides(self) -> list[tuple[Direction, str]]:
        """(direction, namespace) of each end no policy isolates for that direction."""
        egress, ingress = self.explanation.egress, self.explanation.ingress
        return [
            (verdict.direction, peer.workload.namespace)
            for verdict, peer in ((egress, self.src), (ingress, self.dst))
            if verdict is not None and not verdict.isolated and peer.workload is not None
        ]


@dataclass(frozen=True)
class MoreUndeclared:
    """The undeclared destinations of `src` beyond the first `max_per_source`."""

    src: Peer
    destinations: tuple[Peer, ...]


IntentFinding = MissingWorkload | DeniedDeclared | ExternalNotCovered | Undeclared | MoreUndeclared


def check_intent(
    model: NetworkModel,
    reach: Reachability | None = None,
    *,
    exempt: Collection[str] = (),
    check_external: bool = True,
    max_per_source: int = 5,
) -> Iterator[IntentFinding]:
    """Every mismatch between `model.connections` and what `reach` (default:
    `analyze(model)`) allows: first what is declared but denied, then what is allowed but
    undeclared. `exempt` namespaces' own traffic is not compared; `check_external: False`
    skips traffic to and from addresses outside the cluster. Nothing for a model without
    declared intent (plain manifests)."""
    if model.connections is None:
        return
    intent = _Intent(model, reach or analyze(model), exempt, check_external, max_per_source)
    yield from intent.missing()
    yield from intent.extra()


def declared_set(ports: Iterable[PolicyPort], destination: Workload | None) -> ConnectionSet:
    """What declared `ports` allow; named ports resolve on `destination`'s container ports."""
    result = ConnectionSet.none()
    for port in ports:
        if port.port is None:
            result |= ConnectionSet.protocol(port.protocol)
        elif isinstance(port.port, int):
            result |= ConnectionSet.ports(port.protocol, port.port, port.end_port or port.port)
        elif destination is not None:
            for container in destination.ports:
                if container.name == port.port and container.protocol == port.protocol:
                    result |= ConnectionSet.ports(port.protocol, container.port)
    return result


def _endpoint_matches(endpoint: Endpoint, workload: Workload) -> bool:
    return (
        endpoint.cidr is None
        and endpoint.namespace == workload.namespace
        and (
            endpoint.workload is None
            or endpoint.workload == workload.name
            or workload.labels.get("app") == endpoint.workload
        )
    )


def _peer_range(peer: Peer) -> tuple[int, int, int]:
    first, last = ipaddress.ip_address(peer.first), ipaddress.ip_address(peer.last)
    return first.version, int(first), int(last)


def _covers(ranges: list[tuple[int, int]], low: int, high: int) -> bool:
    """Whether the union of inclusive `ranges` covers `low`..`high`."""
    position = low
    for start, end in sorted(ranges):
        if start > position:
            return False
        position = max(position, end + 1)
        if position > high:
            return True
    return position > high


def _blame(src: Peer, dst: Peer, source_open: bool) -> Workload:
    if src.workload is not None and (dst.workload is None or source_open):
        return src.workload
    assert dst.workload is not None
    return dst.workload


class _Intent:
    """Declared connections, indexed for lookups by the namespaces of both ends."""

    def __init__(
        self,
        model: NetworkModel,
        reach: Reachability,
        exempt: Collection[str],
        check_external: bool,
        max_per_source: int,
    ) -> None:
        self.model = model
        self.reach = reach
        self.exempt = exempt
        self.check_external = check_external
        self.max_per_source = max_per_source
        self.workloads_by_namespace: dict[str, list[Workload]] = {}
        for workload in model.workloads:
            self.workloads_by_namespace.setdefault(workload.namespace, []).append(workload)
        self.by_namespaces: dict[tuple[str | None, str | None], list[DeclaredConnection]] = {}
        for conn in model.connections or ():
            key = (conn.source.namespace, conn.destination.namespace)
            self.by_namespaces.setdefault(key, []).append(conn)
        self.outgoing: dict[str, list[Connection]] = {}
        self.incoming: dict[str, list[Connection]] = {}
        for connection in reach.connections():
            self.outgoing.setdefault(connection.src.name, []).append(connection)
            self.incoming.setdefault(connection.dst.name, []).append(connection)

    def workloads(self, endpoint: Endpoint) -> list[Workload]:
        candidates = self.workloads_by_namespace.get(endpoint.namespace or "", ())
        return [w for w in candidates if _endpoint_matches(endpoint, w)]

    # -- declared, but not allowed

    def missing(self) -> Iterator[IntentFinding]:
        for conn in self.model.connections or ():
            source, destination = conn.source, conn.destination
            sources = None if source.cidr is not None else self.workloads(source)
            destinations = None if destination.cidr is not None else self.workloads(destination)
            for endpoint, found in ((source, sources), (destination, destinations)):
                if found is not None and not found and endpoint.workload is not None:
                    yield MissingWorkload(conn, endpoint)
            if sources is not None and destinations is not None:
                yield from self._missing_between(conn, sources, destinations)
            elif sources is not None and destination.cidr is not None:
                yield from self._missing_external(conn, sources, destination.cidr, outgoing=True)
            elif destinations is not None and source.cidr is not None:
                yield from self._missing_external(conn, destinations, source.cidr, outgoing=False)

    def _missing_between(
        self, conn: DeclaredConnection, sources: list[Workload], destinations: list[Workload]
    ) -> Iterator[DeniedDeclared]:
        for src in sources:
            for dst in destinations:
                if src is dst:
                    continue
                declared = declared_set(conn.ports, dst)
                missing = declared - self.reach.allowed(src, dst)
                if missing.is_empty:
                    continue
                explanation = self.reach.explain(src, dst)
                egress = explanation.egress
                egress_denies = egress is not None and not (declared - egress.allowed).is_empty
                blame = src if egress_denies else dst
                yield DeniedDeclared(src, dst, declared, missing, explanation, blame)

    def _missing_external(
        self,
        conn: DeclaredConnection,
        workloads: list[Workload],
        cidr: IPNetwork,
        *,
        outgoing: bool,
    ) -> Iterator[ExternalNotCovered]:
        low, high = int(cidr.network_address), int(cidr.broadcast_address)
        for workload in workloads:
            declared = declared_set(conn.ports, None if outgoing else workload)
            connections = (self.outgoing if outgoing else self.incoming).get(workload.ref, [])
            ranges = []
            for connection in connections:
                other = connection.dst if outgoing else connection.src
                if other.kind is not PeerKind.EXTERNAL:
                    continue
                version, first, last = _peer_range(other)
                if version == cidr.version and (declared - connection.conns).is_empty:
                    ranges.append((first, last))
            if not _covers(ranges, low, high):
                yield ExternalNotCovered(workload, cidr, declared, outgoing)

    # -- allowed, but not declared

    def _covered(self, src: Peer, dst: Peer) -> ConnectionSet:
        covered = ConnectionSet.none()
        if src.workload is not None and dst.workload is not None:
            key = (src.workload.namespace, dst.workload.namespace)
            candidates = [
                *self.by_namespaces.get(key, []),
                *self.by_namespaces.get((key[0], None), []),
                *self.by_namespaces.get((None, key[1]), []),
            ]
        elif src.workload is not None:
            candidates = self.by_namespaces.get((src.workload.namespace, None), [])
        elif dst.workload is not None:
            candidates = self.by_namespaces.get((None, dst.workload.namespace), [])
        else:
            return covered
        for conn in candidates:
            if self._side_matches(conn.source, src) and self._side_matches(conn.destination, dst):
                covered |= declared_set(conn.ports, dst.workload)
        return covered

    @staticmethod
    def _side_matches(endpoint: Endpoint, peer: Peer) -> bool:
        if peer.workload is not None:
            return _endpoint_matches(endpoint, peer.workload)
        if endpoint.cidr is None or peer.kind is not PeerKind.EXTERNAL:
            return False
        version, first, last = _peer_range(peer)
        cidr = endpoint.cidr
        return (
            version == cidr.version
            and int(cidr.network_address) <= first
            and last <= int(cidr.broadcast_address)
        )

    def _is_dns(self, peer: Peer) -> bool:
        workload = peer.workload
        return (
            workload is not None
            and workload.namespace == self.model.dns_namespace
            and all(workload.labels.get(k) == v for k, v in self.model.dns_labels.items())
        )

    def _compared(self, connection: Connection) -> bool:
        """Whether `connection` is compared with the declared ones at all."""
        src, dst = connection.src, connection.dst
        if PeerKind.INGRESS_CONTROLLER in (src.kind, dst.kind):
            return False  # Ingress backends: the Ingress declares that traffic
        ends = [p.workload.namespace for p in (src, dst) if p.workload is not None]
        if all(namespace in self.exempt for namespace in ends):
            return False
        external = PeerKind.EXTERNAL in (src.kind, dst.kind)
        return self.check_external or not external

    def extra(self) -> Iterator[IntentFinding]:
        shown: dict[str, int] = {}
        rest: dict[str, list[Peer]] = {}
        sources: dict[str, Peer] = {}
        for connection in self.reach.connections():
            if not self._compared(connection):
                continue
            src, dst = connection.src, connection.dst
            conns = connection.conns
            if self._is_dns(dst):
                conns = conns - DNS_CONNECTIONS
            covered = self._covered(src, dst)
            extra = conns - covered
            if extra.is_empty:
                continue
            if shown.get(src.name, 0) >= self.max_per_source:
                rest.setdefault(src.name, []).append(dst)
                sources[src.name] = src
                continue
            shown[src.name] = shown.get(src.name, 0) + 1
            explanation = self.reach.explain(src, dst)
            egress = explanation.egress
            blame = _blame(src, dst, egress is not None and not egress.isolated)
            yield Undeclared(src, dst, extra, covered, explanation, blame)
        for name, destinations in rest.items():
            yield MoreUndeclared(sources[name], tuple(destinations))
