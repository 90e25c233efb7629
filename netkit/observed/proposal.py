"""The stack-file change a learn report proposes, as a unified diff, and writing it.

Used but undeclared connections become `kubernetes.connections` entries, each built
through the typed spec (`ConnectionSpec`) and the whole file checked by it again; a
declared connection nothing used is removed, or narrowed to the ports that were used.
Only the entries of `connections:` change: every other byte of the file stays as it is
(the entries' lines are found with `netkit.positions`, never by dumping the file anew).
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netkit import positions
from netkit.errors import InvalidStackConfig, NetkitError, printable
from netkit.observed.learn import LearnReport
from netkit.observed.mapping import Party, PartyKind
from netkit.ports import parse_port_spec
from netkit.spec import (
    PROJECT,
    ConnectionSpec,
    StackSpec,
    parse_stack_config,
    read_stack_file,
    validate_record,
)
from netkit.structured import load_yaml_documents

KUBERNETES = f"{PROJECT}:kubernetes"


@dataclass(frozen=True)
class Proposal:
    """`old` and `new` text of the stack file, and what changes between them."""

    path: Path
    old: str
    new: str
    added: tuple[str, ...]
    """`from -> to : ports` of each entry added or widened."""
    removed: tuple[str, ...]
    """Each entry removed or narrowed, and how."""
    notes: tuple[str, ...]
    """Undeclared connections the stack file cannot declare, and why."""

    @property
    def changes(self) -> bool:
        return self.old != self.new

    def diff(self) -> str:
        """The change as a unified diff (`a/Pulumi.dev.yaml`, `b/Pulumi.dev.yaml`)."""
        name = self.path.name
        return "".join(
            difflib.unified_diff(
                self.old.splitlines(keepends=True),
                self.new.splitlines(keepends=True),
                f"a/{name}",
                f"b/{name}",
            )
        )

    def write(self) -> None:
        """Replace the file with `new` (a rename: a failed write leaves the old file)."""
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                out.write(self.new)
            Path(temporary).chmod(self.path.stat().st_mode & 0o777)
            Path(temporary).replace(self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


@dataclass
class _Entry:
    """One entry of `connections:` as the proposal sees it."""

    source: str
    destination: str
    ports: list[str]
    lines: tuple[int, int] | None = None
    """0-based [first, last) lines in the file; None for a new entry."""
    changed: bool = False


def _services(spec: StackSpec) -> set[str]:
    return {f"{ns.name}/{svc.name}" for ns in spec.kubernetes.namespaces for svc in ns.services}


def _item_lines(text_lines: list[str], node: positions.Node, stop: int) -> tuple[int, int]:
    """[first, last) lines of a block sequence item starting at `node` (1-based line),
    ending before `stop` (0-based) or the first line indented less than its content."""
    first = node.line - 1
    indent = node.column - 1
    last = first + 1
    while last < stop:
        line = text_lines[last]
        stripped = line.strip()
        if stripped and len(line) - len(line.lstrip(" ")) < indent:
            break
        last += 1
    while last > first + 1 and not text_lines[last - 1].strip():
        last -= 1
    return first, last


def _render(entry: _Entry, dash: int) -> list[str]:
    pad = " " * dash
    return [
        f"{pad}- from: {entry.source}\n",
        f"{pad}  to: {entry.destination}\n",
        f"{pad}  ports: [{', '.join(entry.ports)}]\n",
    ]


def _port_key(text: str) -> tuple[str, str]:
    port = parse_port_spec(text)
    if port.port is None:
        return "*", port.protocol.upper()
    span = f"{port.port}-{port.end_port}" if port.end_port else str(port.port)
    return span, port.protocol.upper()


def _doubtful(report: LearnReport, entries: list[_Entry]) -> list[str]:
    """The unmapped ends that may be a declared connection's, so that nothing is removed
    on the word of flows they carried: a name in a namespace a declared connection names;
    an address, unless what runs was read (every pod and container then has its address)
    and the address was never seen opposite an end of a declared connection on the side
    it would take (the source of a connection into a declared destination, or the other
    way round): a node's, loopback's or the API server's traffic with each other is no
    declared connection's."""
    declared = {end.split("/")[0] for e in entries for end in (e.source, e.destination)}
    sources = {e.source for e in entries}
    destinations = {e.destination for e in entries}
    near = {
        lone
        for lone, side, other in report.beside
        if (other in destinations if side == "from" else other in sources)
    }
    return [
        name
        for name in report.unmapped
        if (
            name.split("/")[0] in declared
            if "/" in name
            else not report.addresses_known or name in near
        )
    ]


def propose(path: Path, report: LearnReport) -> Proposal:
    """The change of `path` (the stack file whose model `report` was learned on)."""
    text = path.read_text(encoding="utf-8")
    config = read_stack_file(path)
    spec = parse_stack_config(config, path.name)
    services = _services(spec)
    raw: Any = (config.get(KUBERNETES) or {}).get("connections") or []
    entries = [
        _Entry(
            str(item.get("from")), str(item.get("to")), [str(p) for p in item.get("ports") or []]
        )
        for item in raw
        if isinstance(item, dict)
    ]
    removed: list[str] = []
    unused: dict[int, set[tuple[str, str]]] = {}
    notes: list[str] = []
    doubtful = _doubtful(report, entries)
    if doubtful:
        notes.append(
            f"removals: {len(doubtful)} address(es) or name(s) map to no object of the model "
            f"({', '.join(sorted(doubtful)[:3])}{' ...' if len(doubtful) > 3 else ''}), so a "
            "connection listed as unused may have been used; map them first"
        )
    for item in () if doubtful else report.unused:
        if item.declared and item.connection is not None:
            unused.setdefault(item.connection, set()).add((item.port, item.protocol))
    for index, gone in unused.items():
        entry = entries[index]
        kept = [p for p in entry.ports if _port_key(p) not in gone]
        if kept != entry.ports:
            dropped = [p for p in entry.ports if p not in kept]
            what = "remove" if not kept else f"narrow to {', '.join(kept)}: drop"
            removed.append(
                f"{entry.source} -> {entry.destination} : {what} {', '.join(dropped)} (unused)"
            )
            entry.ports, entry.changed = kept, True
    added: list[str] = []
    by_pair = {(e.source, e.destination): e for e in entries}
    for use in report.undeclared_uses:
        source, destination, reason = _ends(use.src, use.dst, services)
        if reason:
            notes.append(f"{use.src} -> {use.dst} : {use.port}/{use.protocol}: {reason}")
            continue
        port = f"{use.port}/{use.protocol}"
        if use.protocol not in ("TCP", "UDP", "SCTP") or use.port == 0:
            notes.append(
                f"{use.src} -> {use.dst} : {use.protocol}: connections declare ports of TCP, UDP or SCTP"
            )
            continue
        target = by_pair.get((source, destination))
        if target is None:
            target = _Entry(source, destination, [], changed=True)
            by_pair[(source, destination)] = target
            entries.append(target)
        if _port_key(port) not in {_port_key(p) for p in target.ports}:
            target.ports.append(port)
            target.changed = True
            added.append(f"{source} -> {destination} : {port}")
    for entry in entries:
        if entry.changed and entry.ports:
            # Typed before it is written: the spec refuses what it would refuse in the file.
            validate_record(
                ConnectionSpec,
                {"from": entry.source, "to": entry.destination, "ports": entry.ports},
                f"{path.name}: proposed kubernetes.connections entry",
            )
    new = _edit(text, path, entries) if (added or removed) else text
    if new != text:
        _check(new, path)
    return Proposal(path, text, new, tuple(added), tuple(removed), tuple(notes))


def _ends(src: Party, dst: Party, services: set[str]) -> tuple[str, str, str]:
    """(from, to, "") as the stack file writes them, or "", "" and why they cannot be."""
    kube = (PartyKind.WORKLOAD, PartyKind.SERVICE)
    if src.kind not in kube:
        return "", "", f"the source is {src.kind}; connections start at a service of the stack"
    if dst.kind in kube:
        destination = dst.name
    elif dst.kind is PartyKind.EXTERNAL and " " not in dst.name:
        destination = f"{dst.name}/{128 if ':' in dst.name else 32}"
    else:
        return "", "", f"the destination is {dst.kind}, with no address to declare"
    for party in (src, dst):
        if party.kind in kube and party.name not in services:
            return (
                "",
                "",
                (
                    f"{party.name} is no service of the stack; declare it under "
                    "kubernetes.namespaces[].services first"
                ),
            )
    return src.name, destination, ""


def _edit(text: str, path: Path, entries: list[_Entry]) -> str:
    """`text` with the `connections:` entries replaced as `entries` say."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    (root,) = positions.documents(text) or [None]
    kubernetes = root.get("config", KUBERNETES) if root is not None else None
    if kubernetes is None or kubernetes.kind != "mapping":
        raise NetkitError(
            f"{printable(path.name)}: no {KUBERNETES} mapping to declare connections in"
        )
    node = kubernetes.get("connections")
    if node is None:
        indent = kubernetes.column - 1
        _, end = _item_lines(lines, kubernetes, len(lines))
        added = [f"{' ' * indent}connections:\n"]
        for entry in entries:
            added += _render(entry, indent + 2)
        return "".join(lines[:end] + added + lines[end:])
    if (
        node.kind != "sequence"
        or not node.items
        or not lines[node.line - 1].lstrip().startswith("-")
    ):
        raise NetkitError(
            f"{printable(path.name)}:{node.line}: {KUBERNETES}.connections is written in flow "
            "style ([...]); write it as a block list (one '- from:' entry a line) for --write"
        )
    spans = []
    for number, item in enumerate(node.items):
        stop = node.items[number + 1].line - 1 if number + 1 < len(node.items) else len(lines)
        spans.append(_item_lines(lines, item, stop))
    dash = node.items[0].column - 3
    block: list[str] = []
    for number, entry in enumerate(entries):
        if number < len(spans) and not entry.changed:
            first, last = spans[number]
            block += lines[first:last]
        elif entry.ports:
            block += _render(entry, dash)
    first, last = spans[0][0], spans[-1][1]
    if not block:  # every entry removed: an empty list, not a key without a value
        key = first - 1
        while key >= 0 and not lines[key].rstrip().endswith("connections:"):
            key -= 1
        lines[key] = lines[key].rstrip("\n").rstrip() + " []\n"
    return "".join(lines[:first] + block + lines[last:])


def _check(new: str, path: Path) -> None:
    """The changed file read as the spec reads it; a problem is a bug, said as such."""
    try:
        (document,) = load_yaml_documents(new)
        parse_stack_config(dict(document.get("config") or {}), path.name)
    except (InvalidStackConfig, ValueError) as error:
        raise NetkitError(
            f"{printable(path.name)}: the proposed change does not pass the spec ({error}); "
            "nothing is written"
        ) from None
