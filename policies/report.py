"""The findings of `netkit check`, written for people, for programs and for code review.

- `txt`: one line per finding (`FILE:LINE:COLUMN: level  severity  rule  resource
  message` when it has a place), then its remediation, then a summary line;
- `json`: `{"target", "violations": [...], "summary"}`, each violation with its severity,
  remediation, URL and location;
- `sarif`: SARIF 2.1.0, what code-scanning tools read (GitHub's among them): one run,
  the pack's rules as the driver's rules (description, help text and URL, tags,
  `security-severity`), a result per finding with its file, line and column;
- `github`: GitHub workflow commands, `::error file=F,line=L,col=C,title=RULE::MESSAGE`
  (`::warning` for advisory findings), which a workflow step turns into annotations on
  the pull request's diff.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

import netkit
from netkit_policies.rules.base import Finding, Level, Rule, Severity

__all__ = ["FORMATS", "render_findings", "sarif_document", "summary"]

FORMATS = ("txt", "text", "json", "sarif", "github")

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_SARIF_LEVEL = {Level.MANDATORY: "error", Level.ADVISORY: "warning", Level.DISABLED: "none"}
_SECURITY_SEVERITY = {
    Severity.LOW: "3.0",
    Severity.MEDIUM: "5.5",
    Severity.HIGH: "8.0",
    Severity.CRITICAL: "9.5",
}
"""GitHub code scanning reads `security-severity` (0-10) into low/medium/high/critical."""


def summary(target: str, findings: Sequence[Finding]) -> str:
    """`stack dev: 0 violations`, or `...: 3 violations (2 mandatory, 1 advisory)`."""
    total = len(findings)
    mandatory = sum(1 for f in findings if f.level is Level.MANDATORY)
    if total == 0:
        return f"{target}: 0 violations"
    return (
        f"{target}: {total} violation{'' if total == 1 else 's'} "
        f"({mandatory} mandatory, {total - mandatory} advisory)"
    )


def _txt(target: str, findings: Sequence[Finding]) -> str:
    lines: list[str] = []
    for finding in findings:
        lines.append(finding.line())
        lines.append(f"    fix: {finding.remediation}")
    lines.append(summary(target, findings))
    return "\n".join(lines)


def _json(target: str, findings: Sequence[Finding]) -> str:
    mandatory = sum(1 for f in findings if f.level is Level.MANDATORY)
    document: dict[str, Any] = {
        "target": target,
        "violations": [finding.to_json() for finding in findings],
        "summary": {"mandatory": mandatory, "advisory": len(findings) - mandatory},
    }
    return json.dumps(document, indent=2)


def _sarif_rule(rule: Rule, level: Level) -> dict[str, Any]:
    return {
        "id": rule.name,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": rule.description},
        "fullDescription": {"text": rule.description},
        "help": {
            "text": f"{rule.remediation} More: {rule.url}",
            "markdown": f"{rule.remediation}\n\n[More information]({rule.url})",
        },
        "helpUri": rule.url,
        "defaultConfiguration": {"level": _SARIF_LEVEL[level]},
        "properties": {
            "tags": list(dict.fromkeys([*rule.tags, "security"])),
            "severity": str(rule.severity),
            "security-severity": _SECURITY_SEVERITY[rule.severity],
        },
    }


def _artifact(file: str) -> dict[str, str]:
    """A file as SARIF names it: relative to the source root (`%SRCROOT%`, the folder
    the check ran in), or a `file:` URI when it lies outside."""
    path = PurePath(file)
    if path.is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path.as_posix()), "uriBaseId": "%SRCROOT%"}


def _sarif_result(finding: Finding, index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": _SARIF_LEVEL[finding.level],
        "message": {"text": finding.message},
        "properties": {"severity": str(finding.severity), "remediation": finding.remediation},
    }
    location: dict[str, Any] = {
        "logicalLocations": [
            {"fullyQualifiedName": finding.resource.describe(), "kind": "resource"}
        ]
    }
    if finding.location is not None:
        location["physicalLocation"] = {
            "artifactLocation": _artifact(finding.location.file),
            "region": {
                "startLine": finding.location.line,
                "startColumn": finding.location.column,
            },
        }
    result["locations"] = [location]
    return result


def sarif_document(
    findings: Sequence[Finding], rules: Sequence[tuple[Rule, Level]]
) -> dict[str, Any]:
    """A SARIF 2.1.0 log of one run: `rules` (each at its configured level) and findings."""
    index = {rule.name: number for number, (rule, _) in enumerate(rules)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "netkit",
                        "version": netkit.__version__,
                        "rules": [_sarif_rule(rule, level) for rule, level in rules],
                    }
                },
                "results": [
                    _sarif_result(finding, index.get(finding.rule, -1)) for finding in findings
                ],
            }
        ],
    }


def _escape(text: str, *, property_value: bool = False) -> str:
    """GitHub workflow command escaping (`%`, CR, LF; in properties also `:` and `,`)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _github(findings: Sequence[Finding]) -> str:
    lines: list[str] = []
    for finding in findings:
        command = "error" if finding.level is Level.MANDATORY else "warning"
        properties: list[str] = []
        if finding.location is not None:
            properties += [
                f"file={_escape(finding.location.file, property_value=True)}",
                f"line={finding.location.line}",
                f"col={finding.location.column}",
            ]
        title = f"{finding.rule} ({finding.severity})"
        properties.append(f"title={_escape(title, property_value=True)}")
        message = f"{finding.resource.describe()}: {finding.message}\nFix: {finding.remediation}"
        lines.append(f"::{command} {','.join(properties)}::{_escape(message)}")
    return "\n".join(lines)


def render_findings(
    findings: Sequence[Finding], fmt: str, target: str, rules: Sequence[tuple[Rule, Level]] = ()
) -> str:
    """The findings in format `fmt` (see `FORMATS`), without a trailing newline."""
    if fmt == "json":
        return _json(target, findings)
    if fmt == "sarif":
        return json.dumps(sarif_document(findings, rules), indent=2)
    if fmt == "github":
        return _github(findings)
    return _txt(target, findings)
