"""Paths a command names: manifest files and folders, resource lists (and the Pulumi CLI's
`stack export` and `preview --json` documents), address-spaces files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from netkit.documents import manifest_files
from netkit.errors import NetkitError
from netkit.manifests import load_manifests
from netkit.model import AddressSpace, NetworkModel
from netkit.resources import Resource, model_from_resources
from netkit.sources.address_spaces import read_address_spaces
from netkit.sources.engine_json import read_engine_resources
from netkit.sources.merge import merge
from netkit.sources.resource_list import read_resource_list


def load_paths(paths: Sequence[Path], *, address_spaces: bool = False) -> NetworkModel:
    """One model of everything in `paths`.

    Resource lists (`[{type, name, urn, inputs}]`, or the resources of a `pulumi stack
    export` or `pulumi preview --json` document) become the stack's part of the model;
    with `address_spaces`, a file whose documents have neither `kind` nor `apiVersion` is
    read as an address-spaces file; everything else is manifests, read as
    `netkit.manifests.load_manifests` reads them (files in folders without Kubernetes
    objects skipped with a note, except resource lists). The model lists the resources
    first, then the address spaces, then the manifests' objects.
    """
    resources: list[Resource] = []
    spaces: list[AddressSpace] = []
    manifests: list[Path] = []
    listed: set[Path] = set()
    for path in paths:
        if not path.exists():
            raise NetkitError(f"{path}: no such file or folder")
        if path.is_dir():
            manifests.append(path)
            for file in manifest_files(path):
                found = _resources(file)
                if found is not None:
                    resources.extend(found)
                    listed.add(file)
            continue
        found = _resources(path)
        if found is not None:
            resources.extend(found)
            listed.add(path)
            continue
        ranges = read_address_spaces(path) if address_spaces else None
        if ranges is None:
            manifests.append(path)
        else:
            spaces.extend(ranges)
    parts: list[NetworkModel] = []
    if resources:
        parts.append(model_from_resources(resources))
    if spaces:
        parts.append(NetworkModel(address_spaces=tuple(spaces)))
    if _holds_manifests(manifests, listed):
        parts.append(_without_notes_on(load_manifests(manifests), listed))
    if not parts:  # nothing named at all: the manifest reader says so
        return load_manifests(manifests)
    return merge(*parts) if len(parts) > 1 else parts[0]


def _resources(path: Path) -> list[Resource] | None:
    found = read_resource_list(path)
    return found if found is not None else read_engine_resources(path)


def _holds_manifests(manifests: list[Path], listed: set[Path]) -> bool:
    """Whether any named file, or any file in a named folder, is more than a resource list."""
    return any(
        not path.is_dir() or any(file not in listed for file in manifest_files(path))
        for path in manifests
    )


def _without_notes_on(model: NetworkModel, listed: set[Path]) -> NetworkModel:
    # A resource list in a folder is read above; the manifest reader's "skipped" note
    # about it would only confuse.
    notes = tuple(n for n in model.notes if not any(n.startswith(f"{p}:") for p in listed))
    return replace(model, notes=notes)
