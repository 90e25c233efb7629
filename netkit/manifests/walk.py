"""Files and folders -> objects: what `load_manifests` reads, and what it skips."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from netkit.documents import (
    MANIFEST_SUFFIXES,
    manifest_files,
    read_documents,
)
from netkit.errors import ManifestError
from netkit.manifests.build import model_from_objects
from netkit.model import (
    NetworkModel,
)


def load_manifests(paths: Sequence[Path]) -> NetworkModel:
    """Read manifests from files and folders into one model.

    A folder is walked recursively (hidden folders skipped) for `.yaml`, `.yml` and
    `.json` files; a file in it with no Kubernetes object at all (say a JSON report) is
    skipped with a note. A file named explicitly must hold Kubernetes objects only.
    Raises `ManifestError` for a missing path, a folder without manifests, or a
    malformed manifest.
    """
    objects: list[tuple[str, Mapping[str, Any]]] = []
    notes: list[str] = []
    for path in paths:
        if not path.exists():
            raise ManifestError(f"{path}: no such file or folder")
        if path.is_dir():
            files = manifest_files(path)
            if not files:
                raise ManifestError(
                    f"{path}: no manifests found (looked for {', '.join(MANIFEST_SUFFIXES)} "
                    "files in the folder and its sub-folders)"
                )
            for file in files:
                documents = read_documents(file)
                if not any(_looks_like_object(doc) for doc in documents):
                    if any(doc is not None for doc in documents):
                        notes.append(f"{file}: skipped, it holds no Kubernetes object")
                    continue
                objects.extend(_sourced(file, documents))
        else:
            objects.extend(_sourced(path, read_documents(path)))
    if not any(doc is not None for _, doc in objects):
        shown = ", ".join(str(path) for path in paths)
        raise ManifestError(f"{shown}: no Kubernetes objects found")
    model = model_from_objects(objects)
    if notes:
        model = _with_notes(model, notes)
    return model


def _looks_like_object(document: object) -> bool:
    return isinstance(document, Mapping) and "kind" in document


def _sourced(path: Path, documents: list[Any]) -> Iterator[tuple[str, Any]]:
    for index, document in enumerate(documents, start=1):
        if document is not None:  # `---` at the end of a file, an empty document
            yield f"{path}, document {index}", document


def _with_notes(model: NetworkModel, notes: list[str]) -> NetworkModel:
    return replace(model, notes=(*notes, *model.notes))
