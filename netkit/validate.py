"""Validate rendered Kubernetes manifests against the API's published schemas.

`make up` renders the dev stack's manifests to a folder (no cluster needed); this
checks every object there with `kubernetes-validate`, strict (unknown fields are
errors), so a manifest the API server would reject fails here first. Custom resources
(Calico's `Installation`) have no schema in that package: they are listed as skipped,
never counted as valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netkit.documents import manifest_files, read_documents
from netkit.errors import ManifestError

DEFAULT_KUBERNETES_VERSION = "1.31.0"


@dataclass
class ValidationReport:
    valid: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.invalid and bool(self.valid)

    def summary(self) -> str:
        return (
            f"{len(self.valid)} valid, {len(self.invalid)} invalid, "
            f"{len(self.skipped)} skipped (no schema)"
        )


def _documents(path: Path) -> list[tuple[str, dict[str, Any]]]:
    loaded = read_documents(path)
    documents = []
    for index, doc in enumerate(loaded):
        if not isinstance(doc, dict):
            continue
        for key in ("apiVersion", "kind"):
            # kubernetes-validate looks both up and fails with a traceback without them.
            value = doc.get(key)
            if not isinstance(value, str) or not value:
                problem = "is missing" if value is None else f"is {value!r}, not a name"
                raise ManifestError(
                    f"{path}, document {index + 1}: {key} {problem}; every Kubernetes "
                    "object names its apiVersion and kind as strings (e.g. apiVersion: v1, "
                    "kind: Service)"
                )
        documents.append((f"{path.name}#{index}", doc))
    return documents


def _check_version(version: str) -> None:
    from kubernetes_validate import utils

    versions = sorted(set(utils.all_versions()), key=lambda v: tuple(map(int, v.split("."))))
    short = {v.rsplit(".", 1)[0] for v in versions}  # 1.31 stands for 1.31.0
    if version not in versions and version not in short:
        raise ManifestError(
            f"--kubernetes-version {version!r}: no schemas for it; use one of "
            f"{versions[0]} to {versions[-1]}"
        )


def validate_folder(folder: Path, version: str = DEFAULT_KUBERNETES_VERSION) -> ValidationReport:
    import kubernetes_validate  # heavy import, only when validating

    if folder.is_file():
        raise ManifestError(f"{folder}: a file; give the folder it was rendered to")
    if not folder.is_dir():
        raise ManifestError(f"{folder}: no such folder; give the folder manifests were rendered to")
    _check_version(version)
    files = manifest_files(folder)
    if not files:
        raise ManifestError(f"{folder}: no manifests found; run `make up` to render them first")
    report = ValidationReport()
    for path in files:
        for where, doc in _documents(path):
            metadata = doc.get("metadata")
            name = metadata.get("name", "?") if isinstance(metadata, dict) else "?"
            label = f"{doc.get('kind', '?')} {name} ({where})"
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.SchemaNotFoundError:
                report.skipped.append(label)
            except kubernetes_validate.ValidationError as error:
                report.invalid.append(f"{label}: {error.message}")
            else:
                report.valid.append(label)
    return report
