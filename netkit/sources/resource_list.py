"""Resource lists: `[{type, name, urn, inputs}]`, as `netkit synth --format json` prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from netkit.resources import Resource


def read_resource_list(path: Path) -> list[Resource] | None:
    """The resources of a resource-list JSON file, or None for anything else (the
    manifest reader then reports what is wrong with it)."""
    if path.suffix.lower() != ".json":
        return None
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not (
        isinstance(document, list)
        and document
        and all(isinstance(item, dict) and "type" in item and "inputs" in item for item in document)
    ):
        return None
    return [
        Resource(
            str(item["type"]),
            str(item.get("name") or f"{path.name}[{index}]"),
            str(item.get("urn") or ""),
            item["inputs"],
        )
        for index, item in enumerate(document)
    ]
