"""A learn report for people (text, Markdown) and for programs (JSON), one formatter each."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from netkit.observed.learn import Item, LearnReport
from netkit.observed.proposal import Proposal

FORMATS = ("text", "markdown", "json")

HEADINGS = {
    "used": "Used and declared",
    "unused": "Declared (or merely allowed) but never used in the window: the over-privilege",
    "undeclared": "Used but not declared: a default deny would break these",
    "denied": "Attempted, denied: a policy dropped these",
}
NOT_VISIBLE = (
    "attempted, denied: not visible in these files. Connection tracking never sees an "
    "attempt a policy dropped (it makes no entry), nor does a trace of established "
    "connections; only Hubble and Calico flow files show them"
)


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def window_text(report: LearnReport) -> str:
    if report.window is None:
        return "no flows"
    start, end = report.window
    seconds = round((end - start).total_seconds())
    return f"{_time(start)} .. {_time(end)} ({timedelta(seconds=seconds)})"


def _sections(report: LearnReport) -> list[tuple[str, Sequence[Item]]]:
    return [
        ("used", report.used),
        ("unused", report.unused),
        ("undeclared", report.undeclared),
        ("denied", report.denied),
    ]


def render_text(report: LearnReport, title: str, proposal: Proposal | None) -> str:
    out = [f"{title}", f"window: {window_text(report)}", ""]
    for key, items in _sections(report):
        if key == "denied" and not report.sees_denied:
            out += [NOT_VISIBLE, ""]
            continue
        out.append(f"{HEADINGS[key]} ({len(items)}):")
        out += [f"  {item.line()}" for item in items] or ["  (none)"]
        out.append("")
    if report.unmapped:
        out.append(f"Unmapped: no object of the model has these ends ({len(report.unmapped)}):")
        out += [f"  {name}  {count}x" for name, count in sorted(report.unmapped.items())]
        out.append("")
    out += [f"note: {note}" for note in report.notes]
    if report.notes:
        out.append("")
    out += _proposal_lines(proposal, fence=False)
    return "\n".join(out).rstrip("\n")


def render_markdown(report: LearnReport, title: str, proposal: Proposal | None) -> str:
    out = [f"## {title}", "", f"Window: {window_text(report)}", ""]
    for key, items in _sections(report):
        if key == "denied" and not report.sees_denied:
            out += [f"_{NOT_VISIBLE}._", ""]
            continue
        out += [f"### {HEADINGS[key]} ({len(items)})", ""]
        if not items:
            out += ["(none)", ""]
            continue
        out += ["| Source | Destination | Port | Count | Via |", "|---|---|---|---|---|"]
        for item in items:
            port = f"{item.port}/{item.protocol}" if item.protocol else item.port
            extra = " (allowed, not declared)" if item.allowed and not item.declared else ""
            out.append(
                f"| `{item.src}` | `{item.dst}` | {port}{extra} | {item.count or ''} | "
                f"{', '.join(item.via)} |"
            )
        out.append("")
    if report.unmapped:
        out += [f"### Unmapped ({len(report.unmapped)})", ""]
        out += [f"- `{name}`: {count}" for name, count in sorted(report.unmapped.items())]
        out.append("")
    out += [f"> {note}" for note in report.notes]
    if report.notes:
        out.append("")
    out += _proposal_lines(proposal, fence=True)
    return "\n".join(out).rstrip("\n")


def _proposal_lines(proposal: Proposal | None, *, fence: bool) -> list[str]:
    if proposal is None:
        return []
    lines = []
    if not proposal.changes:
        lines.append(f"No change to propose to {proposal.path.name}.")
    else:
        lines.append(f"Proposed change to {proposal.path.name} (written with --write):")
        diff = proposal.diff().rstrip("\n")
        lines += ["```diff", diff, "```"] if fence else [diff]
    lines += [f"not proposed: {note}" for note in proposal.notes]
    return lines


def render_json(report: LearnReport, title: str, proposal: Proposal | None) -> str:
    document = {"title": title, **report.to_json()}
    if proposal is not None:
        document["proposal"] = {
            "file": proposal.path.name,
            "diff": proposal.diff(),
            "added": list(proposal.added),
            "removed": list(proposal.removed),
            "not_proposed": list(proposal.notes),
        }
    return json.dumps(document, indent=2)


RENDERERS: dict[str, Callable[[LearnReport, str, Proposal | None], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}


def render(report: LearnReport, fmt: str, title: str, proposal: Proposal | None = None) -> str:
    return RENDERERS[fmt](report, title, proposal)
