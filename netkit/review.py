"""What a reviewer of a pull request needs to see about one stack, in Markdown.

First the exposure change, when there is one (a pull request that opens a service to
every namespace is the first thing a reviewer must see): the potential peers each
workload is newly exposed to, or no longer (`netkit.diff.exposure_diff`). Then three
parts, each from its own front door: the resources the preview would change
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

from netkit.diff import ConnectionDiff, DiffType, ExposureChange, render_diff, render_exposure_diff
from netkit.reachability import Direction
from netkit.reachability.exposure import ENTIRE_CLUSTER
from netkit.sources.engine_json import EngineDocument, PreviewStep, change_summary, preview_steps

__all__ = [
    "FindingsChange",
    "ResourceChange",
    "comment_section",
    "exposure_sentence",
    "findings_change",
    "render_summary",
    "resource_changes",
]

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
    """The preview's steps that change something, in the engine's order; a step whose
    fields are not of the types the engine writes is a `ManifestError` naming it
    (`netkit.sources.engine_json.preview_steps`)."""
    changes = []
    for step in preview_steps(preview):
        if step.op in UNCHANGED_OPS:
            continue
        name = step.urn.rsplit("::", 1)[-1]
        changes.append(ResourceChange(step.op, step.type, name, _changed_properties(step)))
    return changes


def _changed_properties(step: PreviewStep) -> tuple[str, ...]:
    """The provider's detailed diff, else the engine's reasons; a component resource has
    neither (no provider diffs it), so its top-level inputs that differ."""
    if step.detailed_diff:
        return step.detailed_diff
    if step.reasons:
        return step.reasons
    if step.op != "update":
        return ()
    old, new = step.inputs("old"), step.inputs("new")
    return tuple(
        sorted(str(key) for key in old.keys() | new.keys() if old.get(key) != new.get(key))
    )


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


def exposure_sentence(change: ExposureChange) -> str:
    """`- **opens** `shop-api/api[Deployment]` to `entire-cluster` on TCP 8080 (...)`."""
    workload, peer = f"`{change.workload}`", f"`{change.peer}`"
    ingress = change.direction is Direction.INGRESS
    if change.kind is DiffType.ADDED:
        text = (
            f"**opens** {workload} to {peer} on {change.new}"
            if ingress
            else f"**lets** {workload} reach {peer} on {change.new}"
        )
    elif change.kind is DiffType.REMOVED:
        text = (
            f"**closes** {workload} to {peer} (was {change.old})"
            if ingress
            else f"**stops** {workload} reaching {peer} (was {change.old})"
        )
    else:
        towards = f"{peer} may send {workload}" if ingress else f"{workload} may send {peer}"
        text = f"**changes** what {towards} from {change.old} to {change.new}"
    notes = []
    if change.peer == ENTIRE_CLUSTER:
        notes.append("every pod of every namespace")
    if change.protection == "no longer protected":
        notes.append(f"no NetworkPolicy selects it for {change.direction} any more")
    elif change.protection:
        notes.append(f"a NetworkPolicy now selects it for {change.direction}")
    return f"- {text}" + (f" ({'; '.join(notes)})" if notes else "")


def _violation_row(v: Mapping[str, Any]) -> list[str]:
    name = v.get("name", "")
    where = f"{v['namespace']}/" if v.get("namespace") and name else ""
    resource = f"{v.get('kind', '')} {where}{name}".strip()
    location = v.get("location")
    if isinstance(location, Mapping):
        resource += f" (`{location.get('file')}:{location.get('line')}:{location.get('column')}`)"
    return [
        str(v.get("level", "")),
        str(v.get("severity", "")),
        f"`{v.get('rule', '')}`",
        resource,
        str(v.get("message", "")),
    ]


def render_summary(
    stack: str,
    *,
    diffs: Sequence[ConnectionDiff],
    violations: Sequence[Mapping[str, Any]],
    before: str,
    after: str,
    preview: EngineDocument | None = None,
    notes: Sequence[str] = (),
    exposure: Sequence[ExposureChange] = (),
    staged: Sequence[ConnectionDiff] | None = None,
) -> str:
    """The Markdown for one stack.

    `before` and `after` say where each side of the reachability diff came from (the
    deployed state, the base branch's stack file, the pull request's preview); without a
    `preview` (the offline check) the resources section says so instead of counting.
    `violations` are `netkit check --format json` records (`Finding.to_json`);
    `exposure` is the exposure change between the same two sides. `staged`,
    when the pull request holds staged Calico policies, is what they would change were they
    enforced (`netkit.staged.staged_effect`): a section of its own, never mixed with the
    reachability diff, since staged policies decide no traffic.
    """
    lines = [f"## Stack `{stack}`", ""]
    lines.extend(f"> {note}" for note in notes)
    if notes:
        lines.append("")
    if exposure:
        count = len(exposure)
        lines += [
            f"### Exposure: {count} change{'s' if count != 1 else ''} beyond the workloads "
            "that exist",
            "",
            *(exposure_sentence(change) for change in exposure),
            "",
            render_exposure_diff(exposure, "md"),
            "",
        ]

    if preview is None:
        lines += ["### Resources", "", "No preview: the offline check ran instead.", ""]
    else:
        changes = resource_changes(preview)
        summary = change_summary(preview) or Counter(c.op for c in changes)
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
                ["level", "severity", "rule", "resource", "message"],
                [_violation_row(v) for v in violations],
            ),
            "",
        ]
    else:
        lines += ["### Policy pack: no violations", ""]

    what = (
        f"{len(diffs)} pair{'s' if len(diffs) != 1 else ''} of endpoints" if diffs else "no change"
    )
    lines += [f"### Reachability: {what}", "", f"From {before} to {after}.", ""]
    if diffs:
        lines += [_sentence(d) for d in diffs]
        lines += ["", render_diff(diffs, "md"), ""]
    if staged is not None:
        what = f"{len(staged)} pair{'s' if len(staged) != 1 else ''}" if staged else "no change"
        lines += [
            f"### Staged policies, were they enforced: {what}",
            "",
            f"What the staged policies of {after} would change; they decide no traffic now.",
            "",
        ]
        if staged:
            lines += [_sentence(d) for d in staged]
            lines += ["", render_diff(staged, "md"), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- the comment

COMMENT_ITEMS = 20
"""A list of the pull-request comment longer than this is cut; the job summary has all."""
_SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


@dataclass(frozen=True)
class FindingsChange:
    """The pack's findings the pull request brings in, and those it fixes."""

    new: tuple[Mapping[str, Any], ...]
    fixed: tuple[Mapping[str, Any], ...]
    remaining: int
    """Findings on both sides."""


def _finding_key(record: Mapping[str, Any]) -> tuple[str, str, str, str, str]:
    return (
        str(record.get("rule", "")),
        str(record.get("kind", "")),
        str(record.get("namespace", "")),
        str(record.get("name", "")),
        str(record.get("message", "")),
    )


def _by_severity(records: Sequence[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    return tuple(
        sorted(
            records,
            key=lambda r: (
                r.get("level") != "mandatory",
                _SEVERITY_ORDER.get(str(r.get("severity")), 4),
                _finding_key(r),
            ),
        )
    )


def findings_change(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]
) -> FindingsChange:
    """New and fixed findings (`Finding.to_json` records), most severe first."""
    old = {_finding_key(record): record for record in before}
    new = {_finding_key(record): record for record in after}
    return FindingsChange(
        _by_severity([record for key, record in new.items() if key not in old]),
        _by_severity([record for key, record in old.items() if key not in new]),
        len(old.keys() & new.keys()),
    )


def _finding_item(record: Mapping[str, Any]) -> str:
    name = record.get("name", "")
    where = f"{record['namespace']}/" if record.get("namespace") and name else ""
    resource = f"{record.get('kind', '')} {where}{name}".strip()
    location = record.get("location")
    at = ""
    if isinstance(location, Mapping):
        at = f" at `{location.get('file')}:{location.get('line')}:{location.get('column')}`"
    return (
        f"**{record.get('severity', '')}** ({record.get('level', '')}) "
        f"`{record.get('rule', '')}` {resource}{at}: {record.get('message', '')}"
    )


def _capped(items: Sequence[str]) -> list[str]:
    shown = [f"- {item.removeprefix('- ')}" for item in items[:COMMENT_ITEMS]]
    if len(items) > COMMENT_ITEMS:
        shown.append(f"- … and {len(items) - COMMENT_ITEMS} more (see the job summary)")
    return shown


def comment_section(
    stack: str,
    *,
    diffs: Sequence[ConnectionDiff],
    exposure: Sequence[ExposureChange],
    findings: FindingsChange,
    preview: EngineDocument | None = None,
    notes: Sequence[str] = (),
) -> str:
    """One stack's part of the pull-request comment: the exposure change, new and fixed
    findings with their severity, the reachability diff and the changed resources, each
    as a short list (the job summary keeps the full text and tables)."""
    lines = [f"### Stack `{stack}`", ""]
    lines.extend(f"> {note}" for note in notes)
    if notes:
        lines.append("")
    if exposure:
        lines += ["**Exposure** beyond the workloads that exist:", ""]
        lines += _capped([exposure_sentence(change) for change in exposure])
        lines.append("")
    count_new, count_fixed = len(findings.new), len(findings.fixed)
    if count_new or count_fixed:
        lines += [
            f"**Policy pack**: {count_new} new, {count_fixed} fixed, "
            f"{findings.remaining} unchanged",
            "",
        ]
        lines += _capped([f"new: {_finding_item(r)}" for r in findings.new])
        lines += _capped([f"fixed: {_finding_item(r)}" for r in findings.fixed])
        lines.append("")
    else:
        lines += [f"**Policy pack**: no new finding ({findings.remaining} unchanged)", ""]
    if diffs:
        lines += [f"**Reachability**: {len(diffs)} pair{'s' if len(diffs) != 1 else ''}", ""]
        lines += _capped([_sentence(d) for d in diffs])
        lines.append("")
    else:
        lines += ["**Reachability**: no change", ""]
    if preview is None:
        lines += ["**Resources**: no preview (the offline check ran)", ""]
    else:
        changes = resource_changes(preview)
        summary = preview.document.get("changeSummary") or Counter(c.op for c in changes)
        lines += [f"**Resources**: {_counts(summary)}", ""]
        lines += _capped([f"{c.op} `{c.type}` {c.name}" for c in changes])
        if changes:
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
