"""Render a connectivity list: txt, json, csv, md, dot, svg and html.

The formats follow netpol-analyzer's `list` command so outputs can be compared with it:

- txt: `SRC => DST : CONNECTIONS`, one per line, sorted by source then destination;
- json: a list of `{"src", "dst", "conn"}` objects, indented by two spaces;
- csv: header `src,dst,conn`; md: a `| src | dst | conn |` table;
- dot: a Graphviz digraph, workloads in blue, external ranges in red, edges labelled with
  the connections; svg: that graph drawn by Graphviz's `dot` program, or, given the
  analysis (`picture=`), the picture of the whole stack (`netkit.picture`);
- html: that picture as one self-contained page, filterable, with every connection's
  explanation (`netkit.report`).

Rows are `Connection`s, or `Explanation`s when the user asked `--explain`: then txt follows
each line with indented lines naming the policies and rules that allow (or deny) it, json
adds an `explanation` list, and csv and md an `explanation` column.

With an `Exposure` (`--exposure`), txt appends netpol-analyzer's exposure section after an
empty line; json becomes `{"connlist_results": [...], "exposure_results":
{"egress_exposure": [...], "ingress_exposure": [...]}}` (each entry `src`, `dst`, `conn`,
the workload on its side of the arrow); md adds a table per direction.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from netkit.errors import NetkitError
from netkit.reachability import Connection, Direction, Explanation, Peer, PeerKind
from netkit.reachability.exposure import Exposure, ExposureLine

if TYPE_CHECKING:
    from netkit.connectivity import Connectivity

__all__ = ["EXPOSURE_FORMATS", "FORMATS", "Row", "dot_to_svg", "render"]

FORMATS = ("txt", "json", "csv", "md", "dot", "svg", "html")
EXPOSURE_FORMATS = ("txt", "json", "md")

Row = Connection | Explanation


@dataclass(frozen=True)
class _Fields:
    src: Peer
    dst: Peer
    conn: str
    explanation: tuple[str, ...] | None


def _fields(row: Row, icmp: bool) -> _Fields:
    if isinstance(row, Explanation):
        details = tuple(line.strip() for line in row.lines()[1:])
        return _Fields(row.src, row.dst, row.allowed.text(icmp=icmp), details)
    return _Fields(row.src, row.dst, row.conns.text(icmp=icmp), None)


def render(
    rows: Sequence[Row],
    fmt: str,
    *,
    peers: Sequence[Peer] = (),
    picture: Connectivity | None = None,
    title: str = "netkit",
    icmp: bool = False,
    exposure: Exposure | None = None,
) -> str:
    """The rows in format `fmt` (see `FORMATS`), without a trailing newline.

    `peers` are extra graph nodes for dot/svg (workloads without any connection).
    `picture`, the analysis the rows come from, makes svg and html the picture of the
    whole stack (titled `title`); html needs it. With `icmp` (`Reachability.shows_icmp`:
    some Calico rule names ICMP), connections say what ICMP they allow (`ICMP 8,TCP 80`),
    and `All Connections` means ICMP too. `exposure` adds the exposure section (formats
    `EXPOSURE_FORMATS`).
    """
    if fmt in ("svg", "html") and picture is not None:
        return _picture(rows, fmt, picture, title)
    if fmt == "html":
        raise NetkitError("--format html draws a whole model: give the analysis to draw")
    rows = _in_order(rows)
    plain = exposure is None and not any(isinstance(row, Explanation) for row in rows)
    if fmt == "txt" and plain:
        return _plain_txt(rows, icmp)  # the common case, kept fast for large lists
    fields = [_fields(row, icmp) for row in rows]
    explain = any(f.explanation is not None for f in fields)
    if exposure is not None:
        return _with_exposure(fields, fmt, explain, exposure)
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


def _key(row: Row) -> tuple[str, str]:
    return row.src.name, row.dst.name


def _in_order(rows: Sequence[Row]) -> Sequence[Row]:
    """`rows` sorted by source then destination (most callers give them sorted already:
    checked by comparing with a sort of the keys, which is linear on sorted input)."""
    keys = [(row.src.name, row.dst.name) for row in rows]
    if keys == sorted(keys):
        return rows
    return sorted(rows, key=_key)


def _plain_txt(rows: Sequence[Row], icmp: bool) -> str:
    texts: dict[int, str] = {}  # one text per connection set (many rows share one)
    lines = []
    for row in rows:
        conns = row.conns if isinstance(row, Connection) else row.allowed
        text = texts.get(id(conns))
        if text is None:
            text = texts[id(conns)] = conns.text(icmp=icmp)
        lines.append(f"{row.src.name} => {row.dst.name} : {text}")
    return "\n".join(lines)


def _picture(rows: Sequence[Row], fmt: str, reach: Connectivity, title: str) -> str:
    from netkit.picture import Picture
    from netkit.report import html_page

    connections = [
        Connection(row.src, row.dst, row.allowed) if isinstance(row, Explanation) else row
        for row in rows
        if not (isinstance(row, Explanation) and row.allowed.is_empty)
    ]
    drawn = Picture.of(reach, title, connections)
    svg = dot_to_svg(drawn.dot())
    return svg if fmt == "svg" else html_page(drawn, svg)


def _with_exposure(fields: Sequence[_Fields], fmt: str, explain: bool, exposure: Exposure) -> str:
    if fmt == "txt":
        listing = _txt(fields)
        return "\n".join([*([listing, ""] if listing else []), *exposure.section()])
    if fmt == "json":
        document = {
            "connlist_results": json.loads(_json(fields, explain)),
            "exposure_results": {
                "egress_exposure": [_exposure_item(line) for line in exposure.egress],
                "ingress_exposure": [_exposure_item(line) for line in exposure.ingress],
            },
        }
        return json.dumps(document, indent=2)
    if fmt == "md":
        parts = [_md(fields, explain), "", "## Exposure Analysis Result"]
        for title, lines in (("Egress", exposure.egress), ("Ingress", exposure.ingress)):
            if lines:
                parts += [
                    "",
                    f"### {title} Exposure",
                    "",
                    "| src | dst | conn |",
                    "|-----|-----|------|",
                ]
                parts += [
                    "| " + " | ".join(_md_cell(c) for c in _exposure_item(line).values()) + " |"
                    for line in lines
                ]
        unprotected = exposure.unprotected_lines()
        if unprotected:
            parts += ["", "### Workloads not protected by network policies", ""]
            parts += [f"- {line}" for line in unprotected]
        return "\n".join(parts)
    raise NetkitError(
        f"--exposure is not available with --format {fmt}; use {', '.join(EXPOSURE_FORMATS)}"
    )


def _exposure_item(line: ExposureLine) -> dict[str, str]:
    if line.direction is Direction.EGRESS:
        return {"src": line.workload, "dst": line.peer, "conn": line.conns}
    return {"src": line.peer, "dst": line.workload, "conn": line.conns}


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
