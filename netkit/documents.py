"""Reading YAML and JSON files: one loader and one way of reporting a bad file.

`read_documents` is what every netkit input goes through (manifests, address-spaces
files, policy pack configs, rendered folders): a file that cannot be read or parsed is
one error line naming the file, the document, the line and the column, never PyYAML's
multi-line report or a traceback. `load_yaml_documents` is the fast YAML loader under
it; `manifest_files` walks a folder for YAML and JSON files.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from netkit.errors import ManifestError, NetkitError

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


def manifest_files(folder: Path) -> list[Path]:
    """The YAML and JSON files under `folder`, sorted, hidden folders skipped."""
    found: list[Path] = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).parts
        # Hidden folders (.git, .terraform, ...) never hold the user's manifests.
        if any(part.startswith(".") for part in relative[:-1]):
            continue
        if path.is_file() and path.suffix.lower() in MANIFEST_SUFFIXES:
            found.append(path)
    return found


def read_documents(path: Path, error_type: type[NetkitError] = ManifestError) -> list[Any]:
    """The documents of a YAML or JSON file (JSON by its suffix), `None` for empty ones.

    Every problem is one `error_type` line naming the file and, for bad YAML or JSON, the
    document, line and column: a missing or unreadable file, a binary one, bad syntax.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error_type(f"{path}: not a text file (expected UTF-8 YAML or JSON)") from None
    except OSError as error:
        raise error_type(f"{path}: cannot be read: {error.strerror}") from None
    if path.suffix.lower() == ".json":
        try:
            return [json.loads(text)]
        except json.JSONDecodeError as error:
            raise error_type(
                f"{path}: not valid JSON: line {error.lineno}, column {error.colno}: {error.msg}"
            ) from None
    documents: list[Any] = []
    try:
        for document in load_yaml_documents(text):
            documents.append(document)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise error_type(
            f"{path}, document {len(documents) + 1}: not valid YAML: {where}{problem}"
        ) from None
    except AliasCycle as cycle:
        raise error_type(
            f"{path}, document {len(documents) + 1}: {cycle}: a YAML alias (*name) refers to "
            "the node that holds it; write the value out instead"
        ) from None
    return documents


_TAG = "tag:yaml.org,2002:"


def load_yaml_documents(text: str) -> Iterator[Any]:
    """The documents of a YAML stream, as `yaml.safe_load_all` gives them, faster.

    PyYAML's constructor spends most of a large manifest's load time in generic Python
    machinery. Manifests are plain maps, lists, strings, numbers and booleans, so those
    are built directly from libyaml's node tree; anything else (floats, timestamps, merge
    keys, explicit tags, unhashable keys) goes to PyYAML's safe constructor, which also
    raises its usual errors.
    """
    loader = _SafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            fallback = SafeConstructor()  # per document: it caches what it builds
            yield _construct(node, fallback, set())
    finally:
        loader.dispose()


class AliasCycle(ValueError):
    """A YAML alias inside the node it names: no finite value can hold it."""


def _construct(node: yaml.Node, fallback: SafeConstructor, open_nodes: set[int]) -> Any:
    """The value of `node`; `open_nodes` holds the collections being built around it."""
    tag = node.tag
    if tag == _TAG + "str":
        return node.value
    if isinstance(node, yaml.ScalarNode):
        if tag == _TAG + "int":
            return fallback.construct_yaml_int(node)
        if tag == _TAG + "bool":
            return fallback.construct_yaml_bool(node)
        if tag == _TAG + "null":
            return None
        return fallback.construct_object(node, deep=True)
    if not isinstance(node, yaml.CollectionNode):
        return fallback.construct_object(node, deep=True)
    if id(node) in open_nodes:
        raise AliasCycle(f"line {node.start_mark.line + 1}")
    open_nodes.add(id(node))
    try:
        return _construct_collection(node, fallback, open_nodes)
    finally:
        open_nodes.discard(id(node))


def _construct_collection(
    node: yaml.CollectionNode, fallback: SafeConstructor, open_nodes: set[int]
) -> Any:
    tag = node.tag
    if isinstance(node, yaml.MappingNode) and tag == _TAG + "map":
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                return fallback.construct_object(node, deep=True)
            key = _construct(key_node, fallback, open_nodes)
            if not isinstance(key, str | int | bool | None):
                return fallback.construct_object(node, deep=True)
            result[key] = _construct(value_node, fallback, open_nodes)
        return result
    if isinstance(node, yaml.SequenceNode) and tag == _TAG + "seq":
        return [_construct(item, fallback, open_nodes) for item in node.value]
    return fallback.construct_object(node, deep=True)
