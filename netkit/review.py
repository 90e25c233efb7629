"""What a reviewer of a pull request needs to see about one stack, in Markdown.

Three parts, each from its own front door: the resources the preview would change
(`pulumi preview --json`), the policy pack's violations on the pull request's model, and
the reachability diff between what is deployed and what the pull request would deploy
(`netkit.diff`), with one sentence per pair ("opens shop-web/web → shop-data/db on TCP
5432") above the table `netkit diff --format md` prints. CI writes it to the job summary
(`scripts/preview-summary.py`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netkit.diff import ConnectionDiff, DiffType, render_diff
from netkit.sources.engine_json import EngineDocument

__all__ = ["ResourceChange", "render_summary", "resource_changes"]

UNCHANGED_OPS = frozenset({"same", "read"})
"""Steps that change nothing (`read`: a data source or `.get`)."""
MAX_ROWS = 100
"""A table longer than this is cut, with a line saying how many rows were left out."""
_OP_WORDS = {
    "create": "to create",
    "update": "to update",
    "delete": "to delete",
    "replace": "to replace",
    "create-replacement": "to create as replacements",
    "delete-replaced": "to delete after replacement",
    "import": "to import",
    "same": "unchanged",
}


@dataclass(frozen=True)
class ResourceChange:
    """One step of a preview that changes a resource."""

    op: str
    type: str
    name: str
    properties: tuple[str, ...] = ()
    """The properties that differ (for updates and replacements)."""


def resource_changes(preview: EngineDocument) -> list[ResourceChange]:
    """The preview's steps that change something, in the engine's order."""
    changes = []
    for step in preview.document.get("steps") or []:
        op = str(step.get("op", ""))
        if op in UNCHANGED_OPS:
            continue
        urn = str(step.get("urn", ""))
        old, new = step.get("oldState") or {}, step.get("newState") or {}
        state = new or old
        properties = _changed_properties(step, old.get("inputs") or {}, new.get("inputs") or {})
        changes.append(
            ResourceChange(op, str(state.get("type", "")), urn.rsplit("::", 1)[-1], properties)
        )
    return changes


def _changed_properties(
    step: Mapping[str, Any], old: Mapping[str, Any], new: Mapping[str, Any]
) -> tuple[str, ...]:
    """The provider's detailed diff, else the engine's reasons; a component resource has
    neither (no provider diffs it), so its top-level inputs that differ."""
    detailed = step.get("detailedDiff") or {}
    if detailed:
        return tuple(sorted(detailed))
    reasons = step.get("replaceReasons") or step.get("diffReasons") or []
    if reasons:
        return tuple(str(reason) for reason in reasons)
    if step.get("op") != "update":
        return ()
    return tuple(sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key)))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows[:MAX_ROWS])
    if len(rows) > MAX_ROWS:
        lines.append(f"\n… and {len(rows) - MAX_ROWS} more rows.")
    return lines


def _counts(summary: Mapping[str, int]) -> str:
    parts = [
        f"{count} {_OP_WORDS.get(op, op)}"
        for op, count in sorted(summary.items(), key=lambda item: (item[0] == "same", item[0]))
        if count
    ]
    return ", ".join(parts) if parts else "none"


def _sentence(d: ConnectionDiff) -> str:
    pair = f"`{d.src}` → `{d.dst}`"
    if d.kind is DiffType.ADDED:
        text = f"**opens** {pair} on {d.new}"
    elif d.kind is DiffType.REMOVED:
        text = f"**closes** {pair} (was {d.old})"
    else:
        text = f"**changes** {pair} from {d.old} to {d.new}"
    return f"- {text}" + (f" ({d.workloads})" if d.workloads else "")


def _violation_row(v: Mapping[str, str]) -> list[str]:
    name = v.get("name", "")
    where = f"{v['namespace']}/" if v.get("namespace") and name else ""
    resource = f"{v.get('kind', '')} {where}{name}".strip()
    return [v.get("level", ""), f"`{v.get('rule', '')}`", resource, v.get("message", "")]


def render_summary(
    stack: str,
    *,
    diffs: Sequence[ConnectionDiff],
    violations: Sequence[Mapping[str, str]],
    before: str,
    after: str,
    preview: EngineDocument | None = None,
    notes: Sequence[str] = (),
) -> str:
    """The Markdown for one stack.

    `before` and `after` say where each side of the reachability diff came from (the
    deployed state, the base branch's stack file, the pull request's preview); without a
    `preview` (the offline check) the resources section says so instead of counting.
    `violations` are `netkit check --format json` records (`Finding.to_json`).
    """
    lines = [f"## Stack `{stack}`", ""]
    lines.extend(f"> {note}" for note in notes)
    if notes:
        lines.append("")

    if preview is None:
        lines += ["### Resources", "", "No preview: the offline check ran instead.", ""]
    else:
        changes = resource_changes(preview)
        summary = preview.document.get("changeSummary") or Counter(c.op for c in changes)
        lines += [f"### Resources: {_counts(summary)}", ""]
        if changes:
            rows = [[c.op, f"`{c.type}`", c.name, ", ".join(c.properties)] for c in changes]
            lines += [*_table(["op", "type", "name", "properties"], rows), ""]
        else:
            lines += ["The preview changes no resource.", ""]

    mandatory = sum(1 for v in violations if v.get("level") == "mandatory")
    if violations:
        lines += [
            f"### Policy pack: {len(violations)} violation{'s' if len(violations) != 1 else ''} "
            f"({mandatory} mandatory, {len(violations) - mandatory} advisory)",
            "",
            *_table(
                ["level", "rule", "resource", "message"], [_violation_row(v) for v in violations]
            ),
            "",
        ]
    else:
        lines += ["### Policy pack: no violations", ""]

    what = (
        f"{len(diffs)} pair{'s' if len(diffs) != 1 else ''} of workloads" if diffs else "no change"
    )
    lines += [f"### Reachability: {what}", "", f"From {before} to {after}.", ""]
    if diffs:
        lines += [_sentence(d) for d in diffs]
        lines += ["", render_diff(diffs, "md"), ""]
    return "\n".join(lines).rstrip("\n") + "\n"
