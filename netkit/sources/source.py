"""`Source`: what a command names as its input, before anything is read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the reader of running engines is imported when one is named
    from netkit.docker_live import EngineRef

STACK_PREFIX = "stack:"
"""How a stack is named where a path is expected (`netkit diff stack:staging stack:prod`)."""


class SourceKind(StrEnum):
    PATHS = "paths"
    """Manifest files and folders, resource lists, address-spaces files."""
    STACK = "stack"
    """A stack of this project: its program run offline with `Pulumi.<stack>.yaml`."""
    CLUSTER = "cluster"
    """A running cluster, read through a kubeconfig and one of its contexts."""
    DOCKER = "docker"
    """Running Docker engines (`--docker URL`), read with the Docker SDK."""


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
    namespaces: tuple[str, ...] = ()
    """Namespaces of a live cluster whose objects are read (as `kubectl -n`). Default: all."""
    docker: tuple[EngineRef, ...] = ()
    """Running Docker engines, read alone (kind DOCKER) or besides manifests or a cluster."""

    @classmethod
    def of_paths(cls, paths: Sequence[Path]) -> Source:
        return cls(SourceKind.PATHS, paths=tuple(paths))

    @classmethod
    def of_stack(cls, stack: str, project_dir: Path | None = None) -> Source:
        return cls(SourceKind.STACK, stack=stack, project_dir=project_dir)

    @classmethod
    def of_cluster(
        cls, context: str = "", kubeconfig: str = "", namespaces: Sequence[str] = ()
    ) -> Source:
        return cls(
            SourceKind.CLUSTER,
            context=context,
            kubeconfig=kubeconfig,
            namespaces=tuple(sorted(set(namespaces))),
        )

    @classmethod
    def of_docker(cls, engines: Sequence[EngineRef]) -> Source:
        return cls(SourceKind.DOCKER, docker=tuple(engines))

    def with_docker(self, engines: Sequence[EngineRef]) -> Source:
        """This source and the engines, read as one model."""
        return replace(self, docker=self.docker + tuple(engines))

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
        engines = ", ".join(ref.name or ref.url for ref in self.docker)
        if self.kind is SourceKind.DOCKER:
            return f"docker {engines}"
        also = f" and docker {engines}" if engines else ""
        if self.kind is SourceKind.CLUSTER:
            where = f" of {self.kubeconfig}" if self.kubeconfig else ""
            scope = f" (namespaces {', '.join(self.namespaces)})" if self.namespaces else ""
            return f"cluster {self.context or '(current context)'}{where}{scope}{also}"
        return ", ".join(str(path) for path in self.paths) + also
