"""`Loader`: one `Source` in, one `NetworkModel` out, whatever the source's kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from netkit import live
from netkit.errors import NetkitError
from netkit.model import NetworkModel
from netkit.sources.merge import merge
from netkit.sources.paths import load_paths
from netkit.sources.source import Source, SourceKind

if TYPE_CHECKING:
    from netkit.docker_live import EngineApi, EngineRef

StackModel = Callable[[str, Path | None], NetworkModel]
"""`(stack, project_dir) -> model`: the stack's program run offline."""

DockerConnect = Callable[["EngineRef"], "EngineApi"]
"""`(engine) -> api`: the running Docker engine it names (`netkit.docker_live.connect`)."""

ClusterConnect = Callable[[str | None, str | None], live.ClusterApi]
"""`(kubeconfig, context) -> api`: the running cluster they name (`netkit.live.connect`)."""


@dataclass(frozen=True)
class Loader:
    """Reads sources into models. The stack synthesis is handed in by the layer that
    owns the program (the command line), so this package never imports it."""

    stack_model: StackModel | None = None
    cluster_api: ClusterConnect = live.connect
    """How a live cluster is reached: the official client; a fake in unit tests."""
    docker_api: DockerConnect | None = None
    """How a running Docker engine is reached. Default: the Docker SDK
    (`netkit.docker_live.connect`); a fake in unit tests."""

    def load(self, source: Source, *, address_spaces: bool = False) -> NetworkModel:
        """The model of `source`. `address_spaces`: also read address-spaces files among
        the paths (`netkit overlap`); elsewhere such a file is reported as not manifests."""
        if source.kind is SourceKind.DOCKER:
            return self._engines(source)
        model = self._load(source, address_spaces)
        if source.docker:
            model = merge(model, self._engines(source))
        return model

    def _engines(self, source: Source) -> NetworkModel:
        from netkit import docker_live

        return docker_live.load_engines(source.docker, self.docker_api or docker_live.connect)

    def _load(self, source: Source, address_spaces: bool) -> NetworkModel:
        if source.kind is SourceKind.PATHS:
            return load_paths(source.paths, address_spaces=address_spaces)
        if source.kind is SourceKind.STACK:
            if self.stack_model is None:
                raise NetkitError(
                    f"--stack {source.stack!r}: synthesis is not available here (no stack "
                    "model was given to the loader); give manifests or a resource list instead"
                )
            return self.stack_model(source.stack, source.project_dir)
        api = self.cluster_api(source.kubeconfig or None, source.context or None)
        return live.load_cluster(api, source.namespaces)
