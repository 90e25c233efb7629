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

from netkit.errors import NetkitError
from netkit.model import IPBlock, NetworkModel
from netkit.portset import ConnectionSet
from netkit.reachability import INGRESS_CONTROLLER, Connection, Reachability, analyze

__all__ = [
    "FORMATS",
    "ConnectionDiff",
    "DiffType",
    "diff",
    "diff_reachability",
    "ip_blocks",
    "render_diff",
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
    """Every ipBlock the model's NetworkPolicies mention."""
    return [
        peer.ip_block
        for policy in model.network_policies
        for rule in (*policy.ingress, *policy.egress)
        for peer in rule.peers
        if peer.ip_block is not None
    ]


def diff(old: NetworkModel, new: NetworkModel) -> list[ConnectionDiff]:
    """Connections that differ from `old` to `new`, ordered: changed, added, removed."""
    # Both sides split the address space by every block of both models, in both
    # directions, so an unchanged range has the same name on each side.
    blocks = [*ip_blocks(old), *ip_blocks(new)]
    before = analyze(old, extra_ip_blocks=blocks)
    after = analyze(new, extra_ip_blocks=blocks)
    return diff_reachability(before, after)


def diff_reachability(before: Reachability, after: Reachability) -> list[ConnectionDiff]:
    """Like `diff`, for already analyzed models (their external ranges must align)."""
    old_conns = _by_pair(before.connections())
    new_conns = _by_pair(after.connections())
    old_workloads = {w.ref for w in before.model.workloads}
    new_workloads = {w.ref for w in after.model.workloads}
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
        info = f"workload {' and '.join(changed)} {kind}" if changed else ""
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
