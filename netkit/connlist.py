"""Render a connectivity list: txt, json, csv, md, dot and svg.

The formats follow netpol-analyzer's `list` command so outputs can be compared with it:

- txt: `SRC => DST : CONNECTIONS`, one per line, sorted by source then destination;
- json: a list of `{"src", "dst", "conn"}` objects, indented by two spaces;
- csv: header `src,dst,conn`; md: a `| src | dst | conn |` table;
- dot: a Graphviz digraph, workloads in blue, external ranges in red, edges labelled with
  the connections; svg: that graph drawn by Graphviz's `dot` program.

Rows are `Connection`s, or `Explanation`s when the user asked `--explain`: then txt follows
each line with indented lines naming the policies and rules that allow (or deny) it, json
adds an `explanation` list, and csv and md an `explanation` column.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from netkit.errors import NetkitError
from netkit.reachability import Connection, Explanation, Peer, PeerKind

__all__ = ["FORMATS", "Row", "dot_to_svg", "render"]

FORMATS = ("txt", "json", "csv", "md", "dot", "svg")

Row = Connection | Explanation


@dataclass(frozen=True)
class _Fields:
    src: Peer
    dst: Peer
    conn: str
    explanation: tuple[str, ...] | None


def _fields(row: Row) -> _Fields:
    if isinstance(row, Explanation):
        details = tuple(line.strip() for line in row.lines()[1:])
        return _Fields(row.src, row.dst, str(row.allowed), details)
    return _Fields(row.src, row.dst, str(row.conns), None)


def render(rows: Sequence[Row], fmt: str, *, peers: Sequence[Peer] = ()) -> str:
    """The rows in format `fmt` (see `FORMATS`), without a trailing newline.

    `peers` are extra graph nodes for dot/svg (workloads without any connection).
    """
    fields = sorted((_fields(row) for row in rows), key=lambda f: (f.src.name, f.dst.name))
    explain = any(f.explanation is not None for f in fields)
    if fmt == "txt":
        return _txt(fields)
    if fmt == "json":
        return _json(fields, explain)
    if fmt == "csv":
        return _csv(fields, explain)
    if fmt == "md":
        return _md(fields, explain)
    if fmt in ("dot", "svg"):
        if explain:
            raise NetkitError(
                f"--explain is not available with --format {fmt}; use txt, json, csv or md"
            )
        graph = _dot(fields, peers)
        return graph if fmt == "dot" else dot_to_svg(graph)
    raise NetkitError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")


def _txt(fields: Sequence[_Fields]) -> str:
    lines: list[str] = []
    for f in fields:
        lines.append(f"{f.src} => {f.dst} : {f.conn}")
        lines.extend(f"    {line}" for line in f.explanation or ())
    return "\n".join(lines)


def _json(fields: Sequence[_Fields], explain: bool) -> str:
    items: list[dict[str, object]] = []
    for f in fields:
        item: dict[str, object] = {"src": f.src.name, "dst": f.dst.name, "conn": f.conn}
        if explain:
            item["explanation"] = list(f.explanation or ())
        items.append(item)
    return json.dumps(items, indent=2)


def _csv(fields: Sequence[_Fields], explain: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["src", "dst", "conn", *(["explanation"] if explain else [])])
    for f in fields:
        extra = ["; ".join(f.explanation or ())] if explain else []
        writer.writerow([f.src.name, f.dst.name, f.conn, *extra])
    return out.getvalue().rstrip("\n")


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _md(fields: Sequence[_Fields], explain: bool) -> str:
    if explain:
        lines = ["| src | dst | conn | explanation |", "|-----|-----|------|-------------|"]
    else:
        lines = ["| src | dst | conn |", "|-----|-----|------|"]
    for f in fields:
        cells = [f.src.name, f.dst.name, f.conn]
        if explain:
            cells.append("<br>".join(f.explanation or ()))
        lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _dot(fields: Sequence[_Fields], peers: Sequence[Peer]) -> str:
    nodes: dict[str, Peer] = {}
    for f in fields:
        nodes.setdefault(f.src.name, f.src)
        nodes.setdefault(f.dst.name, f.dst)
    for peer in peers:
        nodes.setdefault(peer.name, peer)
    node_lines = sorted(
        f"\t{_quote(name)} [label={_quote(name)} color={_quote(_color(peer))} "
        f"fontcolor={_quote(_color(peer))}]"
        for name, peer in nodes.items()
    )
    edge_lines = sorted(
        f"\t{_quote(f.src.name)} -> {_quote(f.dst.name)} [label={_quote(f.conn)} "
        'color="gold2" fontcolor="darkgreen"]'
        for f in fields
    )
    return "\n".join(["digraph {", *node_lines, *edge_lines, "}"])


def _color(peer: Peer) -> str:
    return "red2" if peer.kind is PeerKind.EXTERNAL else "blue"


def dot_to_svg(graph: str) -> str:
    """Draw a dot graph with Graphviz's `dot` program."""
    program = shutil.which("dot")
    if program is None:
        raise NetkitError(
            "--format svg needs Graphviz's `dot` program, which is not installed; install "
            "graphviz (Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install "
            "graphviz`) or use --format dot"
        )
    try:
        result = subprocess.run(
            [program, "-Tsvg"],
            input=graph,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        raise NetkitError(
            "Graphviz `dot` did not finish within 5 minutes; use --format dot"
        ) from None
    if result.returncode != 0:
        raise NetkitError(f"Graphviz `dot` failed: {result.stderr.strip() or result.returncode}")
    return result.stdout.rstrip("\n")
