"""Validate rendered Kubernetes manifests against the API's published schemas.

`make up` renders the dev stack's manifests to a folder (no cluster needed); this
checks every object there with `kubernetes-validate`'s schemas, strict (unknown fields are
errors), so a manifest the API server would reject fails here first. Documents are read
as kubectl reads them (`netkit.manifests.flatten`): the items of a `List` are validated
one by one. Custom resources (Calico's `Installation`) have no schema in that package:
they are listed as skipped, never counted as valid.

The verdicts are `kubernetes_validate.validate`'s, object for object: the same schema
file for each kind and version, the same JSON Schema validator and the same first error.
Only the work is not repeated: that function reads and compiles the schema (and its
megabyte of shared definitions) again for every object, about 10 ms each, whereas
`SchemaSet` does it once per kind and resolves each `$ref` into the definitions by name;
and a large folder is shared among the machine's cores (`benchmarks/bench_validate.py`).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netkit.documents import manifest_files, read_documents
from netkit.errors import ManifestError, shown
from netkit.manifests.flatten import ManifestObject, flatten

DEFAULT_KUBERNETES_VERSION = "1.31.0"

_SIMPLE_NAME = re.compile(r"[A-Za-z0-9]+")


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


def schema_version(version: str) -> str:
    """`version` (like 1.31.0, or 1.31 for 1.31.0) when `kubernetes-validate` has schemas
    for it; a `ManifestError` naming the versions it has otherwise."""
    from kubernetes_validate import utils

    versions = sorted(set(utils.all_versions()), key=lambda v: tuple(map(int, v.split("."))))
    short = {v.rsplit(".", 1)[0] for v in versions}  # 1.31 stands for 1.31.0
    if version not in versions and version not in short:
        raise ManifestError(
            f"--kubernetes-version {shown(version)}: no schemas for it; use one of "
            f"{versions[0]} to {versions[-1]}"
        )
    return version


class SchemaSet:
    """`kubernetes-validate`'s strict schemas for one Kubernetes version, each read and
    compiled once. `validator(kind, api_version)` mirrors `kubernetes_validate.validate`'s
    choice of schema file; None when there is none (a custom resource)."""

    def __init__(self, version: str) -> None:
        import jsonschema  # type: ignore[import-untyped]
        from kubernetes_validate import utils
        from referencing import Registry, Resource

        self._utils = utils
        self._resource = Resource
        self._version = schema_version(version).removeprefix("v")
        # As kubernetes_validate.validate: the latest schemas not newer than the version.
        wanted = utils.major_minor(self._version)
        chosen = [v for v in utils.all_versions() if utils.major_minor(v) <= wanted][-1]
        self._folder = f"kubernetes-json-schema/v{chosen}-local-strict"
        definitions = utils.schema_contents(f"{self._folder}/_definitions.json", self._version)
        self._registry = Resource.from_contents(definitions) @ Registry()
        self._definitions: Mapping[str, Any] = definitions.get("$defs", {})
        self._validators: dict[tuple[str, str], Any] = {}
        plain = jsonschema.validators.Draft202012Validator
        self._plain_ref = plain.VALIDATORS["$ref"]
        self._class = jsonschema.validators.extend(plain, validators={"$ref": self._ref})

    _REF_PREFIXES = ("/api/_definitions.json#/$defs/", "#/$defs/")

    def _ref(self, validator: Any, ref: str, instance: Any, schema: Any) -> Iterator[Any]:
        """`$ref` into the shared definitions, looked up by name: the references of
        these schemas all point there, so the general resolver's work (URI joins, JSON
        pointers, one lookup per reference per object) adds nothing but time."""
        for prefix in self._REF_PREFIXES:
            if ref.startswith(prefix):
                target = self._definitions.get(ref[len(prefix) :])
                if target is not None:
                    yield from validator.descend(instance, target)
                    return
        yield from self._plain_ref(validator, ref, instance, schema)

    def validator(self, kind: str, api_version: str) -> Any | None:
        key = (kind, api_version)
        if key not in self._validators:
            self._validators[key] = self._load(kind, api_version)
        return self._validators[key]

    def _load(self, kind: str, api_version: str) -> Any | None:
        # kubernetes_validate.validate's file name: rbac.authorization.k8s.io/v1 -> rbac-v1.
        group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
        if not _SIMPLE_NAME.fullmatch(kind) or "/" in group_version or ".." in group_version:
            return None  # no schema file has such a name
        try:
            schema = self._utils.schema_contents(
                f"{self._folder}/{kind.lower()}-{group_version}.json", self._version
            )
        except (FileNotFoundError, ValueError):
            return None
        registry = self._resource.from_contents(schema) @ self._registry
        return self._class(schema, registry=registry)


def _objects(path: Path) -> Iterator[tuple[str, ManifestObject]]:
    """Each object of the file, with the label its verdict carries (`m.yaml#2`, or
    `m.yaml#2.items[0]` for a list item)."""
    for index, document in enumerate(read_documents(path)):
        source = f"{path}, document {index + 1}"
        if isinstance(document, Mapping):
            _names_its_schema(document, source)
        for item in flatten(source, document):
            if item.prefix:
                _names_its_schema(item.obj, f"{source} ({item.prefix.rstrip('.')})")
            label = f"{path.name}#{index}" + (f".{item.prefix.rstrip('.')}" if item.prefix else "")
            yield label, item


def _names_its_schema(obj: Mapping[str, Any], where: str) -> None:
    """The schema is looked up by apiVersion and kind, so both must be names."""
    for key in ("apiVersion", "kind"):
        value = obj.get(key)
        if not isinstance(value, str) or not value:
            problem = "is missing" if value is None else f"is {shown(value)}, not a name"
            raise ManifestError(
                f"{where}: {key} {problem}; every Kubernetes object names its apiVersion and "
                "kind as strings (e.g. apiVersion: v1, kind: Service)"
            )


PARALLEL_FROM = 32
"""Files in a folder from which the work is shared among the machine's cores."""


@dataclass(frozen=True)
class _FileVerdicts:
    """One file's verdicts, `(verdict, line)` in order, or the problem that stopped it."""

    path: Path
    verdicts: tuple[tuple[str, str], ...] = ()
    problems: tuple[str, ...] = ()


def _check_files(paths: list[Path], version: str) -> list[_FileVerdicts]:
    """The verdicts of `paths`, in order, up to and including the first file with a
    problem (a worker process runs this on its share of the folder)."""
    from jsonschema import ValidationError

    schemas = SchemaSet(version)
    found: list[_FileVerdicts] = []
    for path in paths:
        verdicts: list[tuple[str, str]] = []
        try:
            for where, item in _objects(path):
                doc = item.obj
                metadata = doc.get("metadata")
                name = metadata.get("name", "?") if isinstance(metadata, dict) else "?"
                name = name if isinstance(name, str) and len(name) <= 253 else shown(name)
                label = f"{doc['kind']} {name} ({where})"
                validator = schemas.validator(doc["kind"], doc["apiVersion"])
                if validator is None:
                    verdicts.append(("skipped", label))
                    continue
                try:
                    validator.validate(doc)
                except ValidationError as error:
                    verdicts.append(("invalid", f"{label}: {error.message}"))
                else:
                    verdicts.append(("valid", label))
        except ManifestError as error:
            found.append(_FileVerdicts(path, problems=error.problems))
            break
        found.append(_FileVerdicts(path, tuple(verdicts)))
    return found


def _workers(files: int) -> int:
    """Processes to share `files` among: one per available core (at most four), and one
    alone for a folder too small to be worth starting another."""
    if files < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def _check_folder(files: list[Path], version: str) -> dict[Path, _FileVerdicts]:
    """Every file's verdicts. With several cores, the files are dealt out in turn (so each
    share has large and small files alike) to worker processes forked from this one,
    which already holds the schemas' code; this process checks the first share."""
    workers = _workers(len(files))
    if workers == 1:
        return {result.path: result for result in _check_files(files, version)}
    shares = [files[index::workers] for index in range(workers)]
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(workers - 1, mp_context=context) as pool:
        others = [pool.submit(_check_files, share, version) for share in shares[1:]]
        results = _check_files(shares[0], version)
        for future in others:
            results.extend(future.result())
    return {result.path: result for result in results}


def validate_folder(folder: Path, version: str = DEFAULT_KUBERNETES_VERSION) -> ValidationReport:
    """Each object of every manifest file under `folder` against its schema. A file that
    cannot be read as manifests is a `ManifestError`: the first in the folder's order,
    whichever process met it."""
    if folder.is_file():
        raise ManifestError(f"{folder}: a file; give the folder it was rendered to")
    if not folder.is_dir():
        raise ManifestError(f"{folder}: no such folder; give the folder manifests were rendered to")
    schema_version(version)  # an unknown version is refused before any file is read
    files = manifest_files(folder)
    if not files:
        raise ManifestError(f"{folder}: no manifests found; run `make up` to render them first")
    results = _check_folder(files, version)
    report = ValidationReport()
    for path in files:
        # A share stops at its first problem; any file it left is after that problem in
        # the folder's order, so this loop meets the problem first.
        result = results[path]
        if result.problems:
            raise ManifestError(*result.problems)
        for verdict, line in result.verdicts:
            getattr(report, verdict).append(line)
    return report
