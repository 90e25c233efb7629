"""Focus: the part of a connectivity list or diff a question is about.

`netkit connlist` and `netkit diff` answer for every pair; the focus options narrow the
answer the way netpol-analyzer's `--focus-workload`, `--focus-workload-peer`,
`--focus-direction` and `--focus-conn` do, plus a verdict:

- a workload: pairs with it at either end (or, with a direction, at one end: ingress
  means it receives, egress that it sends);
- a peer: with a workload, only pairs whose other end is that peer;
- a port: connections narrowed to that protocol and port (pairs where it makes no
  difference drop out);
- allowed-only or denied-only: pairs where the (focused) connection is allowed, or
  denied by a policy; for a diff, lines that allow something new, or deny something that
  was allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from netkit.diff import ConnectionDiff, DiffType
from netkit.errors import InvalidValue
from netkit.peer_names import PeerSpec, parse_address
from netkit.ports import port_number, protocol
from netkit.portset import ConnectionSet
from netkit.reachability import (
    Connection,
    Direction,
    Explanation,
    Peer,
    PeerKind,
    Reachability,
)

if TYPE_CHECKING:
    from netkit.connectivity import Connectivity

__all__ = ["Focus", "PortFocus", "Verdict", "focus_connections", "focus_diffs", "parse_port"]

NONE = ConnectionSet.none()


class Verdict(StrEnum):
    ANY = "any"
    ALLOWED = "allowed"
    DENIED = "denied"


@dataclass(frozen=True)
class PortFocus:
    """One protocol and port, written `TCP/5432` (or `5432/TCP`, or `5432` for TCP)."""

    protocol: str
    port: int

    @property
    def conns(self) -> ConnectionSet:
        return ConnectionSet.ports(self.protocol, self.port)

    def __str__(self) -> str:
        return f"{self.protocol} {self.port}"


def parse_port(text: str) -> PortFocus:
    """`TCP/5432`, `udp/53`, `5432/TCP` or `5432` (TCP)."""
    first, slash, second = text.strip().partition("/")
    if not slash:
        return PortFocus("TCP", port_number(first, f"port {text!r}"))
    if first.isdigit():
        first, second = second, first
    try:
        name = protocol(first)
    except InvalidValue:
        raise InvalidValue(
            f"port {text!r}: write PROTOCOL/PORT, like 'TCP/5432' or 'UDP/53'"
        ) from None
    return PortFocus(name, port_number(second))


def _name_matches(spec: PeerSpec, name: str) -> bool:
    if spec.peer is not None:
        return name == spec.peer.name
    if spec.address is None or not name.endswith("[External]"):
        return False
    first_text, _, last_text = name.removesuffix("[External]").partition("-")
    first, last = parse_address(first_text), parse_address(last_text)
    if first is None or last is None or first.version != spec.address.version:
        return False
    return first <= spec.address <= last  # type: ignore[operator]


@dataclass(frozen=True)
class Focus:
    """What a question narrows the answer to; the default focuses on nothing."""

    workload: PeerSpec | None = None
    peer: PeerSpec | None = None
    """With `workload`: the other end."""
    direction: Direction | None = None
    """With `workload`: INGRESS, it receives; EGRESS, it sends."""
    port: PortFocus | None = None
    verdict: Verdict = Verdict.ANY

    def __post_init__(self) -> None:
        if self.workload is None and (self.peer is not None or self.direction is not None):
            raise InvalidValue(
                "--focus-peer and --focus-direction narrow --focus-workload; give "
                "--focus-workload NS/NAME too"
            )

    def selects(self, src: str, dst: str) -> bool:
        """Whether the pair `src` → `dst` (peer names) is in focus."""
        if self.workload is None:
            return True
        sends = _name_matches(self.workload, src) and (
            self.peer is None or _name_matches(self.peer, dst)
        )
        receives = _name_matches(self.workload, dst) and (
            self.peer is None or _name_matches(self.peer, src)
        )
        if self.direction is Direction.EGRESS:
            return sends
        if self.direction is Direction.INGRESS:
            return receives
        return sends or receives

    def selects_workload(self, name: str, direction: Direction) -> bool:
        """Whether an exposure line of workload `name` in `direction` is in focus."""
        if self.workload is None:
            return True
        return _name_matches(self.workload, name) and self.direction in (None, direction)

    def narrow(self, conns: ConnectionSet) -> ConnectionSet:
        return conns if self.port is None else conns & self.port.conns


def focus_connections(
    reach: Reachability | Connectivity, focus: Focus, *, explain: bool
) -> list[Connection | Explanation]:
    """The connlist rows in focus: connections (or explanations) narrowed to the port;
    with `explain` or a denied-only focus, the denied pairs too."""
    rows: list[Connection | Explanation] = []
    if focus.verdict is not Verdict.DENIED:
        for connection in reach.connections():
            if not focus.selects(connection.src.name, connection.dst.name):
                continue
            conns = focus.narrow(connection.conns)
            if conns.is_empty:
                continue
            if explain:
                rows.append(replace(reach.explain(connection.src, connection.dst), allowed=conns))
            else:
                rows.append(replace(connection, conns=conns))
    if focus.verdict is Verdict.DENIED or (explain and focus.verdict is Verdict.ANY):
        for src, dst in _denied_pairs(reach, focus):
            if explain:
                rows.append(replace(reach.explain(src, dst), allowed=NONE))
            else:
                rows.append(Connection(src, dst, NONE))
    return rows


def _denied_pairs(reach: Reachability | Connectivity, focus: Focus) -> list[tuple[Peer, Peer]]:
    if focus.port is None:
        pairs = reach.denied()
    else:
        workloads = [peer for peer in reach.peers() if peer.kind is PeerKind.WORKLOAD]
        pairs = [
            (src, dst)
            for src in workloads
            for dst in workloads
            if src != dst and not focus.narrow(reach.allowed(src, dst))
        ]
    return [(src, dst) for src, dst in pairs if focus.selects(src.name, dst.name)]


def focus_diffs(diffs: Sequence[ConnectionDiff], focus: Focus) -> list[ConnectionDiff]:
    """The diff lines in focus, their connections narrowed to the port."""
    result: list[ConnectionDiff] = []
    for d in diffs:
        if not focus.selects(d.src, d.dst):
            continue
        old, new = focus.narrow(d.old), focus.narrow(d.new)
        if old == new:
            continue
        if focus.verdict is Verdict.ALLOWED and (new - old).is_empty:
            continue
        if focus.verdict is Verdict.DENIED and (old - new).is_empty:
            continue
        kind = DiffType.CHANGED if old and new else DiffType.ADDED if new else DiffType.REMOVED
        result.append(replace(d, kind=kind, old=old, new=new))
    return result
