"""Resource lists: `[{type, name, urn, inputs}]`, as `netkit synth --format json` prints."""

from __future__ import annotations

from pathlib import Path

from netkit.documents import read_documents
from netkit.errors import ManifestError
from netkit.resources import Resource
from netkit.shapes import describe


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
    resources = []
    for index, item in enumerate(document):
        where = f"{path}: [{index}]"
        kind, name, urn, inputs = (item.get(k) for k in ("type", "name", "urn", "inputs"))
        # Typed as `netkit synth --format json` writes them: nothing is turned into text.
        if not isinstance(kind, str) or not kind:
            raise ManifestError(f"{where}.type: expected a type token, got {describe(kind)}")
        for key, value in (("name", name), ("urn", urn)):
            if value is not None and not isinstance(value, str):
                raise ManifestError(f"{where}.{key}: expected a string, got {describe(value)}")
        resources.append(Resource(kind, name or f"{path.name}[{index}]", urn or "", inputs))
    return resources
