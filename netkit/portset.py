"""`ConnectionSet`: which protocols and ports a connection may use.

A value type: per protocol (TCP, UDP, SCTP) a normalized tuple of disjoint, non-adjacent
port intervals. Two sets with the same members are equal and hash alike however they were
built, so results can be compared, deduplicated and used as dict keys.

`str()` is the connectivity-list notation netpol-analyzer prints: `All Connections`,
`No Connections`, or protocol groups sorted by protocol name and joined with `,`, each
`PROTO p1,p2-p3` (`TCP 10053-10054,UDP 10053`). Every port of one protocol prints as
`TCP 1-65535`: only the set of all protocols and ports is `All Connections`.

ICMP is held too, as (type, code) pairs: Calico rules match it (`protocol: ICMP`,
`icmp: {type: 8}`), and a policy rule without ports admits it as much as any port. The
netpol-analyzer notation has no word for it, so `str()` shows the TCP, UDP and SCTP part
alone, exactly as before; `text(icmp=True)` shows ICMP as a group of its own
(`ICMP 8`, `ICMP 3:1`, `ICMP` for every message), and `All Connections` then means ICMP
as well. `ConnectionSet.all()` holds every ICMP message.
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
"""Protocols with ports, in the order the notation prints them (sorted by name)."""
ICMP = "ICMP"
"""ICMP (for IPv4), held as (type, code) pairs rather than ports."""

MIN_PORT = 1
MAX_PORT = 65535

ALL_CONNECTIONS = "All Connections"
NO_CONNECTIONS = "No Connections"

Interval = tuple[int, int]
Ranges = tuple[Interval, ...]

_FULL: Ranges = ((MIN_PORT, MAX_PORT),)
_INDEX = {name: i for i, name in enumerate(PROTOCOLS)}
# ICMP messages as type * 256 + code: 0-65535 holds every (type, code) pair.
_ICMP_LAST = 255 * 256 + 255
_ICMP_FULL: Ranges = ((0, _ICMP_LAST),)


def _protocol_index(protocol: str) -> int:
    index = _INDEX.get(protocol.upper())
    if index is None:
        raise InvalidValue(f"protocol {protocol!r}: expected one of TCP, UDP, SCTP")
    return index


def _normalize(intervals: Iterable[Interval], low: int = MIN_PORT, high: int = MAX_PORT) -> Ranges:
    """Sort, clip to `low`-`high` (ports: 1-65535) and merge overlapping or adjacent intervals."""
    cleaned = sorted((max(lo, low), min(hi, high)) for lo, hi in intervals if lo <= hi)
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


def _icmp_text(ranges: Ranges) -> str:
    """`ICMP` (every message), else types and type:code pairs: `ICMP 0,3:1-4,8-10`."""
    if ranges == _ICMP_FULL:
        return ICMP
    parts: list[str] = []
    for lo, hi in ranges:
        while lo <= hi:
            kind, code = divmod(lo, 256)
            if code == 0 and hi >= lo + 255:
                last = (hi + 1) // 256 - 1  # the last type whose every code is held
                parts.append(f"{kind}" if last == kind else f"{kind}-{last}")
                lo = (last + 1) * 256
            else:
                end = min(hi, kind * 256 + 255)
                parts.append(f"{kind}:{code}" if end == lo else f"{kind}:{code}-{end % 256}")
                lo = end + 1
    return f"{ICMP} " + ",".join(parts)


def _icmp_parse(item: str, text: str) -> Interval:
    """`8` (every code of type 8), `8-10`, `3:1`, `3:1-4` as an interval of messages."""
    kind_text, _, code_text = item.partition(":")
    if code_text:
        kind = decimal(kind_text)
        first, _, last = code_text.partition("-")
        low, high = decimal(first), decimal(last or first)
        if kind is None or low is None or high is None or kind > 255 or high > 255 or low > high:
            raise InvalidValue(f"connections {text!r}: {item!r} is not an ICMP type:code")
        return kind * 256 + low, kind * 256 + high
    first, _, last = kind_text.partition("-")
    low, high = decimal(first), decimal(last or first)
    if low is None or high is None or high > 255 or low > high:
        raise InvalidValue(f"connections {text!r}: {item!r} is not an ICMP type")
    return low * 256, high * 256 + 255


class ConnectionSet:
    """An immutable set of (protocol, port) pairs over TCP, UDP and SCTP ports 1-65535.

    Build one with `ConnectionSet.all()`, `ConnectionSet.none()`,
    `ConnectionSet.ports("TCP", 8080)`, `ConnectionSet.ports("TCP", 8000, 8080)`,
    `ConnectionSet.protocol("UDP")` or `ConnectionSet.parse("TCP 53,UDP 53")`, and combine
    with `|`, `&` and `-` (or `union`, `intersection`, `difference`).
    """

    __slots__ = ("_hash", "_icmp", "_ranges")

    _ranges: tuple[Ranges, Ranges, Ranges]
    _icmp: Ranges
    _hash: int

    def __init__(self, ports: Mapping[str, Iterable[Interval]] | None = None) -> None:
        """`ports` maps a protocol to inclusive `(first, last)` intervals; None: empty."""
        ranges: list[Ranges] = [(), (), ()]
        for protocol, intervals in (ports or {}).items():
            index = _protocol_index(protocol)
            ranges[index] = _normalize((*ranges[index], *intervals))
        self._set(ranges[0], ranges[1], ranges[2])

    def _set(self, sctp: Ranges, tcp: Ranges, udp: Ranges, icmp: Ranges = ()) -> None:
        self._ranges = (sctp, tcp, udp)
        self._icmp = icmp
        self._hash = hash((self._ranges, icmp))

    @classmethod
    def _make(cls, sctp: Ranges, tcp: Ranges, udp: Ranges, icmp: Ranges = ()) -> ConnectionSet:
        # Internal fast path: the ranges are already normalized.
        new = cls.__new__(cls)
        new._set(sctp, tcp, udp, icmp)
        return new

    # ----------------------------------------------------------------- constructors

    @classmethod
    def all(cls) -> ConnectionSet:
        """Every port of every protocol, and every ICMP message."""
        return _ALL

    @classmethod
    def icmp(cls, kind: int | None = None, code: int | None = None) -> ConnectionSet:
        """ICMP messages: every one (no `kind`), every code of type `kind`, or one pair."""
        if kind is None:
            if code is not None:
                raise InvalidValue(f"ICMP code {code!r} needs a type")
            return cls._make((), (), (), _ICMP_FULL)
        for what, value in (("type", kind), ("code", code)):
            if value is not None and not 0 <= value <= 255:
                raise InvalidValue(f"ICMP {what} {value!r}: ICMP types and codes are 0-255")
        if code is None:
            return cls._make((), (), (), ((kind * 256, kind * 256 + 255),))
        return cls._make((), (), (), ((kind * 256 + code, kind * 256 + code),))

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
        icmp: list[Interval] = []
        protocol = ""
        for part in value.split(","):
            item = part.strip()
            if item.upper() == ICMP:
                protocol = ICMP
                icmp.append((0, _ICMP_LAST))
                continue
            head, _, rest = item.partition(" ")
            if rest:
                protocol, item = head.upper(), rest.strip()
            if protocol == ICMP:
                icmp.append(_icmp_parse(item, text))
                continue
            if protocol not in _INDEX:
                raise InvalidValue(
                    f"connections {text!r}: expected 'All Connections' or 'TCP 80,UDP 53'"
                )
            first, _, last = item.partition("-")
            low, high = decimal(first), decimal(last or first)
            if low is None or high is None:
                raise InvalidValue(f"connections {text!r}: {item!r} is not a port or range")
            ports.setdefault(protocol, []).append((low, high))
        parsed = cls(ports)
        if icmp:
            parsed = parsed | cls._make((), (), (), _normalize(icmp, 0, _ICMP_LAST))
        return parsed

    # ----------------------------------------------------------------- algebra

    def union(self, other: ConnectionSet) -> ConnectionSet:
        if self is other or other is _NONE or self is _ALL:
            return self
        if self is _NONE or other is _ALL:
            return other
        a, b = self._ranges, other._ranges
        return ConnectionSet._make(
            _union(a[0], b[0]),
            _union(a[1], b[1]),
            _union(a[2], b[2]),
            _icmp_union(self._icmp, other._icmp),
        )

    def intersection(self, other: ConnectionSet) -> ConnectionSet:
        if self is other or other is _ALL or self is _NONE:
            return self
        if self is _ALL or other is _NONE:
            return other
        a, b = self._ranges, other._ranges
        return ConnectionSet._make(
            _intersection(a[0], b[0]),
            _intersection(a[1], b[1]),
            _intersection(a[2], b[2]),
            _intersection(self._icmp, other._icmp),
        )

    def difference(self, other: ConnectionSet) -> ConnectionSet:
        if other is _NONE or self is _NONE:
            return self
        if other is _ALL or self is other:
            return _NONE
        a, b = self._ranges, other._ranges
        return ConnectionSet._make(
            _difference(a[0], b[0]),
            _difference(a[1], b[1]),
            _difference(a[2], b[2]),
            _difference(self._icmp, other._icmp),
        )

    __or__ = union
    __and__ = intersection
    __sub__ = difference

    # ----------------------------------------------------------------- queries

    @property
    def is_empty(self) -> bool:
        return not (self._ranges[0] or self._ranges[1] or self._ranges[2] or self._icmp)

    @property
    def is_all(self) -> bool:
        return self._ranges == _ALL_RANGES and self._icmp == _ICMP_FULL

    @property
    def ports_only(self) -> ConnectionSet:
        """The TCP, UDP and SCTP part, without ICMP."""
        if not self._icmp:
            return self
        return ConnectionSet._make(*self._ranges)

    @property
    def icmp_ranges(self) -> Ranges:
        """The ICMP messages held, as intervals of `type * 256 + code`."""
        return self._icmp

    def allows_icmp(self, kind: int, code: int = 0) -> bool:
        """Whether the ICMP message (`kind`, `code`) is in the set."""
        value = kind * 256 + code
        return any(lo <= value <= hi for lo, hi in self._icmp)

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
        return (
            self._hash == other._hash
            and self._ranges == other._ranges
            and self._icmp == other._icmp
        )

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return self.text()

    def text(self, *, icmp: bool = False) -> str:
        """The connectivity-list notation; with `icmp`, ICMP is shown as a group of its own
        and `All Connections` means every ICMP message too (see the module docstring)."""
        groups = [
            f"{name} {_ranges_text(ranges)}"
            for name, ranges in zip(PROTOCOLS, self._ranges, strict=True)
            if ranges
        ]
        if not icmp:
            if self._ranges == _ALL_RANGES:
                return ALL_CONNECTIONS
            return ",".join(groups) if groups else NO_CONNECTIONS
        if self.is_all:
            return ALL_CONNECTIONS
        if self.is_empty:
            return NO_CONNECTIONS
        if self._icmp:
            groups.insert(0, _icmp_text(self._icmp))
        return ",".join(groups)

    def __repr__(self) -> str:
        return f"ConnectionSet.parse({self.text(icmp=True)!r})"


def _icmp_union(a: Ranges, b: Ranges) -> Ranges:
    if not a or b == _ICMP_FULL:
        return b
    if not b or a == _ICMP_FULL:
        return a
    return _normalize((*a, *b), 0, _ICMP_LAST)


_ALL_RANGES: tuple[Ranges, Ranges, Ranges] = (_FULL, _FULL, _FULL)
_ALL = ConnectionSet._make(_FULL, _FULL, _FULL, _ICMP_FULL)
_NONE = ConnectionSet._make((), (), ())
