"""Matching as Kubernetes reads NetworkPolicies: pods, external ranges, peers and ports.

The pieces both evaluators share: the bulk engine (`engine`) uses them to build its
bitsets, the pair-by-pair reading (`explanation`) calls them directly.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from netkit.model import (
    NAMESPACE_NAME_LABEL,
    ContainerPort,
    IPBlock,
    Labels,
    NetworkModel,
    NetworkPolicy,
    PolicyPeer,
    PolicyRule,
    Service,
    Workload,
    frozen_labels,
)
from netkit.portset import ConnectionSet

ALL = ConnectionSet.all()
NONE = ConnectionSet.none()


@dataclass(frozen=True)
class Pod:
    """A pod as policies see it: namespace (with labels), labels, container ports."""

    namespace: str
    namespace_labels: Labels
    labels: Labels
    ports: tuple[ContainerPort, ...]


@dataclass(frozen=True)
class Atom:
    """A range of external addresses no ipBlock boundary splits."""

    version: int
    first: int
    last: int

    @property
    def first_text(self) -> str:
        return address_text(self.version, self.first)

    @property
    def last_text(self) -> str:
        return address_text(self.version, self.last)

    @property
    def name(self) -> str:
        return f"{self.first_text}-{self.last_text}[External]"


def address_text(version: int, value: int) -> str:
    if version == 4:
        return str(ipaddress.IPv4Address(value))
    return str(ipaddress.IPv6Address(value))


def pod_shapes(workload: Workload) -> list[tuple[Labels, tuple[ContainerPort, ...]]]:
    shapes = [(workload.labels, workload.ports)]
    shapes.extend((variant.labels, variant.ports) for variant in workload.pod_variants)
    return shapes


def pods_of(model: NetworkModel, workload: Workload) -> list[Pod]:
    labels = model.namespace(workload.namespace).effective_labels()
    return [
        Pod(workload.namespace, labels, pod_labels, ports)
        for pod_labels, ports in pod_shapes(workload)
    ]


def hypothetical_pod(
    namespace_labels: Mapping[str, str],
    pod_labels: Mapping[str, str],
    ports: Sequence[ContainerPort],
) -> Pod:
    name = namespace_labels.get(NAMESPACE_NAME_LABEL, "")
    return Pod(name, frozen_labels(namespace_labels), frozen_labels(pod_labels), tuple(ports))


def named_port(ports: Sequence[ContainerPort], name: str) -> ContainerPort | None:
    """The pod's container port called `name` (the first one, as Kubernetes resolves it)."""
    for port in ports:
        if port.name == name:
            return port
    return None


def peer_matches_pod(policy: NetworkPolicy, peer: PolicyPeer, pod: Pod) -> bool:
    if peer.ip_block is not None:
        return False  # ipBlocks match external addresses only
    if peer.namespace_selector is None:
        if pod.namespace != policy.namespace:
            return False
    elif not peer.namespace_selector.matches(pod.namespace_labels):
        return False
    return peer.pod_selector is None or peer.pod_selector.matches(pod.labels)


def block_pieces(block: IPBlock) -> list[tuple[int, int]]:
    """The cidr minus its excepts, as sorted disjoint inclusive integer ranges."""
    lo, hi = int(block.cidr.network_address), int(block.cidr.broadcast_address)
    holes = sorted(
        (max(int(h.network_address), lo), min(int(h.broadcast_address), hi))
        for h in block.excepts
        if h.version == block.cidr.version
    )
    pieces: list[tuple[int, int]] = []
    start = lo
    for hole_lo, hole_hi in holes:
        if hole_lo > hole_hi:
            continue
        if hole_lo > start:
            pieces.append((start, hole_lo - 1))
        start = max(start, hole_hi + 1)
    if start <= hi:
        pieces.append((start, hi))
    return pieces


def peer_matches_atom(peer: PolicyPeer, atom: Atom) -> bool:
    block = peer.ip_block
    if block is None or block.cidr.version != atom.version:
        return False
    return any(lo <= atom.first and atom.last <= hi for lo, hi in block_pieces(block))


def split_ports(rule: PolicyRule) -> tuple[ConnectionSet, tuple[tuple[str, str], ...]]:
    """A rule's ports as (what numbers and whole protocols allow, (protocol, name) pairs)."""
    if not rule.ports:
        return ALL, ()
    fixed = NONE
    named: list[tuple[str, str]] = []
    for port in rule.ports:
        protocol = port.protocol.upper()
        if port.port is None:
            fixed |= ConnectionSet.protocol(protocol)
        elif isinstance(port.port, int):
            fixed |= ConnectionSet.ports(protocol, port.port, port.end_port or port.port)
        else:
            named.append((protocol, port.port))
    return fixed, tuple(named)


def rule_conns(rule: PolicyRule, dst_ports: Sequence[ContainerPort] | None) -> ConnectionSet:
    """What a rule's `ports` allow towards a destination with `dst_ports` (None: an address)."""
    result, named = split_ports(rule)
    if dst_ports is None:
        return result  # named ports never resolve on an address
    for protocol, name in named:
        resolved = named_port(dst_ports, name)
        if resolved is not None and resolved.protocol.upper() == protocol:
            result |= ConnectionSet.ports(protocol, resolved.port)
    return result


def service_targets(service: Service, port: int | str | None) -> list[int | str]:
    """The pod ports a backend reaches through `service` (netpol-analyzer's reading).

    No port: every target port of the Service. Otherwise the first Service port whose
    name, number or target port equals `port`.
    """
    if port is None:
        return [sp.target_port for sp in service.ports]
    for sp in service.ports:
        if (isinstance(port, str) and sp.name == port) or sp.port == port or sp.target_port == port:
            return [sp.target_port]
    return []


def target_conns(ports: Sequence[ContainerPort], targets: Sequence[int | str]) -> ConnectionSet:
    """TCP ports among `targets` that the pod declares (named targets resolved)."""
    result = NONE
    for target in targets:
        if isinstance(target, str):
            resolved = named_port(ports, target)
            if resolved is not None and resolved.protocol.upper() == "TCP":
                result |= ConnectionSet.ports("TCP", resolved.port)
        elif any(p.port == target and p.protocol.upper() == "TCP" for p in ports):
            result |= ConnectionSet.ports("TCP", target)
    return result
