"""Matching as Kubernetes reads NetworkPolicies: pods, external ranges, peers and ports.

The pieces both evaluators share: the bulk engine (`engine`) uses them to build its
bitsets, the pair-by-pair reading (`explanation`) calls them directly.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from netkit.calico_selector import CalicoSelector
from netkit.model import (
    NAMESPACE_NAME_LABEL,
    ContainerPort,
    Entity,
    IPAddress,
    IPBlock,
    IPNetwork,
    Labels,
    NamedPort,
    NetworkModel,
    NetworkPolicy,
    NetworkSet,
    Node,
    PolicyPeer,
    PolicyRule,
    Selector,
    Service,
    ServiceRef,
    Workload,
    frozen_labels,
)
from netkit.portset import ConnectionSet

ALL = ConnectionSet.all()
NONE = ConnectionSet.none()


@dataclass(frozen=True)
class Pod:
    """A pod as policies see it: namespace (with labels), labels, container ports, and
    what cluster-wide and Calico policies also read (account, address, node)."""

    namespace: str
    namespace_labels: Labels
    labels: Labels
    ports: tuple[ContainerPort, ...]
    service_account: str = "default"
    address: IPAddress | None = None
    host_network: bool = False
    node: str = ""


CALICO_NAMESPACE = "projectcalico.org/namespace"
CALICO_ORCHESTRATOR = "projectcalico.org/orchestrator"
CALICO_SERVICE_ACCOUNT = "projectcalico.org/serviceaccount"
CALICO_NAME = "projectcalico.org/name"


@dataclass(frozen=True)
class Context:
    """What matching reads beyond the pod: Services, service accounts' labels, nodes."""

    services: Mapping[tuple[str, str], Service]
    accounts: Mapping[tuple[str, str], Labels]
    nodes: Mapping[str, Node]
    network_sets: tuple[NetworkSet, ...] = ()
    namespaces: Mapping[str, Labels] = field(default_factory=dict)
    """Namespace labels (with the name label), for NetworkSets' namespaces."""

    @classmethod
    def of(cls, model: NetworkModel) -> Context:
        return cls(
            {(s.namespace, s.name): s for s in model.services},
            {(a.namespace, a.name): a.labels for a in model.service_accounts},
            {n.name: n for n in model.nodes},
            model.network_sets,
            {ns.name: ns.effective_labels() for ns in model.all_namespaces()},
        )


def calico_pod_labels(pod: Pod) -> dict[str, str]:
    """A pod's labels as Calico's selectors see its workload endpoint."""
    return {
        **pod.labels,
        CALICO_NAMESPACE: pod.namespace,
        CALICO_ORCHESTRATOR: "k8s",
        CALICO_SERVICE_ACCOUNT: pod.service_account,
    }


def _matches(selector: Selector, plain: Mapping[str, str], calico: Mapping[str, str]) -> bool:
    return selector.matches(calico if isinstance(selector, CalicoSelector) else plain)


def _inside(address: IPAddress, nets: Sequence[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in nets)


def entity_matches_pod(entity: Entity, pod: Pod, context: Context) -> bool:
    """Whether `pod` is one of the pods `entity` names (see `netkit.model.Entity`)."""
    if not entity.pods:
        return False
    if pod.host_network:
        # Host-networked pods are no workload endpoints: pod conditions never take them,
        # a `nodes` peer takes them by their node, addresses by theirs (the node's).
        if entity.has_pod_conditions:
            return False
        if entity.nodes is not None:
            node = context.nodes.get(pod.node)
            if node is None or not entity.nodes.matches(node.labels):
                return False
    elif entity.nodes is not None or not _pod_conditions(entity, pod, context):
        return False
    return _address_conditions(entity, pod.address)


def _pod_conditions(entity: Entity, pod: Pod, context: Context) -> bool:
    if entity.namespace is not None and pod.namespace != entity.namespace:
        return False
    if entity.namespace_selector is not None:
        calico_ns = {**pod.namespace_labels, CALICO_NAME: pod.namespace}
        if not _matches(entity.namespace_selector, pod.namespace_labels, calico_ns):
            return False
    if entity.pod_selector is not None or entity.not_pod_selector is not None:
        calico = calico_pod_labels(pod)
        if entity.pod_selector is not None and not _matches(
            entity.pod_selector, pod.labels, calico
        ):
            return False
        if entity.not_pod_selector is not None and _matches(
            entity.not_pod_selector, pod.labels, calico
        ):
            return False
    if entity.service_accounts is not None and pod.service_account not in entity.service_accounts:
        return False
    if entity.service_account_selector is not None:
        labels = context.accounts.get((pod.namespace, pod.service_account), {})
        calico_sa = {**labels, CALICO_NAME: pod.service_account}
        if not _matches(entity.service_account_selector, labels, calico_sa):
            return False
    return entity.service is None or backs(
        context.services.get((entity.service.namespace, entity.service.name)), pod
    )


def backs(service: Service | None, pod: Pod) -> bool:
    """Whether `pod` is behind `service` (its namespace, a selector matching its labels)."""
    return (
        service is not None
        and bool(service.selector)
        and pod.namespace == service.namespace
        and all(pod.labels.get(k) == v for k, v in service.selector.items())
    )


def _address_conditions(entity: Entity, address: IPAddress | None) -> bool:
    if entity.nets is not None and (address is None or not _inside(address, entity.nets)):
        return False
    if entity.not_nets and address is not None and _inside(address, entity.not_nets):
        return False
    if entity.ip_version is not None:
        # A pod whose address is not known is taken as IPv4, the common cluster.
        version = 4 if address is None else address.version
        return version == entity.ip_version
    return True


def entity_matches_atom(entity: Entity, atom: Atom, context: Context | None = None) -> bool:
    """Whether the external range `atom` is inside what `entity` names: by its own
    addresses, or (Calico) inside a NetworkSet its selectors take."""
    if entity.nodes is not None:
        return False
    if entity.ip_version is not None and atom.version != entity.ip_version:
        return False
    if not entity.addresses:
        sets = context.network_sets if context is not None and entity.network_sets else ()
        if not any(
            any(_atom_in(atom, net) for net in n.nets) and network_set_taken(entity, n, context)
            for n in sets
        ):
            return False
    if entity.nets is not None and not any(_atom_in(atom, net) for net in entity.nets):
        return False
    return not any(_atom_in(atom, net) for net in entity.not_nets)


def network_set_taken(entity: Entity, network_set: NetworkSet, context: Context | None) -> bool:
    """Whether a Calico rule entity's selectors take `network_set` (libcalico-go: a
    namespaced policy's selectors its own namespace's sets, a namespaceSelector the sets of
    the namespaces it matches, global() the GlobalNetworkSets)."""
    if entity.service_accounts is not None or entity.service_account_selector is not None:
        return False
    if entity.service is not None:
        return False
    selector = entity.namespace_selector
    if isinstance(selector, CalicoSelector) and selector.is_global:
        if network_set.namespace:
            return False
    elif network_set.namespace:
        if entity.namespace is not None and network_set.namespace != entity.namespace:
            return False
        if selector is not None:
            labels = dict(context.namespaces.get(network_set.namespace, {})) if context else {}
            calico_ns = {**labels, CALICO_NAME: network_set.namespace}
            if not _matches(selector, labels, calico_ns):
                return False
    elif entity.namespace is not None or selector is not None:
        return False  # a namespaced scope never takes a GlobalNetworkSet
    calico = {**network_set.labels}
    if network_set.namespace:
        calico[CALICO_NAMESPACE] = network_set.namespace
    if entity.pod_selector is not None and not _matches(entity.pod_selector, calico, calico):
        return False
    return entity.not_pod_selector is None or not _matches(entity.not_pod_selector, calico, calico)


def _atom_in(atom: Atom, net: IPNetwork) -> bool:
    # Atoms are cut at every bound of every CIDR named, so one lies wholly in or out.
    return (
        net.version == atom.version
        and int(net.network_address) <= atom.first
        and atom.last <= int(net.broadcast_address)
    )


def resolve_named(named: Sequence[NamedPort], ports: Sequence[ContainerPort]) -> ConnectionSet:
    """What named ports resolve to on a pod with container `ports` (its first port of each
    name; a port whose protocol differs from a named port's, when it names one, is none)."""
    result = NONE
    for wanted in named:
        port = named_port(ports, wanted.name)
        if port is None:
            continue
        protocol = port.protocol.upper()
        if wanted.protocol is None or wanted.protocol == protocol:
            result |= ConnectionSet.ports(protocol, port.port)
    return result


def service_target_conns(service: Service | None, ports: Sequence[ContainerPort]) -> ConnectionSet:
    """The target ports of `service` on a pod with container `ports`."""
    result = NONE
    if service is None:
        return result
    for service_port in service.ports:
        protocol = service_port.protocol.upper()
        target = service_port.target_port
        if isinstance(target, int):
            result |= ConnectionSet.ports(protocol, target)
        else:
            result |= resolve_named([NamedPort(target, protocol)], ports)
    return result


def service_of(context: Context, ref: ServiceRef | None) -> Service | None:
    return None if ref is None else context.services.get((ref.namespace, ref.name))


@dataclass(frozen=True)
class Atom:
    """A range of external addresses no ipBlock boundary splits."""

    version: int
    first: int
    last: int

    @property
    def first_text(self) -> str:
        return address_text(self.version, self.first)

    @property
    def last_text(self) -> str:
        return address_text(self.version, self.last)

    @property
    def name(self) -> str:
        return f"{self.first_text}-{self.last_text}[External]"


def address_text(version: int, value: int) -> str:
    if version == 4:
        return str(ipaddress.IPv4Address(value))
    return str(ipaddress.IPv6Address(value))


def pod_shapes(workload: Workload) -> list[tuple[Labels, tuple[ContainerPort, ...]]]:
    shapes = [(workload.labels, workload.ports)]
    shapes.extend((variant.labels, variant.ports) for variant in workload.pod_variants)
    return shapes


def pods_of(model: NetworkModel, workload: Workload, *, placed: bool = False) -> list[Pod]:
    """The pods of `workload` as policies tell them apart: one per label and port shape;
    with `placed`, one per shape and listed address or node (for policies that read them)."""
    return workload_pods(workload, model.namespace(workload.namespace).effective_labels(), placed)


def workload_pods(workload: Workload, namespace_labels: Labels, placed: bool) -> list[Pod]:
    pods: list[Pod] = []
    shapes = pod_shapes(workload)
    where: dict[int, list[tuple[IPAddress | None, str]]] = {}
    if placed:
        for placement in workload.placements:
            where.setdefault(placement.shape, []).append((placement.address, placement.node))
    for index, (pod_labels, ports) in enumerate(shapes):
        for address, node in dict.fromkeys(where.get(index) or [(None, "")]):
            pods.append(
                Pod(
                    workload.namespace,
                    namespace_labels,
                    pod_labels,
                    ports,
                    workload.service_account,
                    address,
                    workload.host_network,
                    node,
                )
            )
    return pods


def hypothetical_pod(
    namespace_labels: Mapping[str, str],
    pod_labels: Mapping[str, str],
    ports: Sequence[ContainerPort],
) -> Pod:
    name = namespace_labels.get(NAMESPACE_NAME_LABEL, "")
    return Pod(name, frozen_labels(namespace_labels), frozen_labels(pod_labels), tuple(ports))


def named_port(ports: Sequence[ContainerPort], name: str) -> ContainerPort | None:
    """The pod's container port called `name` (the first one, as Kubernetes resolves it)."""
    for port in ports:
        if port.name == name:
            return port
    return None


def peer_matches_pod(policy: NetworkPolicy, peer: PolicyPeer, pod: Pod) -> bool:
    if peer.ip_block is not None:
        return False  # ipBlocks match external addresses only
    if peer.namespace_selector is None:
        if pod.namespace != policy.namespace:
            return False
    elif not peer.namespace_selector.matches(pod.namespace_labels):
        return False
    return peer.pod_selector is None or peer.pod_selector.matches(pod.labels)


def block_pieces(block: IPBlock) -> list[tuple[int, int]]:
    """The cidr minus its excepts, as sorted disjoint inclusive integer ranges."""
    lo, hi = int(block.cidr.network_address), int(block.cidr.broadcast_address)
    holes = sorted(
        (max(int(h.network_address), lo), min(int(h.broadcast_address), hi))
        for h in block.excepts
        if h.version == block.cidr.version
    )
    pieces: list[tuple[int, int]] = []
    start = lo
    for hole_lo, hole_hi in holes:
        if hole_lo > hole_hi:
            continue
        if hole_lo > start:
            pieces.append((start, hole_lo - 1))
        start = max(start, hole_hi + 1)
    if start <= hi:
        pieces.append((start, hi))
    return pieces


def peer_matches_atom(peer: PolicyPeer, atom: Atom) -> bool:
    block = peer.ip_block
    if block is None or block.cidr.version != atom.version:
        return False
    return any(lo <= atom.first and atom.last <= hi for lo, hi in block_pieces(block))


def split_ports(rule: PolicyRule) -> tuple[ConnectionSet, tuple[tuple[str, str], ...]]:
    """A rule's ports as (what numbers and whole protocols allow, (protocol, name) pairs)."""
    if not rule.ports:
        return ALL, ()
    fixed = NONE
    named: list[tuple[str, str]] = []
    for port in rule.ports:
        protocol = port.protocol.upper()
        if port.port is None:
            fixed |= ConnectionSet.protocol(protocol)
        elif isinstance(port.port, int):
            fixed |= ConnectionSet.ports(protocol, port.port, port.end_port or port.port)
        else:
            named.append((protocol, port.port))
    return fixed, tuple(named)


def rule_conns(rule: PolicyRule, dst_ports: Sequence[ContainerPort] | None) -> ConnectionSet:
    """What a rule's `ports` allow towards a destination with `dst_ports` (None: an address)."""
    result, named = split_ports(rule)
    if dst_ports is None:
        return result  # named ports never resolve on an address
    for protocol, name in named:
        resolved = named_port(dst_ports, name)
        if resolved is not None and resolved.protocol.upper() == protocol:
            result |= ConnectionSet.ports(protocol, resolved.port)
    return result


def service_targets(service: Service, port: int | str | None) -> list[int | str]:
    """The pod ports a backend reaches through `service` (netpol-analyzer's reading).

    No port: every target port of the Service. Otherwise the first Service port whose
    name, number or target port equals `port`.
    """
    if port is None:
        return [sp.target_port for sp in service.ports]
    for sp in service.ports:
        if (isinstance(port, str) and sp.name == port) or sp.port == port or sp.target_port == port:
            return [sp.target_port]
    return []


def target_conns(ports: Sequence[ContainerPort], targets: Sequence[int | str]) -> ConnectionSet:
    """TCP ports among `targets` that the pod declares (named targets resolved)."""
    result = NONE
    for target in targets:
        if isinstance(target, str):
            resolved = named_port(ports, target)
            if resolved is not None and resolved.protocol.upper() == "TCP":
                result |= ConnectionSet.ports("TCP", resolved.port)
        elif any(p.port == target and p.protocol.upper() == "TCP" for p in ports):
            result |= ConnectionSet.ports("TCP", target)
    return result
