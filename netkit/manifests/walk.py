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
from netkit.manifests.flatten import is_object
from netkit.model import (
    NetworkModel,
)


def load_manifests(paths: Sequence[Path]) -> NetworkModel:
    """Read manifests from files and folders into one model.

    A folder is walked recursively (hidden folders skipped) for `.yaml`, `.yml` and
    `.json` files; a file in it with nothing that looks like a Kubernetes object (a
    JSON report, a values file) is skipped with a note, as netpol-analyzer skips it. A
    file that holds any object, even inside a YAML sequence, and a file named
    explicitly are read in full, each document as kubectl reads it
    (`netkit.manifests.flatten`): a document that is a sequence or a scalar is refused.
    Raises `ManifestError` for a missing path, a folder without manifests, a part of a
    folder that cannot be read, or a malformed manifest.
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
                if not any(_holds_objects(doc) for doc in documents):
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


def _holds_objects(document: object) -> bool:
    """Whether a document is, or is a sequence holding, something like a Kubernetes
    object: kubectl refuses the sequence, and so does netkit, rather than skip it."""
    if isinstance(document, list):
        return any(is_object(item) for item in document)
    return is_object(document)


def _sourced(path: Path, documents: list[Any]) -> Iterator[tuple[str, Any]]:
    for index, document in enumerate(documents, start=1):
        if document is not None:  # `---` at the end of a file, an empty document
            yield f"{path}, document {index}", document


def _with_notes(model: NetworkModel, notes: list[str]) -> NetworkModel:
    return replace(model, notes=(*notes, *model.notes))
