"""Resource lists: `[{type, name, urn, inputs}]`, as `netkit synth --format json` prints."""

from __future__ import annotations

from pathlib import Path

from netkit.documents import read_documents
from netkit.errors import ManifestError
from netkit.resources import Resource


def read_resource_list(path: Path) -> list[Resource] | None:
    """The resources of a resource-list JSON file, or None for anything else (the
    manifest reader then reports what is wrong with it)."""
    if path.suffix.lower() != ".json":
        return None
    try:
        # The hardened reader: a FIFO, a bomb or a key written twice is refused here too.
        (document,) = read_documents(path)
    except ManifestError:
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
