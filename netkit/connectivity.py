"""Both halves of a model's reachability, read as one: Kubernetes and Docker.

`analyze_all(model)` runs the NetworkPolicy analysis (`netkit.reachability`) and the Docker
analysis (`netkit.docker_reach`) on one model and answers as one: every connection, every
endpoint, an explanation for any pair. A pair belongs to the half of its non-external end
(a workload or the ingress controller: Kubernetes; a container or a Docker host: Docker);
the halves share no endpoint, so their connections are simply listed together.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from netkit.docker_reach import DockerReachability, analyze_docker
from netkit.model import IPBlock, NetworkModel, Workload
from netkit.portset import ConnectionSet
from netkit.reachability import Connection, Explanation, Peer, PeerKind, Reachability, analyze

__all__ = ["Connectivity", "analyze_all"]

_DOCKER_KINDS = frozenset({PeerKind.CONTAINER, PeerKind.HOST})


def _pair(connection: Connection) -> tuple[str, str]:
    return connection.src.name, connection.dst.name


def analyze_all(model: NetworkModel, *, extra_ip_blocks: Iterable[IPBlock] = ()) -> Connectivity:
    """Both halves of `model`'s reachability (see `netkit.reachability.analyze` for
    `extra_ip_blocks`)."""
    return Connectivity(analyze(model, extra_ip_blocks=extra_ip_blocks), analyze_docker(model))


class Connectivity:
    """Kubernetes and Docker reachability of one model."""

    def __init__(self, kubernetes: Reachability, docker: DockerReachability) -> None:
        self.kubernetes = kubernetes
        self.docker = docker
        self.model = kubernetes.model
        self._connections: list[Connection] | None = None

    @property
    def shows_icmp(self) -> bool:
        """Whether connections name ICMP (some Calico rule does; Docker never filters it)."""
        return self.kubernetes.shows_icmp

    def connections(self) -> list[Connection]:
        """Every allowed connection of both halves, sorted by source then destination."""
        if self._connections is None:
            kubernetes, docker = self.kubernetes.connections(), self.docker.connections()
            if kubernetes and docker:
                self._connections = list(heapq.merge(kubernetes, docker, key=_pair))
            else:
                self._connections = kubernetes or docker
        return list(self._connections)

    def peers(self) -> list[Peer]:
        """Every workload and container, sorted by name (graph nodes without edges too)."""
        return sorted([*self.kubernetes.peers(), *self.docker.peers()], key=lambda peer: peer.name)

    def endpoints(self) -> set[str]:
        """Names of the model's own endpoints: workloads and containers."""
        return {peer.name for peer in self.peers()}

    def peer(self, name: str | Peer | Workload) -> Peer:
        if isinstance(name, str) and self.docker.has_peer(name):
            return self.docker.peer(name)
        return self.kubernetes.peer(name)

    def _in_docker(self, end: str | Peer | Workload) -> bool:
        if isinstance(end, Peer):
            return end.kind in _DOCKER_KINDS
        return isinstance(end, str) and self.docker.has_peer(end)

    def explain(self, src: str | Peer | Workload, dst: str | Peer | Workload) -> Explanation:
        """Why `src` may (or may not) reach `dst`, from the half the pair belongs to (an
        external range is named the same way in both)."""
        if self._in_docker(src) or self._in_docker(dst):
            assert not isinstance(src, Workload) and not isinstance(dst, Workload)
            return self.docker.explain(src, dst)
        return self.kubernetes.explain(src, dst)

    def allowed(self, src: str | Peer | Workload, dst: str | Peer | Workload) -> ConnectionSet:
        if self._in_docker(src) or self._in_docker(dst):
            assert not isinstance(src, Workload) and not isinstance(dst, Workload)
            return self.docker.allowed(src, dst)
        return self.kubernetes.allowed(src, dst)

    def denied(self) -> list[tuple[Peer, Peer]]:
        """The pairs `--explain` lists as `No Connections`, both halves."""
        pairs = self.kubernetes.denied() + self.docker.denied()
        pairs.sort(key=lambda pair: (pair[0].name, pair[1].name))
        return pairs
