"""`ConnectionSet`: which protocols and ports a connection may use.

A value type: per protocol (TCP, UDP, SCTP) a normalized tuple of disjoint, non-adjacent
port intervals. Two sets with the same members are equal and hash alike however they were
built, so results can be compared, deduplicated and used as dict keys.

`str()` is the connectivity-list notation netpol-analyzer prints: `All Connections`,
`No Connections`, or protocol groups sorted by protocol name and joined with `,`, each
`PROTO p1,p2-p3` (`TCP 10053-10054,UDP 10053`). Every port of one protocol prints as
`TCP 1-65535`: only the set of all protocols and ports is `All Connections`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from netkit.digits import decimal
from netkit.errors import InvalidValue

__all__ = [
    "ALL_CONNECTIONS",
    "MAX_PORT",
    "MIN_PORT",
    "NO_CONNECTIONS",
    "PROTOCOLS",
    "ConnectionSet",
]

PROTOCOLS: tuple[str, ...] = ("SCTP", "TCP", "UDP")
"""Supported protocols, in the order the notation prints them (sorted by name)."""

MIN_PORT = 1
MAX_PORT = 65535

ALL_CONNECTIONS = "All Connections"
NO_CONNECTIONS = "No Connections"

Interval = tuple[int, int]
Ranges = tuple[Interval, ...]

_FULL: Ranges = ((MIN_PORT, MAX_PORT),)
_INDEX = {name: i for i, name in enumerate(PROTOCOLS)}


def _protocol_index(protocol: str) -> int:
    index = _INDEX.get(protocol.upper())
    if index is None:
        raise InvalidValue(f"protocol {protocol!r}: expected one of TCP, UDP, SCTP")
    return index


def _normalize(intervals: Iterable[Interval]) -> Ranges:
    """Sort, clip to 1-65535 and merge overlapping or adjacent intervals."""
    cleaned = sorted((max(lo, MIN_PORT), min(hi, MAX_PORT)) for lo, hi in intervals if lo <= hi)
    merged: list[Interval] = []
    for lo, hi in cleaned:
        if lo > hi:
            continue
        if merged and lo <= merged[-1][1] + 1:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return tuple(merged)


def _union(a: Ranges, b: Ranges) -> Ranges:
    if not a or b == _FULL:
        return b
    if not b or a == _FULL:
        return a
    return _normalize((*a, *b))


def _intersection(a: Ranges, b: Ranges) -> Ranges:
    if not a or not b:
        return ()
    if a == _FULL:
        return b
    if b == _FULL:
        return a
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        # Advance whichever interval ends first; the other may still overlap the next one.
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def _difference(a: Ranges, b: Ranges) -> Ranges:
    if not a or not b:
        return a
    out: list[Interval] = []
    j = 0
    for lo, hi in a:
        start = lo
        while j < len(b) and b[j][1] < start:
            j += 1
        k = j
        while k < len(b) and b[k][0] <= hi:
            if b[k][0] > start:
                out.append((start, b[k][0] - 1))
            start = max(start, b[k][1] + 1)
            if start > hi:
                break
            k += 1
        if start <= hi:
            out.append((start, hi))
    return tuple(out)


def _ranges_text(ranges: Ranges) -> str:
    return ",".join(f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in ranges)


class ConnectionSet:
    """An immutable set of (protocol, port) pairs over TCP, UDP and SCTP ports 1-65535.

    Build one with `ConnectionSet.all()`, `ConnectionSet.none()`,
    `ConnectionSet.ports("TCP", 8080)`, `ConnectionSet.ports("TCP", 8000, 8080)`,
    `ConnectionSet.protocol("UDP")` or `ConnectionSet.parse("TCP 53,UDP 53")`, and combine
    with `|`, `&` and `-` (or `union`, `intersection`, `difference`).
    """

    __slots__ = ("_hash", "_ranges")

    _ranges: tuple[Ranges, Ranges, Ranges]
    _hash: int

    def __init__(self, ports: Mapping[str, Iterable[Interval]] | None = None) -> None:
        """`ports` maps a protocol to inclusive `(first, last)` intervals; None: empty."""
        ranges: list[Ranges] = [(), (), ()]
        for protocol, intervals in (ports or {}).items():
            index = _protocol_index(protocol)
            ranges[index] = _normalize((*ranges[index], *intervals))
        self._set(ranges[0], ranges[1], ranges[2])

    def _set(self, sctp: Ranges, tcp: Ranges, udp: Ranges) -> None:
        self._ranges = (sctp, tcp, udp)
        self._hash = hash(self._ranges)

    @classmethod
    def _make(cls, sctp: Ranges, tcp: Ranges, udp: Ranges) -> ConnectionSet:
        # Internal fast path: the ranges are already normalized.
        new = cls.__new__(cls)
        new._set(sctp, tcp, udp)
        return new

    # ----------------------------------------------------------------- constructors

    @classmethod
    def all(cls) -> ConnectionSet:
        """Every port of every protocol."""
        return _ALL

    @classmethod
    def none(cls) -> ConnectionSet:
        """No connection at all."""
        return _NONE

    @classmethod
    def ports(cls, protocol: str, first: int, last: int | None = None) -> ConnectionSet:
        """Ports `first`..`last` (inclusive; `last` defaults to `first`) of `protocol`."""
        end = first if last is None else last
        for value in (first, end):
            if not MIN_PORT <= value <= MAX_PORT:
                raise InvalidValue(f"port {value!r}: ports are {MIN_PORT}-{MAX_PORT}")
        if end < first:
            raise InvalidValue(f"port range {first}-{end}: the end is before the start")
        return cls({protocol: [(first, end)]})

    @classmethod
    def protocol(cls, protocol: str) -> ConnectionSet:
        """Every port of one protocol."""
        return cls({protocol: _FULL})

    @classmethod
    def parse(cls, text: str) -> ConnectionSet:
        """The inverse of `str()`: `All Connections`, `No Connections`, `TCP 80,UDP 53-54`."""
        value = text.strip()
        if value == ALL_CONNECTIONS:
            return _ALL
        if value == NO_CONNECTIONS:
            return _NONE
        ports: dict[str, list[Interval]] = {}
        protocol = ""
        for part in value.split(","):
            item = part.strip()
            head, _, rest = item.partition(" ")
            if rest:
                protocol, item = head.upper(), rest.strip()
            if protocol not in _INDEX:
                raise InvalidValue(
                    f"connections {text!r}: expected 'All Connections' or 'TCP 80,UDP 53'"
                )
            first, _, last = item.partition("-")
            low, high = decimal(first), decimal(last or first)
            if low is None or high is None:
                raise InvalidValue(f"connections {text!r}: {item!r} is not a port or range")
            ports.setdefault(protocol, []).append((low, high))
        return cls(ports)

    # ----------------------------------------------------------------- algebra

    def union(self, other: ConnectionSet) -> ConnectionSet:
        if self is other or other is _NONE or self is _ALL:
            return self
        if self is _NONE or other is _ALL:
            return other
        a, b = self._ranges, other._ranges
        return ConnectionSet._make(_union(a[0], b[0]), _union(a[1], b[1]), _union(a[2], b[2]))

    def intersection(self, other: ConnectionSet) -> ConnectionSet:
        if self is other or other is _ALL or self is _NONE:
            return self
        if self is _ALL or other is _NONE:
            return other
        a, b = self._ranges, other._ranges
        return ConnectionSet._make(
            _intersection(a[0], b[0]), _intersection(a[1], b[1]), _intersection(a[2], b[2])
        )

    def difference(self, other: ConnectionSet) -> ConnectionSet:
        if other is _NONE or self is _NONE:
            return self
        if other is _ALL or self is other:
            return _NONE
        a, b = self._ranges, other._ranges
        return ConnectionSet._make(
            _difference(a[0], b[0]), _difference(a[1], b[1]), _difference(a[2], b[2])
        )

    __or__ = union
    __and__ = intersection
    __sub__ = difference

    # ----------------------------------------------------------------- queries

    @property
    def is_empty(self) -> bool:
        return not (self._ranges[0] or self._ranges[1] or self._ranges[2])

    @property
    def is_all(self) -> bool:
        return self._ranges == _ALL_RANGES

    def __bool__(self) -> bool:
        return not self.is_empty

    def ranges(self, protocol: str) -> Ranges:
        """The normalized `(first, last)` intervals allowed for `protocol`."""
        return self._ranges[_protocol_index(protocol)]

    def protocols(self) -> tuple[str, ...]:
        """Protocols with at least one allowed port, sorted by name."""
        return tuple(name for name, ranges in zip(PROTOCOLS, self._ranges, strict=True) if ranges)

    def allows(self, protocol: str, port: int) -> bool:
        """Whether `port` of `protocol` is in the set."""
        return any(lo <= port <= hi for lo, hi in self.ranges(protocol))

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, tuple) or len(item) != 2:
            return False
        protocol, port = item
        if not isinstance(protocol, str) or not isinstance(port, int):
            return False
        return protocol.upper() in _INDEX and self.allows(protocol, port)

    def __iter__(self) -> Iterator[tuple[str, Interval]]:
        """`(protocol, (first, last))` for every interval, protocols sorted by name."""
        for name, ranges in zip(PROTOCOLS, self._ranges, strict=True):
            for interval in ranges:
                yield name, interval

    # ----------------------------------------------------------------- value semantics

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConnectionSet):
            return NotImplemented
        return self._hash == other._hash and self._ranges == other._ranges

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        if self.is_all:
            return ALL_CONNECTIONS
        if self.is_empty:
            return NO_CONNECTIONS
        return ",".join(
            f"{name} {_ranges_text(ranges)}"
            for name, ranges in zip(PROTOCOLS, self._ranges, strict=True)
            if ranges
        )

    def __repr__(self) -> str:
        return f"ConnectionSet.parse({str(self)!r})"


_ALL_RANGES: tuple[Ranges, Ranges, Ranges] = (_FULL, _FULL, _FULL)
_ALL = ConnectionSet._make(_FULL, _FULL, _FULL)
_NONE = ConnectionSet._make((), (), ())
