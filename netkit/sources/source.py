"""`Source`: what a command names as its input, before anything is read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

STACK_PREFIX = "stack:"
"""How a stack is named where a path is expected (`netkit diff stack:staging stack:prod`)."""


class SourceKind(StrEnum):
    PATHS = "paths"
    """Manifest files and folders, resource lists, address-spaces files."""
    STACK = "stack"
    """A stack of this project: its program run offline with `Pulumi.<stack>.yaml`."""
    CLUSTER = "cluster"
    """A running cluster, read through a kubeconfig and one of its contexts."""


@dataclass(frozen=True)
class Source:
    """One input of a command; build it with `of_paths`, `of_stack` or `parse`."""

    kind: SourceKind
    paths: tuple[Path, ...] = ()
    stack: str = ""
    project_dir: Path | None = None
    """Folder holding Pulumi.yaml and the stack files. Default: the current folder."""
    context: str = ""
    """Kubeconfig context of a live cluster. Default: the kubeconfig's current one."""
    kubeconfig: str = ""
    """Kubeconfig file of a live cluster. Default: KUBECONFIG, then ~/.kube/config."""

    @classmethod
    def of_paths(cls, paths: Sequence[Path]) -> Source:
        return cls(SourceKind.PATHS, paths=tuple(paths))

    @classmethod
    def of_stack(cls, stack: str, project_dir: Path | None = None) -> Source:
        return cls(SourceKind.STACK, stack=stack, project_dir=project_dir)

    @classmethod
    def of_cluster(cls, context: str = "", kubeconfig: str = "") -> Source:
        return cls(SourceKind.CLUSTER, context=context, kubeconfig=kubeconfig)

    @classmethod
    def parse(cls, text: str, project_dir: Path | None = None) -> Source:
        """`stack:NAME` names a stack; anything else is a path."""
        if text.startswith(STACK_PREFIX):
            return cls.of_stack(text[len(STACK_PREFIX) :], project_dir)
        return cls.of_paths([Path(text)])

    def describe(self) -> str:
        """`stack dev`, `cluster kind-dev`, `cluster (current context) of FILE`, or the
        paths joined by commas."""
        if self.kind is SourceKind.STACK:
            return f"stack {self.stack}"
        if self.kind is SourceKind.CLUSTER:
            where = f" of {self.kubeconfig}" if self.kubeconfig else ""
            return f"cluster {self.context or '(current context)'}{where}"
        return ", ".join(str(path) for path in self.paths)
