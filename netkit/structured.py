"""YAML and JSON text to Python values, within limits that hostile input cannot pass.

netkit reads files it did not write: manifests from a pull request, stack files, pack
configs. A loader that builds whatever the text describes can be made to hang or to
exhaust memory ("billion laughs": nine aliases, each naming ten copies of the previous
one, describe a billion strings in a few hundred bytes), to overflow the stack (a value
nested thousands of levels deep), or to hide a mistake (a key written twice, the second
silently winning). So documents are built here from libyaml's event stream (its C
parser when installed), one event at a time on an explicit stack, and refused with a
`DocumentProblem` naming the document and line when they:

- nest deeper than `MAX_DEPTH` levels;
- use more than `MAX_ALIASES` aliases, or aliases that stand for more than
  `MAX_ALIAS_NODES` values in all once expanded (an alias costs the size of its value);
- write a key twice in one mapping (named by its key path);
- use an alias inside the value it names, a tag netkit does not read, or a number
  Python refuses to convert (more than 4300 digits).

Values are what `yaml.safe_load_all` gives for the same text (merge keys included);
an aliased value is shared, not copied, as PyYAML shares it. JSON goes through the
standard library with the same depth and duplicate-key rules.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

__all__ = [
    "MAX_ALIASES",
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "DocumentProblem",
    "load_json",
    "load_yaml_documents",
]

MAX_DEPTH = 100
"""Nesting levels a document may use. Kubernetes objects need about 15, CRD schemas a few
dozen; Python's own recursion (and pydantic's) gives out near 1000."""
MAX_ALIASES = 10_000
"""Aliases (`*name`) per document."""
MAX_ALIAS_NODES = 100_000
"""Values that all aliases of a document stand for, counted as if each were written out."""

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's C parser when built
_TAG = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT = _TAG + "str", _TAG + "null", _TAG + "bool", _TAG + "int"
_MERGE_TAG = _TAG + "merge"
_MAX_DIGITS = 4300  # Python's limit for int(str): longer numbers raise ValueError
_MAP, _SEQ, _SET, _OMAP, _PAIRS = (_TAG + t for t in ("map", "seq", "set", "omap", "pairs"))
_BOOLS = SafeConstructor.bool_values


class DocumentProblem(ValueError):
    """Why a document cannot be read: `message`, its 1-based `document`, and `line`."""

    def __init__(self, message: str, document: int, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.document = document
        self.line = line


class _Merge:
    """The `<<` merge key, until its mapping ends."""


_MERGE = _Merge()
_OPEN = object()  # an anchor whose value is still being built


class _Frame:
    """A mapping or sequence being built."""

    __slots__ = ("anchor", "key", "key_line", "keys", "line", "merges", "size", "tag", "value")

    def __init__(self, value: Any, tag: str, anchor: str | None, line: int) -> None:
        self.value = value
        self.tag = tag
        self.anchor = anchor
        self.line = line
        self.size = 1
        self.key: Any = _OPEN  # for a mapping: the key whose value comes next
        self.key_line = 0
        self.keys: dict[Any, int] = {}  # key -> line, for the duplicate message
        self.merges: list[tuple[Any, int]] = []


def load_yaml_documents(text: str) -> Iterator[Any]:
    """The documents of a YAML stream, built within the limits above."""
    loader = _Loader(text)
    try:
        number = 0
        while True:
            event = loader.get_event()
            if isinstance(event, StreamEndEvent):
                return
            if isinstance(event, DocumentStartEvent):
                number += 1
                yield _Document(loader, number).build()
    finally:
        loader.dispose()


class _Document:
    def __init__(self, loader: Any, number: int) -> None:
        self.loader = loader
        self.number = number
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.aliases = 0
        self.alias_nodes = 0
        self.constructor = SafeConstructor()
        self.stack: list[_Frame] = []
        self.root: Any = _OPEN
        self.resolved: dict[str, str] = {}  # plain scalar -> its implicit tag

    def problem(self, message: str, line: int) -> DocumentProblem:
        return DocumentProblem(message, self.number, line + 1)

    def build(self) -> Any:
        get_event = self.loader.get_event
        stack = self.stack
        while True:
            event = get_event()
            kind = type(event)
            line = event.start_mark.line
            if kind is ScalarEvent:
                # Quoted and block scalars are text; plain ones are resolved (numbers,
                # booleans, null...). The common case is placed inline: this loop runs
                # once per value of the file.
                if event.tag is None and not event.implicit[0]:
                    value = event.value
                else:
                    value = self.scalar(event)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, 1)
                if not stack:
                    self.root = value
                    continue
                frame = stack[-1]
                frame.size += 1
                container = frame.value
                if container.__class__ is list:
                    container.append(value)
                elif frame.key is _OPEN:
                    self.take_key(frame, value, line)
                elif frame.key is _MERGE:
                    frame.merges.append((value, frame.key_line))
                    frame.key = _OPEN
                else:
                    container[frame.key] = value
                    frame.key = _OPEN
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    raise self.problem(
                        f"nested deeper than {MAX_DEPTH} levels; netkit reads no deeper "
                        "structure (is the file generated by mistake?)",
                        line,
                    )
                tag = self.collection_tag(event, kind is MappingStartEvent)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (_OPEN, 0)
                stack.append(
                    _Frame({} if kind is MappingStartEvent else [], tag, event.anchor, line)
                )
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                frame = stack.pop()
                value = self.finish(frame)
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (value, frame.size)
                self.add(value, frame.size, frame.line)
            elif kind is AliasEvent:
                value, size = self.alias(event.anchor, line)
                self.add(value, size, line)
            elif kind is DocumentEndEvent:
                return None if self.root is _OPEN else self.root

    # -------------------------------------------------------------- values

    def scalar(self, event: Any) -> Any:
        tag = event.tag
        text = event.value
        if tag is None:
            tag = self.resolved.get(text)
            if tag is None:
                tag = self.resolved[text] = self.loader.resolve(ScalarNode, text, event.implicit)
        elif tag == "!":
            tag = self.loader.resolve(ScalarNode, text, event.implicit)
        if tag == _STR:
            return text
        if (
            tag == _INT
            and text.isascii()
            and text.isdigit()
            and (text[0] != "0" or text == "0")
            and len(text) <= _MAX_DIGITS
        ):
            return int(text)
        if tag == _NULL:
            return None
        if tag == _BOOL and event.value.lower() in _BOOLS:
            return _BOOLS[event.value.lower()]
        if tag == _MERGE_TAG:
            # `<<` merges only as a key; as a value it is the text itself.
            return _MERGE if self.expects_key() else event.value
        construct = self.constructor.yaml_constructors.get(tag)
        if construct is None or tag.startswith(_TAG + "python/") or tag in (_MAP, _SEQ):
            raise self.problem(
                f"tag {event.tag!r}: netkit reads plain YAML values; remove the tag",
                event.start_mark.line,
            )
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return construct(self.constructor, node)
        except (ConstructorError, ValueError, OverflowError, IndexError, TypeError) as error:
            # PyYAML's constructors fail in these ways on values their tag cannot hold
            # (`!!int` on nothing indexes an empty string).
            if tag == _INT and len(text) > _MAX_DIGITS:
                problem = (
                    f"{len(text)} characters long; netkit reads numbers up to {_MAX_DIGITS} digits"
                )
            else:
                problem = getattr(error, "problem", None) or str(error)
            shown = f"{text[:40]}..." if len(text) > 40 else text
            raise self.problem(
                f"{shown!r} is not a valid {tag.removeprefix(_TAG)}: {problem}",
                event.start_mark.line,
            ) from None

    def collection_tag(self, event: Any, mapping: bool) -> str:
        tag = event.tag
        if tag is None or tag == "!":
            return _MAP if mapping else _SEQ
        allowed = (_MAP, _SET) if mapping else (_SEQ, _OMAP, _PAIRS)
        if tag not in allowed:
            raise self.problem(
                f"tag {tag!r}: netkit reads plain YAML maps and lists; remove the tag",
                event.start_mark.line,
            )
        return str(tag)

    def alias(self, anchor: str, line: int) -> tuple[Any, int]:
        if anchor not in self.anchors:
            raise self.problem(f"alias *{anchor} names no anchor (&{anchor}) before it", line)
        value, size = self.anchors[anchor]
        if value is _OPEN:
            raise self.problem(
                "a YAML alias (*name) refers to the node that holds it; write the value out "
                "instead",
                line,
            )
        self.aliases += 1
        self.alias_nodes += size
        if self.aliases > MAX_ALIASES:
            raise self.problem(
                f"more than {MAX_ALIASES} aliases (*name); write the values out", line
            )
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise self.problem(
                f"its aliases (*name) stand for more than {MAX_ALIAS_NODES} values once "
                "expanded (an alias bomb?); write the values out",
                line,
            )
        return value, size

    def finish(self, frame: _Frame) -> Any:
        value = frame.value
        if frame.tag == _SET:
            return set(value)
        if frame.tag in (_OMAP, _PAIRS):
            pairs: list[tuple[Any, Any]] = []
            for item in value:
                if not isinstance(item, dict) or len(item) != 1:
                    raise self.problem(
                        f"{frame.tag.removeprefix(_TAG)}: expected single-key mappings",
                        frame.line,
                    )
                pairs.extend(item.items())
            return pairs
        if not frame.merges:
            return value
        merged: dict[Any, Any] = {}
        for source, line in frame.merges:
            mappings = source if isinstance(source, list) else [source]
            if not all(isinstance(m, dict) for m in mappings):
                raise self.problem("a merge key (<<) takes a mapping or a list of mappings", line)
            for mapping in reversed(mappings):  # the first mapping listed wins
                merged.update(mapping)
        merged.update(value)
        return merged

    # -------------------------------------------------------------- placing

    def expects_key(self) -> bool:
        return (
            bool(self.stack)
            and isinstance(self.stack[-1].value, dict)
            and (self.stack[-1].key is _OPEN)
        )

    def add(self, value: Any, size: int, line: int) -> None:
        stack = self.stack
        if not stack:
            self.root = value
            return
        frame = stack[-1]
        frame.size += size
        container = frame.value
        if isinstance(container, list):
            container.append(value)
            return
        if frame.key is _OPEN:
            self.take_key(frame, value, line)
            return
        key = frame.key
        frame.key = _OPEN
        if key is _MERGE:
            frame.merges.append((value, frame.key_line))
        else:
            container[key] = value

    def take_key(self, frame: _Frame, key: Any, line: int) -> None:
        try:
            hash(key)
        except TypeError:
            raise self.problem(
                "a mapping key must be a plain value (text, number, boolean), not a "
                f"{type(key).__name__}",
                line,
            ) from None
        if key in frame.keys:
            shown = "<<" if key is _MERGE else key
            where = self.path(len(self.stack) - 1)
            raise self.problem(
                f"key {shown!r} appears twice in {where or 'the document'} (first on line "
                f"{frame.keys[key] + 1}); keep one",
                line,
            )
        frame.keys[key] = line
        frame.key = key
        frame.key_line = line

    def path(self, depth: int) -> str:
        """The key path of the collection `depth` frames deep, as `spec.ports[0]`."""
        parts: list[str] = []
        for frame in self.stack[:depth]:
            if isinstance(frame.value, list):
                parts.append(f"[{len(frame.value)}]")
            else:
                parts.append(("." if parts else "") + str(frame.key))
        return "".join(parts)


# --------------------------------------------------------------------------- JSON


class _Pairs(dict[Any, Any]):
    """A JSON object in which a key was written twice."""

    duplicate: str = ""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            marked = _Pairs(result)
            marked.duplicate = key
            return marked
        result[key] = value
    return result


def _constant(name: str) -> Any:
    # `NaN`, `Infinity`: Python's json reads them, JSON (and Go, so kubectl) does not.
    raise DocumentProblem(f"{name} is not a JSON number; write a number", 1)


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        # 1e400: past the largest float, which Python reads as infinity and Go refuses.
        raise DocumentProblem(f"the number {text[:40]} is out of range (above 1.8e308)", 1)
    return value


def load_json(text: str) -> Any:
    """The value of a JSON text, refused (`DocumentProblem`) when it nests deeper than
    `MAX_DEPTH`, writes a key twice in one object, or holds a number JSON has no room
    for (`NaN`, `Infinity`, 1e400). `json.JSONDecodeError` is raised for bad syntax, as
    `json.loads` raises it."""
    try:
        value = json.loads(
            text, object_pairs_hook=_pairs, parse_constant=_constant, parse_float=_float
        )
    except RecursionError:
        raise DocumentProblem(
            f"nested deeper than {MAX_DEPTH} levels; netkit reads no deeper structure", 1
        ) from None
    except ValueError as error:
        if isinstance(error, json.JSONDecodeError | DocumentProblem):
            raise
        raise DocumentProblem(f"not a number netkit can read: {error}", 1) from None
    _check_json(value)
    return value


def _check_json(value: Any) -> None:
    """Depth and duplicate keys, walked without recursion."""
    pending: list[tuple[Any, str, int]] = [(value, "", 0)]
    while pending:
        item, path, depth = pending.pop()
        if not isinstance(item, dict | list):
            continue
        if depth >= MAX_DEPTH:
            raise DocumentProblem(
                f"nested deeper than {MAX_DEPTH} levels at {path}; netkit reads no deeper "
                "structure",
                1,
            )
        if isinstance(item, _Pairs):
            raise DocumentProblem(
                f"key {item.duplicate!r} appears twice in {path or 'the document'}; keep one",
                1,
            )
        if isinstance(item, dict):
            pending.extend(
                (v, f"{path}.{k}" if path else str(k), depth + 1) for k, v in item.items()
            )
        else:
            pending.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(item))
