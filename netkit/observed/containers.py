"""Observed connections between containers, against what the Docker half allows.

A stack declares no `connections:` between containers: what it declares is each
container's networks and the ports it listens on (`docker.containers[].ports`), and from
those netkit computes who reaches whom (`netkit.docker_reach`). So for containers a
connection is *declared* when that computation allows it, and the three lists read:

- used and declared: a container pair and port the computation allows, seen in use;
- allowed but never used: an allowed pair and port nothing used (a network membership or
  a port no one needs, the over-privilege);
- used but not declared: traffic between containers the computation does not allow (a
  port the destination does not declare, a way Docker opens that the stack did not
  mean), which the stack file should say or the engines should stop.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from netkit.docker_reach import analyze_docker
from netkit.model import NetworkModel
from netkit.observed.mapping import PartyKind, Seen, Use
from netkit.portset import ConnectionSet
from netkit.reachability.results import PeerKind

_SUFFIX = "[Container]"


@dataclass(frozen=True)
class ContainerComparison:
    used: list[tuple[Use, Seen]]
    """Uses the Docker half allows."""
    undeclared: list[tuple[Use, Seen]]
    """Uses between containers it does not allow."""
    unused: list[tuple[str, str, str, str]]
    """`(src, dst, port, protocol)` it allows that nothing used; `port` a number, a range
    or `*`. Empty when no use between containers was observed at all."""


def is_between_containers(use: Use) -> bool:
    return use.src.kind is PartyKind.CONTAINER and use.dst.kind is PartyKind.CONTAINER


def compare_containers(
    model: NetworkModel, uses: Iterable[tuple[Use, Seen]]
) -> ContainerComparison:
    """Sort the uses between containers by what the Docker half of `model` allows."""
    allowed: dict[tuple[str, str], ConnectionSet] = {}
    if model.docker_containers:
        for connection in analyze_docker(model).connections():
            if (
                connection.src.kind is PeerKind.CONTAINER
                and connection.dst.kind is PeerKind.CONTAINER
            ):
                key = (
                    connection.src.name.removesuffix(_SUFFIX),
                    connection.dst.name.removesuffix(_SUFFIX),
                )
                allowed[key] = connection.conns
    used: list[tuple[Use, Seen]] = []
    undeclared: list[tuple[Use, Seen]] = []
    seen_pairs: dict[tuple[str, str], list[Use]] = {}  # the allowed uses, by pair
    for use, seen in uses:
        key = (use.src.name, use.dst.name)
        conns = allowed.get(key)
        if conns is not None and conns.allows(use.protocol, use.port):
            used.append((use, seen))
            seen_pairs.setdefault(key, []).append(use)
        else:
            undeclared.append((use, seen))
    unused: list[tuple[str, str, str, str]] = []
    # Flows that hold no traffic between containers did not look at the Docker half (a
    # Hubble export, a node's table): they say nothing of what it leaves unused.
    observed = bool(used or undeclared)
    for (src, dst), conns in sorted(allowed.items()) if observed else ():
        pair_uses = seen_pairs.get((src, dst), [])
        for protocol, (first, last) in conns:
            if any(
                u.protocol.upper() == protocol.upper() and first <= u.port <= last
                for u in pair_uses
            ):
                continue
            port = (
                "*"
                if (first, last) in ((0, 65535), (1, 65535))
                else (str(first) if first == last else f"{first}-{last}")
            )
            unused.append((src, dst, port, protocol.upper()))
    return ContainerComparison(used, undeclared, unused)


__all__ = ["ContainerComparison", "compare_containers", "is_between_containers"]
