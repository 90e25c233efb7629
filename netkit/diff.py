"""Connectivity diff between two models: connections added, removed and changed.

Like netpol-analyzer's `diff`: each line has a diff type, source, destination, the
connections before (`old`) and after (`new`), and says when a workload itself was added or
removed. External address ranges are split by the ipBlocks of both models, so the same
range names the same addresses on both sides.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from netkit.connectivity import Connectivity, analyze_all
from netkit.errors import NetkitError
from netkit.model import IPBlock, NetworkModel
from netkit.portset import ConnectionSet
from netkit.reachability import INGRESS_CONTROLLER, Connection, Direction
from netkit.reachability.exposure import ENTIRE_CLUSTER, Exposure, ExposureLine, exposure

__all__ = [
    "FORMATS",
    "ConnectionDiff",
    "DiffType",
    "ExposureChange",
    "compare",
    "diff",
    "diff_reachability",
    "exposure_diff",
    "ip_blocks",
    "render_diff",
    "render_exposure_diff",
]

FORMATS = ("txt", "json", "csv", "md")


class DiffType(StrEnum):
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"


_ORDER = {DiffType.CHANGED: 0, DiffType.ADDED: 1, DiffType.REMOVED: 2}


@dataclass(frozen=True)
class ConnectionDiff:
    """One pair whose allowed connections differ between the old and the new model."""

    kind: DiffType
    src: str
    dst: str
    old: ConnectionSet
    new: ConnectionSet
    workloads: str = ""
    """`workload X added` (or removed) when an end exists in one model only."""


def ip_blocks(model: NetworkModel) -> list[IPBlock]:
    """Every ipBlock the model's NetworkPolicies mention, and every CIDR its tiered
    policies' peers name (staged ones too: their would-be effect is a diff)."""
    blocks = [
        peer.ip_block
        for policy in model.network_policies
        for rule in (*policy.ingress, *policy.egress)
        for peer in rule.peers
        if peer.ip_block is not None
    ]
    blocks.extend(IPBlock(net) for network_set in model.network_sets for net in network_set.nets)
    for tiered in model.tiered_policies:
        for rule in (*tiered.ingress, *tiered.egress):
            for entity in rule.peers:
                blocks.extend(IPBlock(net) for net in (*(entity.nets or ()), *entity.not_nets))
    return blocks


def _analyze_both(old: NetworkModel, new: NetworkModel) -> tuple[Connectivity, Connectivity]:
    # Both sides split the address space by every block of both models, in both
    # directions, so an unchanged range has the same name on each side.
    blocks = [*ip_blocks(old), *ip_blocks(new)]
    return analyze_all(old, extra_ip_blocks=blocks), analyze_all(new, extra_ip_blocks=blocks)


def diff(old: NetworkModel, new: NetworkModel) -> list[ConnectionDiff]:
    """Connections that differ from `old` to `new`, ordered: changed, added, removed."""
    return diff_reachability(*_analyze_both(old, new))


def compare(
    old: NetworkModel, new: NetworkModel
) -> tuple[list[ConnectionDiff], list[ExposureChange]]:
    """The connectivity diff and the exposure change from `old` to `new`."""
    before, after = _analyze_both(old, new)
    # Exposure is the Kubernetes half's: who else could reach a workload.
    changes = exposure_diff(exposure(before.kubernetes), exposure(after.kubernetes))
    return diff_reachability(before, after), changes


@dataclass(frozen=True)
class ExposureChange:
    """A potential peer a workload is exposed to, or no longer, or on other connections.

    Only the workload's own exposure lines count (`entire-cluster` and representative
    peers): its connections with address ranges are in the connectivity diff already.
    """

    kind: DiffType
    workload: str
    direction: Direction
    peer: str
    """`entire-cluster` or a representative peer `NS/POD`."""
    old: str
    new: str
    """Connections before and after, as the exposure section writes them."""
    protection: str = ""
    """`no longer protected` or `now protected` when no policy selects the workload on
    one side (then its `entire-cluster` line says All Connections)."""

    @property
    def rank(self) -> tuple[int, int, int]:
        """Reviewers see first: what opens, to the entire cluster, on ingress."""
        return (
            {DiffType.ADDED: 0, DiffType.CHANGED: 1, DiffType.REMOVED: 2}[self.kind],
            self.peer != ENTIRE_CLUSTER,
            self.direction is not Direction.INGRESS,
        )


def _own(exposed: Exposure) -> dict[tuple[str, Direction, str], ExposureLine]:
    return {
        (line.workload, line.direction, line.peer): line
        for line in exposed.lines()
        if not line.peer.endswith("[External]")
    }


def exposure_diff(before: Exposure, after: Exposure) -> list[ExposureChange]:
    """What `after` exposes that `before` did not, and the reverse, most severe first."""
    old, new = _own(before), _own(after)
    old_open, new_open = set(before.unprotected), set(after.unprotected)
    changes: list[ExposureChange] = []
    for key in old.keys() | new.keys():
        was = old[key].conns if key in old else "No Connections"
        now = new[key].conns if key in new else "No Connections"
        workload, direction, peer = key
        opened, closed = (workload, direction) in new_open, (workload, direction) in old_open
        protection = ""
        both = workload in before.workloads and workload in after.workloads
        if both and opened != closed and peer == ENTIRE_CLUSTER:
            protection = "no longer protected" if opened else "now protected"
        if was == now and not protection:
            continue
        kind = (
            DiffType.ADDED
            if key not in old
            else DiffType.REMOVED
            if key not in new
            else DiffType.CHANGED
        )
        changes.append(ExposureChange(kind, workload, direction, peer, was, now, protection))
    changes.sort(key=lambda c: (c.rank, c.workload, c.peer))
    return changes


def render_exposure_diff(changes: Sequence[ExposureChange], fmt: str) -> str:
    """The exposure change in format `fmt` (txt, json, csv, md), without a trailing newline."""
    header = ["diff-type", "workload", "direction", "peer", "old", "new", "protection"]
    rows = [
        [str(c.kind), c.workload, str(c.direction), c.peer, c.old, c.new, c.protection]
        for c in changes
    ]
    if fmt == "txt":
        if not changes:
            return "No exposure changes."
        lines = ["Exposure diff:"]
        for c in changes:
            line = (
                f"diff-type: {c.kind}, workload: {c.workload}, direction: {c.direction}, "
                f"peer: {c.peer}, old: {c.old}, new: {c.new}"
            )
            lines.append(line + (f", protection: {c.protection}" if c.protection else ""))
        return "\n".join(lines)
    return _table(header, rows, fmt)


def diff_reachability(before: Connectivity, after: Connectivity) -> list[ConnectionDiff]:
    """Like `diff`, for already analyzed models (their external ranges must align)."""
    old_conns = _by_pair(before.connections())
    new_conns = _by_pair(after.connections())
    old_workloads = before.endpoints()
    new_workloads = after.endpoints()
    none = ConnectionSet.none()
    result: list[ConnectionDiff] = []
    for pair in old_conns.keys() | new_conns.keys():
        old = old_conns.get(pair, none)
        new = new_conns.get(pair, none)
        if old == new:
            continue
        kind = DiffType.CHANGED if old and new else DiffType.ADDED if new else DiffType.REMOVED
        src, dst = pair
        known = new_workloads if kind is DiffType.ADDED else old_workloads
        other = old_workloads if kind is DiffType.ADDED else new_workloads
        changed = [name for name in (src, dst) if name in known and name not in other]
        noun = "container" if all(name.endswith("[Container]") for name in changed) else "workload"
        info = f"{noun} {' and '.join(changed)} {kind}" if changed else ""
        result.append(ConnectionDiff(kind, src, dst, old, new, info))
    # netpol-analyzer's order: by type, ingress-controller lines after the others.
    result.sort(key=lambda d: (d.src == INGRESS_CONTROLLER, _ORDER[d.kind], d.src, d.dst))
    return result


def _by_pair(connections: list[Connection]) -> dict[tuple[str, str], ConnectionSet]:
    return {(c.src.name, c.dst.name): c.conns for c in connections}


def render_diff(
    diffs: Sequence[ConnectionDiff], fmt: str, *, old: str = "old", new: str = "new"
) -> str:
    """The diff in format `fmt` (txt, json, csv, md), without a trailing newline.

    `old` and `new` name the two sides in the txt header (e.g. the two folders).
    """
    if fmt == "txt":
        if not diffs:
            return f"No connectivity changes (old: {old}, new: {new})."
        lines = [f"Connectivity diff (old: {old}, new: {new}):"]
        for d in diffs:
            line = (
                f"diff-type: {d.kind}, source: {d.src}, destination: {d.dst}, "
                f"old: {d.old}, new: {d.new}"
            )
            lines.append(line + (f", workloads-diff-info: {d.workloads}" if d.workloads else ""))
        return "\n".join(lines)
    header = ["diff-type", "source", "destination", "old", "new", "workloads-diff-info"]
    rows = [[str(d.kind), d.src, d.dst, str(d.old), str(d.new), d.workloads] for d in diffs]
    return _table(header, rows, fmt)


def _table(header: list[str], rows: list[list[str]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(header, row, strict=True)) for row in rows], indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue().rstrip("\n")
    if fmt == "md":
        lines = [
            "| " + " | ".join(header) + " |",
            "|" + "|".join("-" * (len(h) + 2) for h in header) + "|",
        ]
        lines.extend(
            "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows
        )
        return "\n".join(lines)
    raise NetkitError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
