"""Overlapping address spaces across every layer (Docker, Calico, Kubernetes, host, reserved).

`find_overlaps` reports every pair of `AddressSpace`s whose ranges share an address,
and how they relate (`Relation`): the same range, one containing the other, or a partial
overlap. IPv4 and IPv6 are indexed apart, so `10.0.0.0/8` never meets `::a00:0/104`.

The index is an interval sweep over integer ranges: ranges are sorted by their first
address and swept once, keeping the ranges still "open" in a heap ordered by their last
address. A range that starts after an open range ends can never meet a later one, so it
is dropped; every range still open when a new one starts overlaps it. The cost is
O(n log n + pairs), however many spaces there are, instead of the n² of comparing every
pair. The core, `overlapping_pairs`, works on any inclusive integer intervals: two CIDRs
are always disjoint or nested, but a general range (a Docker `ip_range` given as a span,
an address pool) can overlap another only in part, so `Relation.PARTIAL` exists.

Every pair is reported by default, even two pieces of one resource: the caller decides
what is expected by design, with `allowed=` and a predicate such as `expected_nesting`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from netkit.model import AddressSpace, IPNetwork, Layer

Interval = tuple[int, int]
"""An inclusive range of integer addresses: (first, last)."""

OverlapPredicate = Callable[[AddressSpace, AddressSpace], bool]
"""`allowed(first, second)`: True when the overlap of the two is expected by design."""


class Relation(StrEnum):
    """How the `first` range of an overlap relates to the `second`."""

    SAME = "same"
    """Both cover exactly the same addresses."""
    CONTAINS = "contains"
    """`first` covers all of `second` and more."""
    INSIDE = "inside"
    """`second` covers all of `first` and more."""
    PARTIAL = "partial"
    """Each has addresses the other lacks (never happens between two CIDRs)."""


_WORDING = {
    Relation.SAME: "is the same range as",
    Relation.CONTAINS: "contains",
    Relation.INSIDE: "is inside",
    Relation.PARTIAL: "overlaps",
}


@dataclass(frozen=True)
class Overlap:
    """Two address spaces that share at least one address.

    `first` is the one listed earlier in the input, and `relation` reads from it:
    `first` CONTAINS `second`, `first` is INSIDE `second`.
    """

    first: AddressSpace
    second: AddressSpace
    relation: Relation

    def message(self) -> str:
        """One line naming both layers, names and ranges, e.g.

        `docker bridge 'backend' 10.10.0.0/16 contains reserved 'corp-vpn' 10.10.8.0/21`.
        """
        return f"{self.first.describe()} {_WORDING[self.relation]} {self.second.describe()}"


# --------------------------------------------------------------------------- intervals


def bounds(network: IPNetwork) -> Interval:
    """The first and last address of `network`, as integers."""
    first = int(network.network_address)
    return first, first + (1 << (network.max_prefixlen - network.prefixlen)) - 1


def relation_of(first: Interval, second: Interval) -> Relation:
    """How `first` relates to `second`; they must overlap."""
    (a_start, a_end), (b_start, b_end) = first, second
    if a_start == b_start and a_end == b_end:
        return Relation.SAME
    if a_start <= b_start and b_end <= a_end:
        return Relation.CONTAINS
    if b_start <= a_start and a_end <= b_end:
        return Relation.INSIDE
    return Relation.PARTIAL


def _sweep(intervals: list[tuple[int, int, int]]) -> Iterator[tuple[int, int]]:
    """Pairs of ids whose (start, end, id) intervals overlap; sorts `intervals` in place."""
    intervals.sort()
    open_ends: list[tuple[int, int]] = []  # (end, id), a heap: the soonest to end first
    heappush, heappop = heapq.heappush, heapq.heappop
    for start, end, ident in intervals:
        while open_ends and open_ends[0][0] < start:
            heappop(open_ends)
        # Each one still open started no later than `start` and ends at or after it.
        for _, other in open_ends:
            yield other, ident
        heappush(open_ends, (end, ident))


def _in_input_order(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`pairs` as (lower id, higher id), sorted by both.

    Two bucket passes keyed by the ids that occur: at most O(n log n + pairs).
    """
    by_high: dict[int, list[int]] = {}
    for a, b in pairs:
        if a < b:
            by_high.setdefault(b, []).append(a)
        else:
            by_high.setdefault(a, []).append(b)
    by_low: dict[int, list[int]] = {}
    for high in sorted(by_high):
        for low in by_high[high]:
            by_low.setdefault(low, []).append(high)
    return [(low, high) for low in sorted(by_low) for high in by_low[low]]


def overlapping_pairs(intervals: Sequence[Interval]) -> list[tuple[int, int]]:
    """Every pair of positions `(i, j)`, `i < j`, whose inclusive intervals share a point.

    Sorted by `i`, then `j`. Each interval is `(first, last)` with `first <= last`.
    """
    items = [(start, end, i) for i, (start, end) in enumerate(intervals)]
    for start, end, i in items:
        if start > end:
            raise ValueError(f"interval {i} {(start, end)!r} ends before it starts")
    return _in_input_order(list(_sweep(items)))


# --------------------------------------------------------------------------- address spaces


def find_overlaps(
    spaces: Iterable[AddressSpace], allowed: OverlapPredicate | None = None
) -> list[Overlap]:
    """Every pair of `spaces` that share an address, in input order.

    Pairs are sorted by the position of `first` in `spaces`, then of `second`. IPv4 and
    IPv6 spaces never overlap each other. Only `cidr` is indexed: a Docker `ip_range`
    lies inside its own `cidr`, so it cannot add an overlap the `cidr` does not show.

    `allowed(first, second)`, when given, drops the pairs it returns True for: pass
    `expected_nesting` to skip what is nested by design. By default every pair is kept,
    even two pieces of one resource.
    """
    items = list(spaces)
    families: dict[int, list[tuple[int, int, int]]] = {4: [], 6: []}
    ranges: list[Interval] = []
    for ident, space in enumerate(items):
        network = space.cidr
        # Not `num_addresses`: it builds the broadcast address object, 4x slower.
        start = int(network.network_address)
        end = start + (1 << (network.max_prefixlen - network.prefixlen)) - 1
        ranges.append((start, end))
        families[network.version].append((start, end, ident))
    found: list[tuple[int, int]] = []
    for intervals in families.values():
        found.extend(_sweep(intervals))
    overlaps: list[Overlap] = []
    for a, b in _in_input_order(found):
        first, second = items[a], items[b]
        if allowed is not None and allowed(first, second):
            continue
        overlaps.append(Overlap(first, second, relation_of(ranges[a], ranges[b])))
    return overlaps


def _nested(inner: IPNetwork, outer: IPNetwork) -> bool:
    (i_start, i_end), (o_start, o_end) = bounds(inner), bounds(outer)
    return inner.version == outer.version and o_start <= i_start and i_end <= o_end


_OUTSIDE_THE_STACK = (Layer.HOST_ROUTE, Layer.DOCKER_DEFAULT_POOL, Layer.DOCKER_SWARM_POOL)
_NETWORKS = (Layer.DOCKER_BRIDGE, Layer.DOCKER_OVERLAY)
_SINGLE_HOST = "local"
"""The host of a stack's single engine (no `docker.hosts`), as `--docker` names it."""


def _host(space: AddressSpace) -> str:
    return space.host or _SINGLE_HOST


def _same_network(a: AddressSpace, b: AddressSpace) -> bool:
    """A network the stack declares and the same network read from its engine."""
    return (
        a.live != b.live
        and a.layer is b.layer
        and a.name == b.name
        and a.cidr == b.cidr
        and (a.layer is Layer.DOCKER_OVERLAY or _host(a) == _host(b))
    )


def docker_expected(a: AddressSpace, b: AddressSpace) -> bool:
    """True for overlaps with what runs on Docker engines (`live` spaces) that are no
    collision: see `expected_nesting`."""
    if not (a.live or b.live):
        return False
    if _same_network(a, b):
        return True
    if a.layer in _NETWORKS and b.layer in _NETWORKS:
        # Two local networks of two hosts never meet (two routing tables); an overlay
        # reaches every host, so it meets any of them.
        return (
            a.layer is Layer.DOCKER_BRIDGE
            and b.layer is Layer.DOCKER_BRIDGE
            and _host(a) != _host(b)
        )
    for pool, net in ((a, b), (b, a)):
        if pool.live and pool.layer is Layer.DOCKER_DEFAULT_POOL:
            # The daemon allocates bridges from its pools around the networks of its own
            # host; another host's daemon never routes them. Overlays it does not see.
            return net.layer is Layer.DOCKER_BRIDGE
        if pool.layer is Layer.DOCKER_SWARM_POOL:
            # The swarm allocates overlays around those it knows; it does not see the
            # bridges of its hosts.
            return net.layer is Layer.DOCKER_OVERLAY
    for route, net in ((a, b), (b, a)):
        if route.layer is Layer.HOST_ROUTE and net.live and net.layer is Layer.DOCKER_BRIDGE:
            # A running bridge's own route on its host.
            return route.cidr == net.cidr and _host(route) == _host(net)
    return False


def expected_nesting(a: AddressSpace, b: AddressSpace) -> bool:
    """True for overlaps that are there by design, or not the stack's to fix (symmetric
    in `a` and `b`). The one predicate `netkit overlap` and the policy rules share:

    - a Calico IP pool inside (or equal to) the pod CIDR: pools are carved from it;
    - two reserved ranges: outside networks overlapping each other;
    - two host routes or Docker default pools (the host's routing table nests by
      longest-prefix match; default pools are only candidates);
    - a route of one Docker host and a network of another: two routing tables.

    With networks and pools read from running engines (`AddressSpace.live`):

    - a network the stack declares and the same network running (same name, range and
      host): it is deployed;
    - two bridges of two different hosts (an overlay meets every host's);
    - a daemon's default pools and the bridges (of its host or another): the daemon
      allocates around those of its host and never routes another's; but an overlay
      inside a daemon's pools may be taken by the next network that host allocates;
    - the swarm's pool and an overlay: the swarm allocates around the overlays it knows,
      but not around the bridges of its hosts, which are reported;
    - a running bridge and its own route on its host.

    Anything else, even two ranges of one resource (two pools of one Installation, two
    subnets of one Docker network), is a real overlap.
    """
    if docker_expected(a, b):
        return True
    for pool, pod in ((a, b), (b, a)):
        if (
            pool.layer is Layer.CALICO_POOL
            and pod.layer is Layer.POD_CIDR
            and _nested(pool.cidr, pod.cidr)
        ):
            return True
    if a.layer is Layer.RESERVED and b.layer is Layer.RESERVED:
        return True
    if Layer.HOST_ROUTE in (a.layer, b.layer) and a.host and b.host and a.host != b.host:
        return True
    return a.layer in _OUTSIDE_THE_STACK and b.layer in _OUTSIDE_THE_STACK
