"""Where each value of a YAML file is written: line and column, by key path.

Findings point at the value they are about (`Pulumi.staging.yaml:47:21`), for people,
for SARIF and for GitHub's annotations. The values themselves come from the hardened
reader (`netkit.structured`); this reads the same text once more, as libyaml's event
stream, keeping only where each scalar, mapping and sequence starts. It runs on a file
the hardened reader has already accepted, so its limits hold; aliases are not expanded
(an alias is placed where it is written), and the walk uses an explicit stack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
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

__all__ = ["Location", "Node", "documents"]

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Location:
    """Where a value is written: a file, 1-based line and column, and its key path."""

    file: str
    line: int
    column: int
    path: str = ""
    """E.g. `config.netkit:docker.containers[2].publish[0].hostIp`."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass
class Node:
    """A value of the document with its position: a mapping (`keys`), a sequence
    (`items`) or a scalar (`text`)."""

    line: int
    column: int
    path: str
    kind: str = "scalar"
    """`scalar`, `alias`, `mapping` or `sequence`."""
    text: str | None = None
    """A scalar's text as written (without quotes)."""
    keys: dict[str, Node] = field(default_factory=dict)
    items: list[Node] = field(default_factory=list)

    def get(self, *steps: str | int) -> Node | None:
        """The node at `steps` below this one (keys and indexes), or None."""
        node: Node | None = self
        for step in steps:
            if node is None:
                return None
            if isinstance(step, int):
                node = node.items[step] if 0 <= step < len(node.items) else None
            else:
                node = node.keys.get(step)
        return node

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, in document order."""
        pending = [self]
        while pending:
            node = pending.pop()
            yield node
            children = list(node.keys.values()) if node.keys else node.items
            pending.extend(reversed(children))

    def find(self, wanted: Callable[[Node], bool]) -> Node | None:
        return next((node for node in self.walk() if wanted(node)), None)

    def scalar(self, value: str) -> Node | None:
        """The first scalar below this node written as `value` (quotes aside)."""
        return self.find(lambda node: node.text == value)

    def location(self, file: str) -> Location:
        return Location(file, self.line, self.column, self.path)


def _child_path(parent: str, step: str | int) -> str:
    if isinstance(step, int):
        return f"{parent}[{step}]"
    return f"{parent}.{step}" if parent else step


def documents(text: str) -> list[Node | None]:
    """The position tree of each document of a YAML (or JSON) text; None for an empty one."""
    loader = _Loader(text)
    result: list[Node | None] = []
    try:
        stack: list[tuple[Node, list[str | None]]] = []  # node, and for a mapping its open key
        root: Node | None = None
        while True:
            event = loader.get_event()
            if isinstance(event, StreamEndEvent):
                return result
            if isinstance(event, DocumentStartEvent):
                stack, root = [], None
                continue
            if isinstance(event, DocumentEndEvent):
                result.append(root)
                continue
            if isinstance(event, MappingEndEvent | SequenceEndEvent):
                stack.pop()
                continue
            mark = event.start_mark
            path = ""
            if stack:
                parent, key = stack[-1]
                if parent.kind == "mapping" and key[0] is None:
                    # A key of the mapping: remember it and wait for its value. (A key
                    # that is a collection is not a key netkit reads: it gets "?".)
                    key[0] = str(event.value) if isinstance(event, ScalarEvent) else "?"
                    if isinstance(event, MappingStartEvent | SequenceStartEvent):
                        stack.append((Node(0, 0, "", "ignored"), [None]))
                    continue
                step = key[0] if parent.kind == "mapping" and key[0] else len(parent.items)
                path = _child_path(parent.path, step)
            node = Node(mark.line + 1, mark.column + 1, path)
            if isinstance(event, ScalarEvent):
                node.text = event.value
            elif isinstance(event, AliasEvent):
                node.kind = "alias"
            elif isinstance(event, MappingStartEvent):
                node.kind = "mapping"
            else:
                node.kind = "sequence"
            if stack:
                parent, key = stack[-1]
                if parent.kind == "mapping":
                    parent.keys[str(key[0])] = node
                    key[0] = None
                elif parent.kind == "sequence":
                    parent.items.append(node)
            else:
                root = node
            if node.kind in ("mapping", "sequence"):
                stack.append((node, [None]))
    finally:
        loader.dispose()
