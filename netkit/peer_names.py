"""Peers named on the command line: `ns/name`, `ns/name[Kind]`, an address, a range.

Point queries (`netkit why`, `netkit selects`, the focus options) take the ends of a
connection as a person writes them and find them among the peers an analysis reports:

- a workload as `namespace/name` (any kind; the kind is needed only when two workloads
  share the name) or `namespace/name[Kind]`, as the connectivity list prints it;
- any other peer by the name the results print (`{ingress-controller}`,
  `FIRST-LAST[External]`, and whatever kinds of peer the results hold);
- an IP address outside the cluster (`203.0.113.7`, `2001:db8::1`): the external range
  that holds it.

A name the results do not hold is an `UnknownPeerError` naming it and the known names
closest to it, so a typo is one line with the fix.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from netkit.model import IPAddress
from netkit.reachability import Peer, PeerKind, Reachability, UnknownPeerError

if TYPE_CHECKING:
    from netkit.connectivity import Connectivity

__all__ = ["PeerSpec", "known_peers", "parse_address", "resolve"]


def parse_address(text: str) -> IPAddress | None:
    """`text` as an IP address, or None when it is not one."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class PeerSpec:
    """A resolved peer name: one peer of the results, or an external address."""

    text: str
    """As the user wrote it."""
    peer: Peer | None = None
    address: IPAddress | None = None

    def matches(self, peer: Peer) -> bool:
        """Whether `peer` (an end of a reported connection) is the one named."""
        if self.peer is not None:
            return peer.name == self.peer.name
        if self.address is None or peer.kind is not PeerKind.EXTERNAL:
            return False
        first, last = parse_address(peer.first), parse_address(peer.last)
        return (
            first is not None
            and last is not None
            and first.version == self.address.version
            and first <= self.address <= last  # type: ignore[operator]
        )

    def __str__(self) -> str:
        return self.peer.name if self.peer is not None else str(self.address)


def known_peers(reach: Reachability | Connectivity) -> list[Peer]:
    """Every peer the results name: the model's workloads and the ends of connections."""
    found = {peer.name: peer for peer in reach.peers()}
    for connection in reach.connections():
        found.setdefault(connection.src.name, connection.src)
        found.setdefault(connection.dst.name, connection.dst)
    return [found[name] for name in sorted(found)]


def _short(name: str) -> str:
    """`ns/name` of `ns/name[Kind]`."""
    return name.rsplit("[", 1)[0] if name.endswith("]") else name


def resolve(text: str, peers: Iterable[Peer], what: str = "peer") -> PeerSpec:
    """The peer `text` names among `peers`; raises `UnknownPeerError` with close names."""
    candidates = list(peers)
    for peer in candidates:
        if peer.name == text:
            return PeerSpec(text, peer=peer)
    address = parse_address(text)
    if address is not None:
        return PeerSpec(text, address=address)
    # `ns/name` names a workload and `host/name` a container without their `[Kind]`.
    named = (PeerKind.WORKLOAD, PeerKind.CONTAINER)
    same = [peer for peer in candidates if peer.kind in named and _short(peer.name) == text]
    if len(same) == 1:
        return PeerSpec(text, peer=same[0])
    if same:
        names = ", ".join(peer.name for peer in same)
        raise UnknownPeerError(
            f"{what} {text!r} names {len(same)} workloads ({names}); add the kind, like {same[0].name!r}"
        )
    known = sorted({_short(p.name) if p.kind in named else p.name for p in candidates})
    close = difflib.get_close_matches(text, known, n=3, cutoff=0.7)
    if close:
        hint = f"; did you mean {' or '.join(repr(name) for name in close)}?"
    elif candidates:
        shown = ", ".join(peer.name for peer in candidates[:5])
        more = f" and {len(candidates) - 5} more" if len(candidates) > 5 else ""
        hint = f"; the workloads and peers are: {shown}{more}"
    else:
        hint = "; the input has no workload"
    raise UnknownPeerError(f"{what} {text!r} is not a workload or peer of the input{hint}")
