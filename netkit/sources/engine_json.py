"""Resources from what the Pulumi CLI prints: a stack's state, and a preview.

    pulumi stack export --stack dev > deployed.json        # what is deployed
    pulumi preview --stack dev --json --show-sames > preview.json   # what it would deploy

Both hold resources as the engine does (type token, URN, inputs with engine names), so
`netkit.resources.model_from_resources` reads them as it reads `netkit synth` output: the
model of what is deployed, and of what a pull request would deploy. Every command that
takes paths reads them (`netkit diff --format md deployed.json preview.json`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from netkit import shapes
from netkit.documents import read_text
from netkit.errors import ManifestError, shown
from netkit.resources import UNKNOWN, Resource
from netkit.structured import DocumentProblem, load_json

__all__ = [
    "DocumentKind",
    "EngineDocument",
    "PreviewStep",
    "change_summary",
    "preview_steps",
    "read_engine_document",
    "read_engine_resources",
    "resources_from_export",
    "resources_from_preview",
]

SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"
"""The key that marks a secret value in engine JSON (`pulumi stack export`)."""
DELETE_OPS = frozenset(
    {"delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"}
)
"""Preview steps after which the resource is gone."""
ROOT_TYPE = "pulumi:pulumi:Stack"


class DocumentKind(StrEnum):
    EXPORT = "pulumi stack export"
    PREVIEW = "pulumi preview --json"


@dataclass(frozen=True)
class EngineDocument:
    """A JSON document the Pulumi CLI printed, and which command printed it."""

    kind: DocumentKind
    document: Mapping[str, Any]
    origin: str


def read_engine_document(path: Path, *, required: str = "") -> EngineDocument | None:
    """`path` read as `pulumi stack export` or `pulumi preview --json` output, or None
    when it is neither (another JSON document, or not JSON at all). With `required` (the
    option that named the file), a file that cannot be read or is no JSON is a
    `ManifestError` naming that option, the file and the problem instead."""
    try:
        # The hardened reader: a FIFO, a nesting bomb or a key written twice is left to
        # the manifest reader, which refuses it in one line.
        document = load_json(read_text(path))
    except ManifestError as error:
        if required:
            raise ManifestError(f"{required} {error}") from None
        return None
    except DocumentProblem as error:
        if required:
            raise ManifestError(f"{required} {path}: {error.message}") from None
        return None
    except json.JSONDecodeError as error:
        if required:
            raise ManifestError(
                f"{required} {path}: not valid JSON: line {error.lineno}, column "
                f"{error.colno}: {error.msg}"
            ) from None
        return None
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("deployment"), dict) and "version" in document:
        return EngineDocument(DocumentKind.EXPORT, document, str(path))
    if "steps" in document or "changeSummary" in document:
        return EngineDocument(DocumentKind.PREVIEW, document, str(path))
    return None


def _plain(value: Any) -> Any:
    """Engine JSON as model input: a secret (exported ciphertext, or a preview's
    `[secret]`) is a value the reader cannot see, like an unknown."""
    if isinstance(value, Mapping):
        if SECRET_SIGNATURE in value:
            return UNKNOWN
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if value == "[secret]":
        return UNKNOWN
    return value


def _resource(state: Any, where: str) -> Resource | None:
    if not isinstance(state, Mapping):
        raise ManifestError(f"{where}: expected a resource object, got {shapes.describe(state)}")
    urn, kind = state.get("urn"), state.get("type")
    if not isinstance(urn, str) or not isinstance(kind, str):
        raise ManifestError(
            f"{where}: a resource needs a string 'urn' and 'type'; got {urn!r}, {kind!r}"
        )
    if kind == ROOT_TYPE or kind.startswith("pulumi:providers:"):
        return None
    inputs = state.get("inputs") or {}
    if not isinstance(inputs, Mapping):
        raise ManifestError(
            f"{where} ({urn}): inputs: expected a mapping, got {shapes.describe(inputs)}"
        )
    return Resource(kind, urn.rsplit("::", 1)[-1], urn, _plain(inputs))


def resources_from_export(exported: EngineDocument) -> list[Resource]:
    """The stack's resources as its state holds them (pending operations left out: they
    are not known to exist)."""
    deployment = exported.document["deployment"]
    items = deployment.get("resources") or []
    if not isinstance(items, list):
        raise ManifestError(
            f"{exported.origin}: deployment.resources: expected a list, got {shapes.describe(items)}"
        )
    found = (
        _resource(item, f"{exported.origin}: deployment.resources[{index}]")
        for index, item in enumerate(items)
    )
    return [res for res in found if res is not None]


def resources_from_preview(preview: EngineDocument, side: str = "new") -> list[Resource]:
    """The resources a preview ends with (`side="new"`: what the update would deploy) or
    starts from (`"old"`: the state it was compared with), one per URN.

    Only a preview run with `--show-sames` lists the resources it leaves unchanged; one
    without is refused (its `changeSummary` counts what it left out) rather than read as
    a stack that lost them.
    """
    if side not in ("new", "old"):
        raise ValueError(f"side {side!r}: expected 'new' or 'old'")
    steps = preview_steps(preview)
    summary = change_summary(preview)
    sames = sum(1 for step in steps if step.op == "same")
    if summary.get("same", 0) > sames:
        left_out = summary["same"] - sames
        raise ManifestError(
            f"{preview.origin}: the preview lists only what it changes ({left_out} unchanged "
            "resources left out), so it is not the whole stack; run `pulumi preview --json "
            "--show-sames`"
        )
    by_urn: dict[str, Resource] = {}
    for index, step in enumerate(steps):
        where = f"{preview.origin}: steps[{index}]"
        # A deleted resource is gone afterwards; a replaced one is not (its create step
        # carries the new state under the same URN).
        if side == "new" and step.op in DELETE_OPS:
            continue
        state = step.new_state if side == "new" else step.old_state
        if not state:
            continue
        res = _resource(state, where)
        if res is not None:
            by_urn[res.urn] = res
    return list(by_urn.values())


@dataclass(frozen=True)
class PreviewStep:
    """One step of `pulumi preview --json`, its fields checked for the types the engine
    writes (a reader of this JSON trusts nothing it did not check)."""

    op: str
    urn: str
    old_state: Mapping[str, Any]
    """Empty when the step has none (a create)."""
    new_state: Mapping[str, Any]
    """Empty when the step has none (a delete)."""
    detailed_diff: tuple[str, ...]
    """The properties the provider says differ."""
    reasons: tuple[str, ...]
    """The engine's replaceReasons, else its diffReasons."""

    @property
    def type(self) -> str:
        kind = (self.new_state or self.old_state).get("type", "")
        return kind if isinstance(kind, str) else ""

    def inputs(self, side: str) -> Mapping[str, Any]:
        state = self.new_state if side == "new" else self.old_state
        inputs = state.get("inputs") or {}
        return inputs if isinstance(inputs, Mapping) else {}


def _text(value: object, where: str, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise ManifestError(f"{where}: expected a string, got {shapes.describe(value)}")
    return value


def _names(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, Mapping):
        value = list(value)
    if not isinstance(value, list):
        raise ManifestError(f"{where}: expected a list, got {shapes.describe(value)}")
    return tuple(_text(item, f"{where}[{i}]", required=True) for i, item in enumerate(value))


def _state(value: object, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ManifestError(f"{where}: expected a resource state, got {shapes.describe(value)}")
    for key in ("type", "urn"):
        _text(value.get(key), f"{where}.{key}")
    inputs = value.get("inputs")
    if inputs is not None and not isinstance(inputs, Mapping):
        raise ManifestError(f"{where}.inputs: expected a mapping, got {shapes.describe(inputs)}")
    return value


def preview_steps(preview: EngineDocument) -> list[PreviewStep]:
    """The steps of a preview, each field of the type the engine writes, or a
    `ManifestError` naming the file, the step and the field."""
    steps = preview.document.get("steps") or []
    if not isinstance(steps, list):
        raise ManifestError(
            f"{preview.origin}: steps: expected a list, got {shapes.describe(steps)}"
        )
    found: list[PreviewStep] = []
    for index, step in enumerate(steps):
        where = f"{preview.origin}: steps[{index}]"
        if not isinstance(step, Mapping):
            raise ManifestError(f"{where}: expected a step object, got {shapes.describe(step)}")
        replace_reasons = _names(step.get("replaceReasons"), f"{where}.replaceReasons")
        diff_reasons = _names(step.get("diffReasons"), f"{where}.diffReasons")
        found.append(
            PreviewStep(
                op=_text(step.get("op"), f"{where}.op", required=True),
                urn=_text(step.get("urn"), f"{where}.urn"),
                old_state=_state(step.get("oldState"), f"{where}.oldState"),
                new_state=_state(step.get("newState"), f"{where}.newState"),
                detailed_diff=tuple(
                    sorted(_names(step.get("detailedDiff"), f"{where}.detailedDiff"))
                ),
                reasons=replace_reasons or diff_reasons,
            )
        )
    return found


def change_summary(preview: EngineDocument) -> dict[str, int]:
    """The preview's `changeSummary`, operation -> count. A count is a JSON integer of at
    least 0: not "many", not 2.5, not true, not digits of another script as text, not
    1e400 (which the JSON reader refuses as out of range)."""
    summary = preview.document.get("changeSummary") or {}
    where = f"{preview.origin}: changeSummary"
    if not isinstance(summary, Mapping):
        raise ManifestError(f"{where}: expected a mapping, got {shapes.describe(summary)}")
    counts: dict[str, int] = {}
    for op, count in summary.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ManifestError(
                f"{where}.{shown(op) if not isinstance(op, str) else op}: expected a count "
                f"of resources (a whole number, at least 0), got {shapes.describe(count)}"
            )
        counts[str(op)] = count
    return counts


def read_engine_resources(path: Path) -> list[Resource] | None:
    """The resources of a `pulumi stack export` file (what is deployed) or of a `pulumi
    preview --json` file (what the update would deploy), or None for anything else."""
    if path.suffix.lower() != ".json":
        return None
    document = read_engine_document(path)
    if document is None:
        return None
    if document.kind is DocumentKind.EXPORT:
        return resources_from_export(document)
    return resources_from_preview(document)
