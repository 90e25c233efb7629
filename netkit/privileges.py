"""Network privileges a pod template keeps: raw sockets, the Docker socket, host ports.

- `NET_RAW` lets a container forge packets (ARP and DNS spoofing of its neighbours) and is
  in the container runtime's default set, so it stays unless dropped: kube-linter's
  `drop-net-raw-capability`, Kyverno's `drop-cap-net-raw` and Checkov's
  CKV_K8S_28 all ask that it be dropped (`NET_RAW` or `ALL` in `capabilities.drop`).
- A hostPath volume on the Docker socket gives the pod the Docker daemon, so root on the
  node (kube-linter `docker-sock`, Checkov CKV_K8S_27).
- Host ports outside an agreed range (Kyverno's `disallow-host-ports-range`).

Every container list of the pod spec counts: containers, initContainers and
ephemeralContainers. The policy rules format what is found here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from netkit.errors import InvalidValue
from netkit.model import Container, NetworkModel, Workload
from netkit.ports import port_number

__all__ = [
    "DOCKER_SOCKET_SUFFIX",
    "HostPortOutside",
    "KeptNetRaw",
    "PortRange",
    "docker_socket_mounts",
    "host_ports_outside",
    "net_raw_kept",
]

NET_RAW = "NET_RAW"
ALL = "ALL"
DOCKER_SOCKET_SUFFIX = "docker.sock"


@dataclass(frozen=True)
class KeptNetRaw:
    workload: Workload
    container: Container
    added: bool
    """True when the container adds NET_RAW (or ALL) back, not only fails to drop it."""


def _capability(name: str) -> str:
    # Runtimes take `NET_RAW`, `net_raw` and `CAP_NET_RAW` alike (Kyverno's policy also
    # compares upper-cased).
    return name.upper().removeprefix("CAP_")


def net_raw_kept(model: NetworkModel) -> Iterator[KeptNetRaw]:
    """Containers that keep NET_RAW: not dropped (by name or ALL), or added."""
    for workload in model.workloads:
        for container in workload.containers:
            added = {NET_RAW, ALL} & {_capability(c) for c in container.capabilities_add}
            dropped = {NET_RAW, ALL} & {_capability(c) for c in container.capabilities_drop}
            if added or not dropped:
                yield KeptNetRaw(workload, container, bool(added))


def docker_socket_mounts(model: NetworkModel) -> Iterator[tuple[Workload, str]]:
    """(workload, path) for every hostPath volume on a Docker socket."""
    for workload in model.workloads:
        for path in workload.host_paths:
            if path.rstrip("/").endswith(DOCKER_SOCKET_SUFFIX):
                yield workload, path


@dataclass(frozen=True)
class PortRange:
    first: int
    last: int

    @classmethod
    def parse(cls, text: object) -> PortRange:
        """`5000-6000` or `8080`; raises `InvalidValue` naming the text."""
        if not isinstance(text, str):
            raise InvalidValue(f"port range {text!r}: expected 'FIRST-LAST' like '5000-6000'")
        first, dash, last = text.partition("-")
        low = port_number(first.strip(), f"port range {text!r}")
        high = port_number(last.strip(), f"port range {text!r}") if dash else low
        if high < low:
            raise InvalidValue(f"port range {text!r}: reversed; did you mean '{high}-{low}'?")
        return cls(low, high)

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.first <= port <= self.last

    def __str__(self) -> str:
        return f"{self.first}-{self.last}" if self.last != self.first else str(self.first)


@dataclass(frozen=True)
class HostPortOutside:
    workload: Workload
    container: Container
    port: int


def host_ports_outside(
    model: NetworkModel, allowed: Iterable[PortRange]
) -> Iterator[HostPortOutside]:
    """Host ports of any container that lie in none of the `allowed` ranges."""
    ranges = tuple(allowed)
    for workload in model.workloads:
        for container in workload.containers:
            for port in container.host_ports:
                if not any(port in span for span in ranges):
                    yield HostPortOutside(workload, container, port)
