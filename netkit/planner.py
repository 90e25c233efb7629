"""Subnet planning: carve named subnets out of a supernet, around reserved ranges.

`plan_subnets` is deterministic: the same supernet, requests and reserved ranges always
give the same plan. Requests are placed largest first (then by name), each at the
lowest free address aligned to its prefix, which keeps the free space in few, large
blocks; the plan is returned in request order.

A request asks for a prefix (`web=/24`) or for a number of hosts (`db=500`): an IPv4
subnet also needs its network and broadcast addresses (500 hosts: 502 addresses, a
/23), an IPv6 subnet its Subnet-Router anycast address (RFC 4291 §2.6.1).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from netkit import names
from netkit.cidr import parse_cidr
from netkit.digits import decimal
from netkit.errors import InvalidValue, NetkitError, shown
from netkit.model import AddressSpace, IPNetwork, Layer
from netkit.overlap import Interval, bounds


@dataclass(frozen=True)
class SubnetRequest:
    """A named subnet to place: give exactly one of `prefix` and `hosts`."""

    name: str
    prefix: int | None = None
    """Prefix length, e.g. 24 for a /24."""
    hosts: int | None = None
    """Host addresses needed; the smallest subnet holding them is chosen."""

    def __post_init__(self) -> None:
        names.docker_name(self.name, "subnet name")
        if (self.prefix is None) == (self.hosts is None):
            raise InvalidValue(
                f"subnet request {self.name!r}: give a prefix (like '/24') or a number of "
                "hosts (like '500'), not both or neither"
            )
        if self.prefix is not None and not 0 <= self.prefix <= 128:
            raise InvalidValue(f"subnet request {self.name!r}: prefix /{self.prefix} must be 0-128")
        if self.hosts is not None and self.hosts < 1:
            raise InvalidValue(
                f"subnet request {self.name!r}: hosts {self.hosts} must be at least 1"
            )

    @classmethod
    def parse(cls, text: object, field: str = "--subnet") -> SubnetRequest:
        """`NAME=/PREFIX` or `NAME=HOSTS`, e.g. `web=/24` or `db=500`."""
        usage = "expected NAME=/PREFIX or NAME=HOSTS, like 'web=/24' or 'db=500'"
        if not isinstance(text, str) or "=" not in text:
            raise InvalidValue(f"{field} {text!r}: {usage}")
        name, _, size = (part.strip() for part in text.partition("="))
        number = decimal(size.removeprefix("/"))
        if number is None:
            raise InvalidValue(f"{field} {text!r}: {size!r} is not a prefix or a number; {usage}")
        try:
            if size.startswith("/"):
                return cls(name, prefix=number)
            return cls(name, hosts=number)
        except InvalidValue as error:
            raise InvalidValue(f"{field} {shown(text)}: {error}") from None

    def __str__(self) -> str:
        return (
            f"{self.name}=/{self.prefix}"
            if self.prefix is not None
            else f"{self.name}={self.hosts}"
        )

    def prefix_for(self, version: int) -> int:
        """The prefix length of this request in an IPv`version` network (may be negative
        when more hosts are asked than the family holds)."""
        if self.prefix is not None:
            return self.prefix
        assert self.hosts is not None
        needed = self.hosts + (2 if version == 4 else 1)
        return (32 if version == 4 else 128) - (needed - 1).bit_length()

    def describe(self, version: int) -> str:
        """`/24`, or `/23 for 500 hosts`."""
        if self.hosts is None:
            return f"/{self.prefix}"
        prefix = self.prefix_for(version)
        return f"/{prefix} for {self.hosts:,} hosts" if prefix >= 0 else f"{self.hosts:,} hosts"


@dataclass(frozen=True)
class Allocation:
    """Where one request was placed."""

    name: str
    subnet: IPNetwork
    request: SubnetRequest


def parse_reserved(text: object, option: str = "--reserved") -> AddressSpace:
    """`NAME=CIDR` from the command line, e.g. `corp-vpn=10.8.0.0/16`, as a reserved space."""
    if not isinstance(text, str) or "=" not in text:
        raise InvalidValue(f"{option} {text!r}: expected NAME=CIDR, like 'corp-vpn=10.8.0.0/16'")
    name, _, cidr = (part.strip() for part in text.partition("="))
    if not name:
        raise InvalidValue(f"{option} {text!r}: the name before '=' is empty, like 'corp-vpn=...'")
    network = parse_cidr(cidr, field=f"{option} {name}")
    return AddressSpace(name=name, layer=Layer.RESERVED, cidr=network, source=f"{option} {name}")


# --------------------------------------------------------------------------- free space


def _subtract(free: list[Interval], start: int, end: int) -> list[Interval]:
    """`free` (sorted, disjoint) without the addresses `start`..`end`."""
    kept: list[Interval] = []
    for low, high in free:
        if high < start or low > end:
            kept.append((low, high))
            continue
        if low < start:
            kept.append((low, start - 1))
        if high > end:
            kept.append((end + 1, high))
    return kept


def _first_fit(free: list[Interval], size: int) -> int | None:
    """The lowest start, aligned to `size`, of `size` free addresses."""
    for low, high in free:
        start = -(-low // size) * size
        if start + size - 1 <= high:
            return start
    return None


def _largest_block(free: list[Interval], top: int) -> tuple[int, int] | None:
    """(prefix, first address) of the largest aligned block in `free`; lowest wins ties."""
    best: tuple[int, int] | None = None
    for low, high in free:
        position = low
        while position <= high:
            alignment = position & -position if position else 1 << top
            size = min(alignment, 1 << ((high - position + 1).bit_length() - 1))
            prefix = top - (size.bit_length() - 1)
            if best is None or prefix < best[0]:
                best = (prefix, position)
            position += size
    return best


def _network(version: int, start: int, prefix: int) -> IPNetwork:
    if version == 4:
        return ipaddress.IPv4Network((start, prefix))
    return ipaddress.IPv6Network((start, prefix))


# --------------------------------------------------------------------------- planning


def plan_subnets(
    supernet: IPNetwork | str,
    requests: Sequence[SubnetRequest],
    reserved: Sequence[AddressSpace] = (),
) -> list[Allocation]:
    """Place every request inside `supernet`, clear of `reserved` and of each other.

    Reserved spaces of the other IP family or outside the supernet are ignored. Raises
    `NetkitError` naming the request, the supernet and the largest free block when a
    request does not fit, and `InvalidValue` for a duplicate name or an impossible prefix.
    """
    if isinstance(supernet, str):
        supernet = parse_cidr(supernet, field="supernet")
    version = supernet.version
    top = supernet.max_prefixlen
    seen: set[str] = set()
    for request in requests:
        if request.name in seen:
            raise InvalidValue(
                f"subnet name {request.name!r} is requested twice; names must be unique"
            )
        seen.add(request.name)
        if request.prefix is not None and request.prefix > top:
            raise InvalidValue(
                f"subnet request {str(request)!r}: prefix must be 0-{top} "
                f"in the IPv{version} supernet {supernet}"
            )
    free = [bounds(supernet)]
    for space in reserved:
        if space.cidr.version == version:
            free = _subtract(free, *bounds(space.cidr))

    placed: dict[int, IPNetwork] = {}
    order = sorted(
        range(len(requests)), key=lambda i: (requests[i].prefix_for(version), requests[i].name)
    )
    for index in order:
        request = requests[index]
        prefix = request.prefix_for(version)
        start = _first_fit(free, 1 << (top - prefix)) if prefix >= 0 else None
        if start is None:
            raise NetkitError(_does_not_fit(request, supernet, free))
        free = _subtract(free, start, start + (1 << (top - prefix)) - 1)
        placed[index] = _network(version, start, prefix)
    return [Allocation(r.name, placed[i], r) for i, r in enumerate(requests)]


def _does_not_fit(request: SubnetRequest, supernet: IPNetwork, free: list[Interval]) -> str:
    top = supernet.max_prefixlen
    head = f"cannot place {request.name!r} ({request.describe(supernet.version)}) in {supernet}"
    if request.prefix_for(supernet.version) < 0:
        return f"{head}: an IPv{supernet.version} network is too small for that many hosts"
    block = _largest_block(free, top)
    if block is None:
        return f"{head}: no address is free; free a range or use a larger supernet"
    prefix, start = block
    largest = _network(supernet.version, start, prefix)
    return (
        f"{head}: the largest free block is /{prefix} ({largest}); "
        "free a range or use a larger supernet"
    )
