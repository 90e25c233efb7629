"""Flows onto the model: addresses and names to workloads, Services and containers.

`ModelIndex(model)` builds dictionaries once (pod addresses, Service cluster IPs, container
addresses, workloads and Services by namespace and name); `map_flows` then looks each
distinct flow end up in them, so the cost grows with the flows, never with flows times
pods. A pod name (`web-7d4f9c-x2x8k`, or Calico's aggregate `web-7d4f9c-*`) names the
workload whose name is its longest prefix of whole dash-separated parts. A Service is
mapped to the pod the kernel's translation reached (conntrack's reply tuple), else to
the one workload it selects; the Service is kept as the route (`via`). An end nothing
maps is kept and reported: an address of the model's ranges, or a private one outside its
reserved ranges, is unmapped (a pod or node the model lacks); any other is external.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from netkit.docker_reach.topology import host_of
from netkit.model import IPNetwork, Layer, NetworkModel, Service, Workload
from netkit.observed.flow import Flow, FlowEnd

NETWORKS = {"pub": "pub (a public address)", "pvt": "pvt (a private address)"}
"""Calico's aggregate names for an end that is no pod and whose address is left out."""


class PartyKind(StrEnum):
    WORKLOAD = "workload"
    SERVICE = "service"
    """A Service whose reached pod is unknown (it selects several workloads, or none)."""
    CONTAINER = "container"
    EXTERNAL = "external"
    """An address outside every range the model knows (the internet, a corporate net)."""
    UNMAPPED = "unmapped"
    """An address or name inside the model's ranges that no object of it has."""


@dataclass(frozen=True, slots=True)
class Party:
    """An end of an observed connection, as the model names it."""

    kind: PartyKind
    name: str
    """`namespace/name` (workloads, Services), `host/container`, or the address."""
    namespace: str = ""
    workload: str = ""
    """The workload's (or Service's) name; "" for containers and addresses."""

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Use:
    """One observed connection: `src` to `dst` on `port`/`protocol`."""

    src: Party
    dst: Party
    port: int
    protocol: str


@dataclass(slots=True)
class Seen:
    """How often and when a `Use` was seen, and through which Services."""

    count: int
    first_seen: datetime
    last_seen: datetime
    via: set[str] = field(default_factory=set)

    def add(self, flow: Flow, via: str) -> None:
        self.count += flow.count
        if flow.first_seen < self.first_seen:
            self.first_seen = flow.first_seen
        if flow.last_seen > self.last_seen:
            self.last_seen = flow.last_seen
        if via:
            self.via.add(via)


@dataclass(frozen=True)
class Mapped:
    """Observed connections and denied attempts by `Use`, and what could not be mapped."""

    uses: dict[Use, Seen]
    denied: dict[Use, Seen]
    unmapped: dict[str, int]
    """Ends no object of the model has (`10.244.3.9`, `shop/old-pod`), with their flows."""


def _workload_party(workload: Workload) -> Party:
    return Party(
        PartyKind.WORKLOAD,
        f"{workload.namespace}/{workload.name}",
        workload.namespace,
        workload.name,
    )


def _selects(service: Service, workload: Workload) -> bool:
    labels = workload.labels
    return bool(service.selector) and all(labels.get(k) == v for k, v in service.selector.items())


class ModelIndex:
    """The model's objects by address and by name, built once for many flows."""

    def __init__(self, model: NetworkModel) -> None:
        self.by_address: dict[str, Party] = {}
        self.by_name: dict[tuple[str, str], Party] = {}
        self.services: dict[tuple[str, str], tuple[Party, Party | None]] = {}
        """(namespace, name) -> (the Service, the one workload it selects or None)."""
        self.service_addresses: dict[str, tuple[str, str]] = {}
        by_namespace: dict[str, list[Workload]] = {}
        for workload in model.workloads:
            party = _workload_party(workload)
            self.by_name[(workload.namespace, workload.name)] = party
            by_namespace.setdefault(workload.namespace, []).append(workload)
            for placement in workload.placements:
                if placement.address is not None:
                    self.by_address[str(placement.address)] = party
        for service in model.services:
            selected = [w for w in by_namespace.get(service.namespace, ()) if _selects(service, w)]
            backend = _workload_party(selected[0]) if len(selected) == 1 else None
            key = (service.namespace, service.name)
            party = Party(PartyKind.SERVICE, f"{service.namespace}/{service.name}", *key)
            self.services[key] = (party, backend)
            if service.cluster_ip and service.cluster_ip != "None":
                self.service_addresses[_normal(service.cluster_ip)] = key
        for container in model.docker_containers:
            party = Party(PartyKind.CONTAINER, f"{host_of(container)}/{container.name}")
            for attachment in container.networks:
                if attachment.address:
                    self.by_address[_normal(attachment.address.split("/")[0])] = party
        self.ranges: list[IPNetwork] = [
            space.cidr for space in model.address_spaces if space.layer is not Layer.RESERVED
        ]
        self.ranges += [s.cidr for n in model.docker_networks for s in n.subnets]
        self.reserved: list[IPNetwork] = [
            space.cidr for space in model.address_spaces if space.layer is Layer.RESERVED
        ]
        if model.pod_cidr is not None:
            self.ranges.append(model.pod_cidr)
        self._cache: dict[tuple[FlowEnd, str], tuple[Party, str]] = {}

    def workload_of_pod(self, namespace: str, pod: str) -> Party | None:
        """The workload whose name is the longest whole-part prefix of `pod`."""
        parts = pod.split("-")
        for size in range(len(parts), 0, -1):
            party = self.by_name.get((namespace, "-".join(parts[:size])))
            if party is not None:
                return party
        return None

    def resolve(self, end: FlowEnd, translated: str = "") -> tuple[Party, str]:
        """The party `end` is, and the Service it was reached through ("" if none)."""
        key = (end, translated)
        found = self._cache.get(key)
        if found is None:
            found = self._resolve(end, translated)
            self._cache[key] = found
        return found

    def _resolve(self, end: FlowEnd, translated: str) -> tuple[Party, str]:
        service = (end.namespace, end.service) if end.service else None
        if service is None and end.address in self.service_addresses:
            service = self.service_addresses[end.address]
        via = f"{service[0]}/{service[1]}" if service is not None else ""
        if end.pod:  # the pod the file names is the one reached, whatever the Service
            found = self.workload_of_pod(end.namespace, end.pod)
            if found is not None:
                return found, via
        if service is not None and service in self.services:
            party, backend = self.services[service]
            reached = self.by_address.get(translated) if translated else None
            return reached or backend or party, via
        if end.address in self.by_address:
            return self.by_address[end.address], via
        if translated and translated in self.by_address:
            return self.by_address[translated], end.address
        if not end.namespace and end.pod in NETWORKS:
            return Party(PartyKind.EXTERNAL, NETWORKS[end.pod]), ""
        if end.pod or end.service or not end.address:
            return Party(PartyKind.UNMAPPED, end.describe(), end.namespace), ""
        kind = PartyKind.UNMAPPED if self._inside(end.address) else PartyKind.EXTERNAL
        return Party(kind, end.address), ""

    def _inside(self, address: str) -> bool:
        """Whether `address` belongs to the model's own ranges (pods, Services, Docker
        networks), or is a private address no reserved range claims: such an address
        is a pod or a node the model lacks, not somewhere outside."""
        ip = ipaddress.ip_address(address)
        if any(ip.version == r.version and ip in r for r in self.ranges):
            return True
        return ip.is_private and not any(ip.version == r.version and ip in r for r in self.reserved)


def _normal(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address


def map_flows(index: ModelIndex, flows: Iterable[Flow], denied: Iterable[Flow] = ()) -> Mapped:
    """Each flow's ends as parties, flows of the same `Use` summed."""
    unmapped: dict[str, int] = {}
    return Mapped(_sum(index, flows, unmapped), _sum(index, denied, unmapped), unmapped)


def _sum(index: ModelIndex, flows: Iterable[Flow], unmapped: dict[str, int]) -> dict[Use, Seen]:
    uses: dict[Use, Seen] = {}
    for flow in flows:
        src, _ = index.resolve(flow.src)
        dst, via = index.resolve(flow.dst, flow.translated)
        for party in (src, dst):
            if party.kind is PartyKind.UNMAPPED:
                unmapped[party.name] = unmapped.get(party.name, 0) + flow.count
        use = Use(src, dst, flow.port, flow.protocol)
        seen = uses.get(use)
        if seen is None:
            uses[use] = Seen(flow.count, flow.first_seen, flow.last_seen, {via} if via else set())
        else:
            seen.add(flow, via)
    return uses
