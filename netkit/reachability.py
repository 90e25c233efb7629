"""NetworkPolicy reachability with Kubernetes semantics, reported per workload.

`analyze(model)` answers, for every ordered pair of peers, which connections the model's
NetworkPolicies allow. Peers are workloads (`namespace/name[Kind]`), address ranges outside
the cluster (`FIRST-LAST[External]`) and the cluster's ingress controller
(`{ingress-controller}`), exactly as netpol-analyzer's connectivity list names them.

Semantics (Kubernetes NetworkPolicy v1, as netpol-analyzer evaluates it):

- A policy selects the pods of its own namespace that match `spec.podSelector`; it affects
  the directions in `policyTypes` (resolved by the loader: Ingress always, Egress when the
  policy has egress rules, unless declared).
- A pod selected by no policy for a direction is not isolated in that direction: all
  traffic is allowed. A selected pod allows the union of what the selecting policies' rules
  allow. A connection needs both the source's egress and the destination's ingress.
- A rule without peers matches every peer; without ports, every port. A peer with only a
  podSelector means pods of the policy's namespace; with only a namespaceSelector, every
  pod of the matching namespaces; with both, matching pods in matching namespaces.
  Namespaces always carry `kubernetes.io/metadata.name`.
- ipBlock peers match addresses outside the cluster only, never pods (netpol-analyzer does
  the same; pod IPs are not known from manifests). The address space is split into
  disjoint ranges by every ipBlock cidr/except boundary: ingress ipBlocks split the
  sources, egress ipBlocks the destinations, and the whole IPv4 space is always present.
- Ports: protocol defaults to TCP; `endPort` makes a range; a named port resolves on the
  destination pod's container ports, protocol included (a name whose protocol differs, or
  that the pod lacks, allows nothing).
- The ingress controller reaches the pods behind an Ingress or Route on the target port of
  the Service port it references (TCP, when the pod declares that container port), and the
  destination's ingress policies still apply: it is a pod without labels in namespace
  `ingress-controller-ns`.
- Pods of one workload that differ in labels are evaluated separately and their results
  combined (union). A workload's traffic to itself is not listed.

Performance: workloads' pods are grouped into equivalence classes (namespace, the labels
that some selector mentions, named-port resolutions), each policy's selection and each rule
peer's matches are bitsets over classes, and classes that see policies the same way (same
selecting rules, same rule-peer memberships) share one computed row. Cost grows with
classes x policies for the set-up, plus the size of the output.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from netkit.errors import NetkitError
from netkit.model import (
    NAMESPACE_NAME_LABEL,
    ContainerPort,
    IPBlock,
    Labels,
    LabelSelector,
    NetworkModel,
    NetworkPolicy,
    PolicyPeer,
    PolicyRule,
    SelectorOperator,
    Service,
    Workload,
    frozen_labels,
)
from netkit.portset import ConnectionSet

__all__ = [
    "INGRESS_CONTROLLER",
    "INGRESS_CONTROLLER_NAMESPACE",
    "Connection",
    "Direction",
    "DirectionVerdict",
    "Explanation",
    "Peer",
    "PeerKind",
    "Reachability",
    "RuleMatch",
    "UnknownPeerError",
    "analyze",
    "egress_to",
    "ingress_from",
]

INGRESS_CONTROLLER = "{ingress-controller}"
INGRESS_CONTROLLER_NAMESPACE = "ingress-controller-ns"
"""The namespace netpol-analyzer places its ingress-controller pod in (no pod labels)."""

_ALL = ConnectionSet.all()
_NONE = ConnectionSet.none()


class UnknownPeerError(NetkitError, LookupError):
    """A workload or peer name that the analyzed model does not contain."""


class Direction(StrEnum):
    INGRESS = "ingress"
    EGRESS = "egress"


class PeerKind(StrEnum):
    WORKLOAD = "workload"
    EXTERNAL = "external"
    INGRESS_CONTROLLER = "ingress-controller"


@dataclass(frozen=True)
class Peer:
    """One end of a connection; `str(peer)` is its connectivity-list name."""

    kind: PeerKind
    name: str
    workload: Workload | None = field(default=None, compare=False, repr=False)
    """The workload, for kind WORKLOAD."""
    first: str = ""
    """First address of an EXTERNAL range."""
    last: str = ""
    """Last address of an EXTERNAL range."""

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Connection:
    """Traffic `src` may send to `dst`: the connections both sides' policies allow."""

    src: Peer
    dst: Peer
    conns: ConnectionSet

    def __str__(self) -> str:
        return f"{self.src} => {self.dst} : {self.conns}"


@dataclass(frozen=True)
class RuleMatch:
    """One policy rule that allows part of a connection."""

    policy: str
    """`namespace/name` of the NetworkPolicy."""
    direction: Direction
    index: int
    """Position in `spec.ingress` or `spec.egress` (0-based, as in the manifest path)."""
    conns: ConnectionSet
    """What this rule allows for the pair."""

    @property
    def path(self) -> str:
        return f"spec.{self.direction}[{self.index}]"

    def __str__(self) -> str:
        return f"{self.policy} {self.path}"


@dataclass(frozen=True)
class DirectionVerdict:
    """What one side's policies say: the source's egress or the destination's ingress."""

    direction: Direction
    endpoint: str
    """The peer whose policies decide (the source for egress, the destination for ingress)."""
    isolated: bool
    """Some policy selects the endpoint for this direction."""
    policies: tuple[str, ...]
    """`namespace/name` of every policy selecting the endpoint for this direction."""
    rules: tuple[RuleMatch, ...]
    """Rules of those policies that match the other peer, with what each allows."""
    allowed: ConnectionSet

    def lines(self, other: str) -> list[str]:
        if not self.isolated:
            return [
                f"{self.direction}: {self.endpoint} is not isolated for {self.direction} "
                "(no NetworkPolicy selects it): All Connections"
            ]
        if not self.rules:
            return [
                f"{self.direction}: denied; {self.endpoint} is isolated for {self.direction} "
                f"by {', '.join(self.policies)} and no {self.direction} rule matches {other}"
            ]
        lines = [f"{self.direction}: {rule.conns} allowed by {rule}" for rule in self.rules]
        if not self.allowed.is_all:
            lines.append(
                f"{self.direction}: anything else is denied ({self.endpoint} is isolated by "
                f"{', '.join(self.policies)})"
            )
        return lines


@dataclass(frozen=True)
class Explanation:
    """Why `src` may (or may not) reach `dst`: both sides' verdicts and their intersection."""

    src: Peer
    dst: Peer
    allowed: ConnectionSet
    egress: DirectionVerdict | None
    """None when the source is outside the cluster (no policy governs its egress)."""
    ingress: DirectionVerdict | None
    routes: tuple[str, ...] = ()
    """For the ingress controller: the Ingress/Route objects and what each routes."""

    def lines(self) -> list[str]:
        """The connectivity line followed by indented explanation lines."""
        lines = [f"{self.src} => {self.dst} : {self.allowed}"]
        details = list(self.routes)
        if self.egress is not None:
            details.extend(self.egress.lines(str(self.dst)))
        if self.ingress is not None:
            details.extend(self.ingress.lines(str(self.src)))
        return lines + [f"    {line}" for line in details]

    def __str__(self) -> str:
        return "\n".join(self.lines())


# --------------------------------------------------------------------------- public API


def analyze(
    model: NetworkModel,
    *,
    extra_ip_blocks: Iterable[IPBlock] = (),
    ingress_controller_namespace: str | None = None,
    ingress_controller_labels: Mapping[str, str] | None = None,
) -> Reachability:
    """Compute every allowed connection of `model`.

    `extra_ip_blocks` add range boundaries to the external address split (the diff uses
    the other model's ipBlocks so both sides name the same ranges).
    `ingress_controller_namespace` and `ingress_controller_labels` place the ingress
    controller's pod. By default a stack's model (one with declared intent) knows where
    its controller runs; plain manifests do not, and the pod is put where netpol-analyzer
    puts it (namespace `ingress-controller-ns`, no pod labels).
    """
    from_stack = model.connections is not None
    if ingress_controller_namespace is None:
        ingress_controller_namespace = (
            model.ingress_controller_namespace if from_stack else INGRESS_CONTROLLER_NAMESPACE
        )
    if ingress_controller_labels is None:
        ingress_controller_labels = model.ingress_controller_labels if from_stack else {}
    return Reachability(
        model, tuple(extra_ip_blocks), ingress_controller_namespace, ingress_controller_labels
    )


def egress_to(
    model: NetworkModel,
    workload: Workload,
    namespace_labels: Mapping[str, str],
    pod_labels: Mapping[str, str],
    *,
    ports: Sequence[ContainerPort] = (),
) -> ConnectionSet:
    """What `workload`'s egress policies allow towards a HYPOTHETICAL pod.

    The pod need not be in the model (e.g. kube-dns: `{"kubernetes.io/metadata.name":
    "kube-system"}`, `{"k8s-app": "kube-dns"}`). Its namespace name is read from the
    `kubernetes.io/metadata.name` label, which a podSelector-only peer compares with the
    policy's namespace. `ports` are its container ports, to resolve named ports. Only the
    source side is evaluated: the hypothetical pod's own ingress policies are unknown.
    """
    target = _hypothetical(namespace_labels, pod_labels, ports)
    policies = _PolicyIndex(model.network_policies)
    result = _NONE
    for pod in _pods_of(model, workload):
        result |= policies.verdict(Direction.EGRESS, pod, target, "", "").allowed
    return result


def ingress_from(
    model: NetworkModel,
    workload: Workload,
    namespace_labels: Mapping[str, str],
    pod_labels: Mapping[str, str],
) -> ConnectionSet:
    """What `workload`'s ingress policies allow from a HYPOTHETICAL pod (see `egress_to`).

    Named ports resolve on `workload`'s container ports. The source's egress policies are
    unknown and not evaluated.
    """
    source = _hypothetical(namespace_labels, pod_labels, ())
    policies = _PolicyIndex(model.network_policies)
    result = _NONE
    for pod in _pods_of(model, workload):
        result |= policies.verdict(Direction.INGRESS, source, pod, "", "").allowed
    return result


class Reachability:
    """The result of `analyze`: allowed connections between every pair of peers."""

    def __init__(
        self,
        model: NetworkModel,
        extra_ip_blocks: tuple[IPBlock, ...] = (),
        ingress_controller_namespace: str = INGRESS_CONTROLLER_NAMESPACE,
        ingress_controller_labels: Mapping[str, str] | None = None,
    ) -> None:
        self.model = model
        self._namespace_labels = {ns.name: ns.effective_labels() for ns in model.all_namespaces()}
        self._policies = _PolicyIndex(model.network_policies)
        self._workload_peers = [Peer(PeerKind.WORKLOAD, w.ref, workload=w) for w in model.workloads]
        self._by_ref = {peer.name: i for i, peer in enumerate(self._workload_peers)}
        self._pods = [self._pods_of_workload(w) for w in model.workloads]
        controller_ns = model.namespace(ingress_controller_namespace)
        self._controller = _Pod(
            controller_ns.name,
            controller_ns.effective_labels(),
            frozen_labels(ingress_controller_labels),
            (),
        )
        self._controller_peer = Peer(PeerKind.INGRESS_CONTROLLER, INGRESS_CONTROLLER)
        engine = _Engine(model, self._pods, extra_ip_blocks)
        self._src_atoms = engine.src_atoms
        self._dst_atoms = engine.dst_atoms
        self._src_atom_names = {atom.name: atom for atom in self._src_atoms}
        self._dst_atom_names = {atom.name: atom for atom in self._dst_atoms}
        self._table = engine.run()
        self._routes = self._route_conns()
        self._connections: list[Connection] | None = None

    # -- queries

    def connections(self) -> list[Connection]:
        """Every allowed connection, sorted by source then destination name (as connlist)."""
        if self._connections is None:
            result: list[Connection] = []
            peers = self._workload_peers
            for (src, dst), conns in self._table.pairs.items():
                result.append(Connection(peers[src], peers[dst], conns))
            for (atom, dst), conns in self._table.from_external.items():
                result.append(Connection(self._atom_peer(self._src_atoms[atom]), peers[dst], conns))
            for (src, atom), conns in self._table.to_external.items():
                result.append(Connection(peers[src], self._atom_peer(self._dst_atoms[atom]), conns))
            for dst, (conns, _) in self._routes.items():
                result.append(Connection(self._controller_peer, peers[dst], conns))
            result.sort(key=lambda c: (c.src.name, c.dst.name))
            self._connections = result
        return list(self._connections)

    def peers(self) -> list[Peer]:
        """Every workload of the model as a peer, sorted by name."""
        return sorted(self._workload_peers, key=lambda p: p.name)

    def peer(self, name: str | Workload | Peer) -> Peer:
        """The peer named `name` (`ns/name[Kind]`, `FIRST-LAST[External]`, ...)."""
        if isinstance(name, Peer):
            return name
        if isinstance(name, Workload):
            name = name.ref
        if name in self._by_ref:
            return self._workload_peers[self._by_ref[name]]
        if name == INGRESS_CONTROLLER:
            return self._controller_peer
        atom = self._src_atom_names.get(name) or self._dst_atom_names.get(name)
        if atom is not None:
            return self._atom_peer(atom)
        raise UnknownPeerError(f"{name!r} is not a workload or peer of the analyzed model")

    def allowed(self, src: Workload | Peer | str, dst: Workload | Peer | str) -> ConnectionSet:
        """What `src` may send to `dst` (all pods of each; a workload to itself included)."""
        src_peer, dst_peer = self.peer(src), self.peer(dst)
        if src_peer == dst_peer and src_peer.kind is PeerKind.WORKLOAD:
            return self.explain(src_peer, dst_peer).allowed
        if src_peer.kind is PeerKind.WORKLOAD and dst_peer.kind is PeerKind.WORKLOAD:
            key = (self._by_ref[src_peer.name], self._by_ref[dst_peer.name])
            return self._table.pairs.get(key, _NONE)
        return self.explain(src_peer, dst_peer).allowed

    def is_ingress_isolated(self, workload: Workload | Peer | str) -> bool:
        """Some NetworkPolicy selects (a pod of) `workload` for ingress."""
        return any(
            self._policies.selecting(Direction.INGRESS, pod) for pod in self._pods_for(workload)
        )

    def is_egress_isolated(self, workload: Workload | Peer | str) -> bool:
        """Some NetworkPolicy selects (a pod of) `workload` for egress."""
        return any(
            self._policies.selecting(Direction.EGRESS, pod) for pod in self._pods_for(workload)
        )

    def policies_selecting(
        self, workload: Workload | Peer | str, direction: Direction | None = None
    ) -> tuple[NetworkPolicy, ...]:
        """Policies whose podSelector selects (a pod of) `workload`.

        With `direction`, only those that affect that direction (their policyTypes).
        """
        found: dict[int, NetworkPolicy] = {}
        for pod in self._pods_for(workload):
            for policy in self._policies.in_namespace(pod.namespace):
                if policy.pod_selector.matches(pod.labels) and (
                    direction is None
                    or (
                        policy.affects_ingress
                        if direction is Direction.INGRESS
                        else policy.affects_egress
                    )
                ):
                    found[id(policy)] = policy
        return tuple(found.values())

    def denied(self) -> list[tuple[Peer, Peer]]:
        """Workload pairs with nothing allowed where the source is egress-isolated or the
        destination ingress-isolated: the pairs a policy denies (for `--explain`)."""
        egress = [self.is_egress_isolated(p) for p in self._workload_peers]
        ingress = [self.is_ingress_isolated(p) for p in self._workload_peers]
        result: list[tuple[Peer, Peer]] = []
        for s, src in enumerate(self._workload_peers):
            for d, dst in enumerate(self._workload_peers):
                if s != d and (egress[s] or ingress[d]) and (s, d) not in self._table.pairs:
                    result.append((src, dst))
        result.sort(key=lambda pair: (pair[0].name, pair[1].name))
        return result

    def explain(self, src: Workload | Peer | str, dst: Workload | Peer | str) -> Explanation:
        """The policies and rules that allow `src` → `dst`, or that deny it."""
        src_peer, dst_peer = self.peer(src), self.peer(dst)
        if dst_peer.kind is not PeerKind.WORKLOAD:
            if src_peer.kind is not PeerKind.WORKLOAD:
                raise UnknownPeerError(
                    f"{src_peer} => {dst_peer}: one end must be a workload of the model"
                )
            return self._explain_to_external(src_peer, dst_peer)
        dst_pods = self._pods_for(dst_peer)
        if src_peer.kind is PeerKind.EXTERNAL:
            return self._explain_from_external(src_peer, dst_peer, dst_pods)
        if src_peer.kind is PeerKind.INGRESS_CONTROLLER:
            return self._explain_from_controller(dst_peer, dst_pods)
        egress: list[DirectionVerdict] = []
        ingress: list[DirectionVerdict] = []
        allowed = _NONE
        for s in self._pods_for(src_peer):
            for d in dst_pods:
                out = self._policies.verdict(Direction.EGRESS, s, d, src_peer.name, dst_peer.name)
                into = self._policies.verdict(Direction.INGRESS, s, d, src_peer.name, dst_peer.name)
                # Pod by pod: a pod pair needs both sides; the workload pair is their union.
                allowed |= out.allowed & into.allowed
                egress.append(out)
                ingress.append(into)
        return Explanation(
            src_peer, dst_peer, allowed, self._combine(egress), self._combine(ingress)
        )

    # -- internals

    def _pods_of_workload(self, workload: Workload) -> list[_Pod]:
        labels = self._namespace_labels[workload.namespace]
        return [
            _Pod(workload.namespace, labels, pod_labels, ports)
            for pod_labels, ports in _shapes(workload)
        ]

    def _pods_for(self, workload: Workload | Peer | str) -> list[_Pod]:
        peer = self.peer(workload)
        if peer.kind is not PeerKind.WORKLOAD:
            raise UnknownPeerError(f"{peer} is not a workload")
        return self._pods[self._by_ref[peer.name]]

    @staticmethod
    def _atom_peer(atom: _Atom) -> Peer:
        return Peer(PeerKind.EXTERNAL, atom.name, first=atom.first_text, last=atom.last_text)

    @staticmethod
    def _combine(verdicts: list[DirectionVerdict]) -> DirectionVerdict:
        first = verdicts[0]
        if len(verdicts) == 1:
            return first
        policies: dict[str, None] = {}
        rules: dict[tuple[str, int], RuleMatch] = {}
        allowed = _NONE
        for verdict in verdicts:
            policies.update(dict.fromkeys(verdict.policies))
            for rule in verdict.rules:
                key = (rule.policy, rule.index)
                known = rules.get(key)
                rules[key] = (
                    rule
                    if known is None
                    else RuleMatch(
                        rule.policy, rule.direction, rule.index, known.conns | rule.conns
                    )
                )
            allowed |= verdict.allowed
        return DirectionVerdict(
            first.direction,
            first.endpoint,
            any(v.isolated for v in verdicts),
            tuple(policies),
            tuple(rules.values()),
            allowed,
        )

    def _explain_from_external(self, src: Peer, dst: Peer, dst_pods: list[_Pod]) -> Explanation:
        atom = self._atom_named(src.name, self._src_atom_names)
        ingress = self._combine(
            [
                self._policies.verdict(Direction.INGRESS, atom, d, src.name, dst.name)
                for d in dst_pods
            ]
        )
        return Explanation(src, dst, ingress.allowed, None, ingress)

    def _explain_to_external(self, src: Peer, dst: Peer) -> Explanation:
        atom = self._atom_named(dst.name, self._dst_atom_names)
        egress = self._combine(
            [
                self._policies.verdict(Direction.EGRESS, s, atom, src.name, dst.name)
                for s in self._pods_for(src)
            ]
        )
        return Explanation(src, dst, egress.allowed, egress, None)

    def _explain_from_controller(self, dst: Peer, dst_pods: list[_Pod]) -> Explanation:
        index = self._by_ref[dst.name]
        routed, routes = self._routes.get(index, (_NONE, ()))
        egress = self._combine(
            [
                self._policies.verdict(
                    Direction.EGRESS, self._controller, d, INGRESS_CONTROLLER, dst.name
                )
                for d in dst_pods
            ]
        )
        ingress = self._combine(
            [
                self._policies.verdict(
                    Direction.INGRESS, self._controller, d, INGRESS_CONTROLLER, dst.name
                )
                for d in dst_pods
            ]
        )
        if not routes:
            routes = (f"routes: no Ingress or Route sends traffic to {dst}",)
        return Explanation(
            self._controller_peer,
            dst,
            routed & egress.allowed & ingress.allowed,
            egress,
            ingress,
            routes,
        )

    @staticmethod
    def _atom_named(name: str, atoms: Mapping[str, _Atom]) -> _Atom:
        # Source and destination ranges differ: ingress ipBlocks split one, egress the other.
        atom = atoms.get(name)
        if atom is None:
            raise UnknownPeerError(f"{name!r} is not an external range on that side of the pair")
        return atom

    def _route_conns(self) -> dict[int, tuple[ConnectionSet, tuple[str, ...]]]:
        """Ingress-controller connections per workload index, with the routing objects."""
        services = {(s.namespace, s.name): s for s in self.model.services}
        routed: dict[int, tuple[ConnectionSet, list[str]]] = {}
        for route in self.model.ingresses:
            for backend in route.backends():
                service = services.get((route.namespace, backend.service))
                if service is None or not service.selector:
                    continue  # a missing Service, or one without selector, routes nowhere
                targets = _service_targets(service, backend.port)
                for index, pods in enumerate(self._pods):
                    if self.model.workloads[index].namespace != route.namespace:
                        continue
                    conns = _NONE
                    for pod in pods:
                        if all(pod.labels.get(k) == v for k, v in service.selector.items()):
                            conns |= _target_conns(pod.ports, targets)
                    if conns.is_empty:
                        continue
                    known, names = routed.get(index, (_NONE, []))
                    names.append(
                        f"routes: {conns} via {route.kind} {route.namespace}/{route.name}"
                        f" to Service {service.name}"
                    )
                    routed[index] = (known | conns, names)
        result: dict[int, tuple[ConnectionSet, tuple[str, ...]]] = {}
        for index, (conns, names) in routed.items():
            allowed = _NONE
            for pod in self._pods[index]:
                egress = self._policies.verdict(Direction.EGRESS, self._controller, pod, "", "")
                ingress = self._policies.verdict(Direction.INGRESS, self._controller, pod, "", "")
                allowed |= conns & egress.allowed & ingress.allowed
            if not allowed.is_empty:
                result[index] = (allowed, tuple(dict.fromkeys(names)))
        return result


# --------------------------------------------------------------------------- pods


@dataclass(frozen=True)
class _Pod:
    """A pod as policies see it: namespace (with labels), labels, container ports."""

    namespace: str
    namespace_labels: Labels
    labels: Labels
    ports: tuple[ContainerPort, ...]


@dataclass(frozen=True)
class _Atom:
    """A range of external addresses no ipBlock boundary splits."""

    version: int
    first: int
    last: int

    @property
    def first_text(self) -> str:
        return _address_text(self.version, self.first)

    @property
    def last_text(self) -> str:
        return _address_text(self.version, self.last)

    @property
    def name(self) -> str:
        return f"{self.first_text}-{self.last_text}[External]"


def _address_text(version: int, value: int) -> str:
    if version == 4:
        return str(ipaddress.IPv4Address(value))
    return str(ipaddress.IPv6Address(value))


def _shapes(workload: Workload) -> list[tuple[Labels, tuple[ContainerPort, ...]]]:
    shapes = [(workload.labels, workload.ports)]
    shapes.extend((variant.labels, variant.ports) for variant in workload.pod_variants)
    return shapes


def _pods_of(model: NetworkModel, workload: Workload) -> list[_Pod]:
    labels = model.namespace(workload.namespace).effective_labels()
    return [
        _Pod(workload.namespace, labels, pod_labels, ports)
        for pod_labels, ports in _shapes(workload)
    ]


def _hypothetical(
    namespace_labels: Mapping[str, str],
    pod_labels: Mapping[str, str],
    ports: Sequence[ContainerPort],
) -> _Pod:
    name = namespace_labels.get(NAMESPACE_NAME_LABEL, "")
    return _Pod(name, frozen_labels(namespace_labels), frozen_labels(pod_labels), tuple(ports))


def _named_port(ports: Sequence[ContainerPort], name: str) -> ContainerPort | None:
    """The pod's container port called `name` (the first one, as Kubernetes resolves it)."""
    for port in ports:
        if port.name == name:
            return port
    return None


# --------------------------------------------------------------------------- the rules, directly


def _peer_matches_pod(policy: NetworkPolicy, peer: PolicyPeer, pod: _Pod) -> bool:
    if peer.ip_block is not None:
        return False  # ipBlocks match external addresses only
    if peer.namespace_selector is None:
        if pod.namespace != policy.namespace:
            return False
    elif not peer.namespace_selector.matches(pod.namespace_labels):
        return False
    return peer.pod_selector is None or peer.pod_selector.matches(pod.labels)


def _block_pieces(block: IPBlock) -> list[tuple[int, int]]:
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


def _peer_matches_atom(peer: PolicyPeer, atom: _Atom) -> bool:
    block = peer.ip_block
    if block is None or block.cidr.version != atom.version:
        return False
    return any(lo <= atom.first and atom.last <= hi for lo, hi in _block_pieces(block))


def _split_ports(rule: PolicyRule) -> tuple[ConnectionSet, tuple[tuple[str, str], ...]]:
    """A rule's ports as (what numbers and whole protocols allow, (protocol, name) pairs)."""
    if not rule.ports:
        return _ALL, ()
    fixed = _NONE
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


def _rule_conns(rule: PolicyRule, dst_ports: Sequence[ContainerPort] | None) -> ConnectionSet:
    """What a rule's `ports` allow towards a destination with `dst_ports` (None: an address)."""
    result, named = _split_ports(rule)
    if dst_ports is None:
        return result  # named ports never resolve on an address
    for protocol, name in named:
        resolved = _named_port(dst_ports, name)
        if resolved is not None and resolved.protocol.upper() == protocol:
            result |= ConnectionSet.ports(protocol, resolved.port)
    return result


class _PolicyIndex:
    """Policies by namespace, and the direct (pair-by-pair) reading of the rules.

    The bulk engine must agree with this reading; explanations and hypothetical peers use it.
    """

    def __init__(self, policies: Sequence[NetworkPolicy]) -> None:
        self._by_namespace: dict[str, list[NetworkPolicy]] = {}
        for policy in policies:
            self._by_namespace.setdefault(policy.namespace, []).append(policy)

    def in_namespace(self, namespace: str) -> list[NetworkPolicy]:
        return self._by_namespace.get(namespace, [])

    def selecting(self, direction: Direction, pod: _Pod) -> list[NetworkPolicy]:
        return [
            policy
            for policy in self.in_namespace(pod.namespace)
            if (policy.affects_ingress if direction is Direction.INGRESS else policy.affects_egress)
            and policy.pod_selector.matches(pod.labels)
        ]

    def verdict(
        self,
        direction: Direction,
        src: _Pod | _Atom,
        dst: _Pod | _Atom,
        src_name: str,
        dst_name: str,
    ) -> DirectionVerdict:
        """The egress verdict of `src` (a pod) towards `dst`, or the ingress verdict of `dst`."""
        subject = src if direction is Direction.EGRESS else dst
        other = dst if direction is Direction.EGRESS else src
        endpoint = src_name if direction is Direction.EGRESS else dst_name
        assert isinstance(subject, _Pod)
        selecting = self.selecting(direction, subject)
        if not selecting:
            return DirectionVerdict(direction, endpoint, False, (), (), _ALL)
        dst_ports = dst.ports if isinstance(dst, _Pod) else None
        matches: list[RuleMatch] = []
        allowed = _NONE
        for policy in selecting:
            rules = policy.ingress if direction is Direction.INGRESS else policy.egress
            for index, rule in enumerate(rules):
                if rule.peers and not any(
                    _peer_matches_pod(policy, peer, other)
                    if isinstance(other, _Pod)
                    else _peer_matches_atom(peer, other)
                    for peer in rule.peers
                ):
                    continue
                conns = _rule_conns(rule, dst_ports)
                if conns.is_empty:
                    continue
                matches.append(
                    RuleMatch(f"{policy.namespace}/{policy.name}", direction, index, conns)
                )
                allowed |= conns
        return DirectionVerdict(
            direction,
            endpoint,
            True,
            tuple(f"{p.namespace}/{p.name}" for p in selecting),
            tuple(matches),
            allowed,
        )


# --------------------------------------------------------------------------- ingress routes


def _service_targets(service: Service, port: int | str | None) -> list[int | str]:
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


def _target_conns(ports: Sequence[ContainerPort], targets: Sequence[int | str]) -> ConnectionSet:
    """TCP ports among `targets` that the pod declares (named targets resolved)."""
    result = _NONE
    for target in targets:
        if isinstance(target, str):
            resolved = _named_port(ports, target)
            if resolved is not None and resolved.protocol.upper() == "TCP":
                result |= ConnectionSet.ports("TCP", resolved.port)
        elif any(p.port == target and p.protocol.upper() == "TCP" for p in ports):
            result |= ConnectionSet.ports("TCP", target)
    return result


# --------------------------------------------------------------------------- the bulk engine


def _bits(value: int) -> Iterator[int]:
    """Indexes of the set bits of `value`, lowest first (C-speed scan of its binary text)."""
    text = bin(value)[:1:-1]
    index = text.find("1")
    while index >= 0:
        yield index
        index = text.find("1", index + 1)


def _selector_keys(selector: LabelSelector | None) -> set[str]:
    if selector is None:
        return set()
    return set(selector.match_labels) | {req.key for req in selector.match_expressions}


def _atoms(blocks: Iterable[IPBlock]) -> list[_Atom]:
    """Split each IP family's space by every block's boundaries (IPv4 always present)."""
    bounds: dict[int, set[int]] = {4: {0}}
    for block in blocks:
        marks = bounds.setdefault(block.cidr.version, {0})
        for lo, hi in _block_pieces(block):
            marks.update((lo, hi + 1))
    atoms: list[_Atom] = []
    for family in sorted(bounds):
        top = 2**32 if family == 4 else 2**128
        starts = sorted(m for m in bounds[family] if m < top)
        for i, start in enumerate(starts):
            end = starts[i + 1] - 1 if i + 1 < len(starts) else top - 1
            atoms.append(_Atom(family, start, end))
    return atoms


@dataclass
class _RuleInfo:
    policy: int
    rule: PolicyRule
    selected: int
    """Classes the rule's policy selects for the rule's direction."""
    pods: int
    """Classes the rule's peers match."""
    ips: int
    """External atoms (of the rule's direction) the rule's peers match."""
    fixed: ConnectionSet
    named: tuple[tuple[str, str], ...]
    """(protocol, name) of named ports, resolved per destination."""
    useful: int
    """Destination classes for which the rule's ports allow something."""
    group: int = -1
    ip_group: int = -1

    def conns(self, resolution: Mapping[str, ContainerPort] | None) -> ConnectionSet:
        if not self.named or resolution is None:
            return self.fixed
        result = self.fixed
        for protocol, name in self.named:
            port = resolution.get(name)
            if port is not None and port.protocol.upper() == protocol:
                result |= ConnectionSet.ports(protocol, port.port)
        return result


@dataclass(frozen=True)
class _SourceView:
    """What a source class shows every destination; classes with equal views share a row."""

    egress_isolated: bool
    egress_rules: tuple[int, ...]
    """Egress rules of the policies selecting it."""
    ingress_groups: frozenset[int]
    """Ingress rule groups whose peers match it."""


@dataclass(frozen=True)
class _DestinationView:
    """What a destination class shows every source; equal views share one computation."""

    ingress_isolated: bool
    ingress_rules: tuple[int, ...]
    """Ingress rules of the policies selecting it."""
    egress_groups: frozenset[int]
    """Egress rule groups whose peers match it."""
    resolved: tuple[tuple[str, str, int], ...]
    """(name, protocol, port) of the named ports policies use."""
    resolution: Mapping[str, ContainerPort] = field(compare=False, hash=False)


@dataclass
class _Table:
    pairs: dict[tuple[int, int], ConnectionSet] = field(default_factory=dict)
    from_external: dict[tuple[int, int], ConnectionSet] = field(default_factory=dict)
    to_external: dict[tuple[int, int], ConnectionSet] = field(default_factory=dict)


def _add(
    table: dict[tuple[int, int], ConnectionSet], key: tuple[int, int], conns: ConnectionSet
) -> None:
    known = table.get(key)
    table[key] = conns if known is None else known | conns


class _Engine:
    """Bitset evaluation over equivalence classes of pods (see the module docstring)."""

    def __init__(
        self,
        model: NetworkModel,
        pods: list[list[_Pod]],
        extra_ip_blocks: tuple[IPBlock, ...],
    ) -> None:
        self.policies = list(model.network_policies)
        ingress_blocks = [
            peer.ip_block
            for p in self.policies
            for rule in p.ingress
            for peer in rule.peers
            if peer.ip_block is not None
        ]
        egress_blocks = [
            peer.ip_block
            for p in self.policies
            for rule in p.egress
            for peer in rule.peers
            if peer.ip_block is not None
        ]
        self.src_atoms = _atoms([*ingress_blocks, *extra_ip_blocks])
        self.dst_atoms = _atoms([*egress_blocks, *extra_ip_blocks])
        self._classify(pods)

    # -- equivalence classes

    def _classify(self, pods: list[list[_Pod]]) -> None:
        keys: set[str] = set()
        names: set[str] = set()
        for policy in self.policies:
            keys |= _selector_keys(policy.pod_selector)
            for rule in (*policy.ingress, *policy.egress):
                for peer in rule.peers:
                    keys |= _selector_keys(peer.pod_selector)
                names.update(p.port for p in rule.ports if isinstance(p.port, str))
        key_order = sorted(keys)
        name_order = sorted(names)
        class_of: dict[tuple[object, ...], int] = {}
        self.class_pod: list[_Pod] = []
        self.class_workloads: list[list[int]] = []
        self.class_resolution: list[dict[str, ContainerPort]] = []
        for workload, workload_pods in enumerate(pods):
            for pod in workload_pods:
                projected = tuple((k, pod.labels[k]) for k in key_order if k in pod.labels)
                resolution = {n: p for n in name_order if (p := _named_port(pod.ports, n))}
                resolved = tuple(
                    (n, resolution[n].protocol, resolution[n].port)
                    for n in name_order
                    if n in resolution
                )
                key = (pod.namespace, projected, resolved)
                index = class_of.get(key)
                if index is None:
                    index = class_of[key] = len(self.class_pod)
                    self.class_pod.append(pod)
                    self.class_workloads.append([])
                    self.class_resolution.append(resolution)
                members = self.class_workloads[index]
                if not members or members[-1] != workload:  # a workload's pods come together
                    members.append(workload)
        count = len(self.class_pod)
        self.all_classes = (1 << count) - 1
        self.ns_bits: dict[str, int] = {}
        self.kv_bits: dict[tuple[str, str], int] = {}
        self.key_bits: dict[str, int] = {}
        self.named_bits: dict[tuple[str, str], int] = {}
        for index, pod in enumerate(self.class_pod):
            bit = 1 << index
            self.ns_bits[pod.namespace] = self.ns_bits.get(pod.namespace, 0) | bit
            for k in key_order:
                if k in pod.labels:
                    self.key_bits[k] = self.key_bits.get(k, 0) | bit
                    kv = (k, pod.labels[k])
                    self.kv_bits[kv] = self.kv_bits.get(kv, 0) | bit
            for name, port in self.class_resolution[index].items():
                named = (port.protocol.upper(), name)
                self.named_bits[named] = self.named_bits.get(named, 0) | bit
        self.namespace_labels = {pod.namespace: pod.namespace_labels for pod in self.class_pod}

    def _select(self, selector: LabelSelector) -> int:
        """Classes whose labels match `selector` (Kubernetes label-selector semantics)."""
        bits = self.all_classes
        for key, value in selector.match_labels.items():
            bits &= self.kv_bits.get((key, value), 0)
        for req in selector.match_expressions:
            listed = 0
            for value in req.values:
                listed |= self.kv_bits.get((req.key, value), 0)
            if req.operator is SelectorOperator.IN:
                bits &= listed
            elif req.operator is SelectorOperator.NOT_IN:
                bits &= ~listed  # absent keys satisfy NotIn
            elif req.operator is SelectorOperator.EXISTS:
                bits &= self.key_bits.get(req.key, 0)
            else:
                bits &= ~self.key_bits.get(req.key, 0)
        return bits

    def _namespaces(self, selector: LabelSelector) -> int:
        bits = 0
        for name, labels in self.namespace_labels.items():
            if selector.matches(labels):
                bits |= self.ns_bits[name]
        return bits

    def _peer_classes(self, policy: NetworkPolicy, peer: PolicyPeer) -> int:
        if peer.ip_block is not None:
            return 0
        if peer.namespace_selector is None:
            namespaces = self.ns_bits.get(policy.namespace, 0)
        else:
            namespaces = self._namespaces(peer.namespace_selector)
        if peer.pod_selector is None:
            return namespaces
        return namespaces & self._select(peer.pod_selector)

    @staticmethod
    def _atom_bits(block: IPBlock, families: Mapping[int, tuple[int, list[int]]]) -> int:
        """Atoms inside `block`; `families` maps an IP version to (first index, starts)."""
        offset, starts = families.get(block.cidr.version, (0, []))
        bits = 0
        for lo, hi in _block_pieces(block):
            # Atoms never straddle a piece boundary: those starting inside lie inside.
            first = bisect.bisect_left(starts, lo)
            last = bisect.bisect_right(starts, hi)
            if last > first:
                bits |= ((1 << (last - first)) - 1) << (offset + first)
        return bits

    def _rules(self, direction: Direction) -> list[_RuleInfo]:
        atoms = self.src_atoms if direction is Direction.INGRESS else self.dst_atoms
        families: dict[int, tuple[int, list[int]]] = {}
        for index, atom in enumerate(atoms):
            families.setdefault(atom.version, (index, []))[1].append(atom.first)
        all_atoms = (1 << len(atoms)) - 1
        infos: list[_RuleInfo] = []
        for index, policy in enumerate(self.policies):
            affects = (
                policy.affects_ingress if direction is Direction.INGRESS else policy.affects_egress
            )
            if not affects:
                continue
            selected = self._select(policy.pod_selector) & self.ns_bits.get(policy.namespace, 0)
            if not selected:
                continue  # selects nothing: it can neither isolate nor allow
            rules = policy.ingress if direction is Direction.INGRESS else policy.egress
            for rule in rules:
                if rule.peers:
                    pods = 0
                    ips = 0
                    for peer in rule.peers:
                        pods |= self._peer_classes(policy, peer)
                        if peer.ip_block is not None:
                            ips |= self._atom_bits(peer.ip_block, families)
                else:
                    pods, ips = self.all_classes, all_atoms
                fixed, named = _split_ports(rule)
                useful = self.all_classes
                if fixed.is_empty:
                    useful = 0
                    for name in named:
                        useful |= self.named_bits.get(name, 0)
                infos.append(_RuleInfo(index, rule, selected, pods, ips, fixed, named, useful))
            if not rules:
                # An isolating policy without rules still selects: record it with no match.
                infos.append(_RuleInfo(index, PolicyRule(), selected, 0, 0, _NONE, (), 0))
        return infos

    # -- evaluation

    def run(self) -> _Table:
        table = _Table()
        count = len(self.class_pod)
        ingress = self._rules(Direction.INGRESS)
        egress = self._rules(Direction.EGRESS)

        in_iso = 0
        eg_iso = 0
        class_in_rules: list[list[int]] = [[] for _ in range(count)]
        class_eg_rules: list[list[int]] = [[] for _ in range(count)]
        for rid, info in enumerate(ingress):
            in_iso |= info.selected
            if info.pods or info.ips:
                for c in _bits(info.selected):
                    class_in_rules[c].append(rid)
        for rid, info in enumerate(egress):
            eg_iso |= info.selected
            if info.pods or info.ips:
                for c in _bits(info.selected):
                    class_eg_rules[c].append(rid)

        in_groups, in_universal = self._group(ingress, count)
        eg_groups, eg_universal = self._group(egress, count)
        reach_in: dict[int, int] = {}  # group -> destination classes its rules can allow
        for info in ingress:
            reach_in[info.group] = reach_in.get(info.group, 0) | (info.selected & info.useful)

        # Destination views: what a destination class shows to every source.
        view_index: dict[_DestinationView, int] = {}
        dst_views: list[_DestinationView] = []
        dst_view_of: list[int] = []
        for c in range(count):
            resolution = self.class_resolution[c]
            view = _DestinationView(
                bool(in_iso >> c & 1),
                tuple(class_in_rules[c]),
                frozenset(eg_groups[c]),
                tuple(sorted((n, p.protocol, p.port) for n, p in resolution.items())),
                resolution,
            )
            index = view_index.get(view)
            if index is None:
                index = view_index[view] = len(dst_views)
                dst_views.append(view)
            dst_view_of.append(index)

        # Source views: classes that see every destination alike share one row.
        src_rows: dict[_SourceView, list[int]] = {}
        for c in range(count):
            src = _SourceView(
                bool(eg_iso >> c & 1), tuple(class_eg_rules[c]), frozenset(in_groups[c])
            )
            src_rows.setdefault(src, []).append(c)

        not_in_iso = self.all_classes & ~in_iso
        for src, classes in src_rows.items():
            reach = self.all_classes
            if src.egress_isolated:
                reach = 0
                for rid in src.egress_rules:
                    reach |= egress[rid].pods & egress[rid].useful
            accepted = not_in_iso
            for group in (*src.ingress_groups, *in_universal):
                accepted |= reach_in.get(group, 0)
            memo: dict[int, ConnectionSet] = {}
            for d in _bits(reach & accepted):
                seen = dst_view_of[d]
                conns = memo.get(seen)
                if conns is None:
                    conns = memo[seen] = self._pair(
                        src, dst_views[seen], egress, ingress, eg_universal, in_universal
                    )
                if conns.is_empty:
                    continue
                for s in classes:
                    for ws in self.class_workloads[s]:
                        for wd in self.class_workloads[d]:
                            if ws != wd:
                                _add(table.pairs, (ws, wd), conns)
            if self.dst_atoms:
                self._to_external(table, src, classes, egress)

        self._from_external(table, ingress, in_iso, dst_view_of, dst_views)
        return table

    def _group(self, infos: list[_RuleInfo], count: int) -> tuple[list[list[int]], list[int]]:
        """Give rules matching the same classes one group id; list each class's groups.

        Groups matching every class are returned apart (`universal`), not per class.
        """
        by_value: dict[int, int] = {}
        universal: list[int] = []
        members: list[list[int]] = [[] for _ in range(count)]
        for info in infos:
            group = by_value.get(info.pods)
            if group is None:
                group = by_value[info.pods] = len(by_value)
                if info.pods == self.all_classes and count:
                    universal.append(group)
                else:
                    for c in _bits(info.pods):
                        members[c].append(group)
            info.group = group
        return members, universal

    @staticmethod
    def _pair(
        src: _SourceView,
        dst: _DestinationView,
        egress: list[_RuleInfo],
        ingress: list[_RuleInfo],
        eg_universal: list[int],
        in_universal: list[int],
    ) -> ConnectionSet:
        allowed_out = _ALL
        if src.egress_isolated:
            allowed_out = _NONE
            for rid in src.egress_rules:
                info = egress[rid]
                if info.group in dst.egress_groups or info.group in eg_universal:
                    allowed_out |= info.conns(dst.resolution)
            if allowed_out.is_empty:
                return allowed_out
        allowed_in = _ALL
        if dst.ingress_isolated:
            allowed_in = _NONE
            for rid in dst.ingress_rules:
                info = ingress[rid]
                if info.group in src.ingress_groups or info.group in in_universal:
                    allowed_in |= info.conns(dst.resolution)
        return allowed_out & allowed_in

    def _to_external(
        self, table: _Table, src: _SourceView, classes: list[int], egress: list[_RuleInfo]
    ) -> None:
        row: dict[int, ConnectionSet] = {}
        if not src.egress_isolated:
            row = dict.fromkeys(range(len(self.dst_atoms)), _ALL)
        else:
            for rid in src.egress_rules:
                info = egress[rid]
                if not info.ips or info.fixed.is_empty:
                    continue  # named ports never resolve on an address
                for atom in _bits(info.ips):
                    known = row.get(atom)
                    row[atom] = info.fixed if known is None else known | info.fixed
        for s in classes:
            for ws in self.class_workloads[s]:
                for atom, conns in row.items():
                    _add(table.to_external, (ws, atom), conns)

    def _from_external(
        self,
        table: _Table,
        ingress: list[_RuleInfo],
        in_iso: int,
        dst_view_of: list[int],
        dst_views: list[_DestinationView],
    ) -> None:
        atoms = len(self.src_atoms)
        groups: dict[int, int] = {}
        atom_groups: list[list[int]] = [[] for _ in range(atoms)]
        reach: dict[int, int] = {}
        for info in ingress:
            group = groups.get(info.ips)
            if group is None:
                group = groups[info.ips] = len(groups)
                for atom in _bits(info.ips):
                    atom_groups[atom].append(group)
            info.ip_group = group
            reach[group] = reach.get(group, 0) | (info.selected & info.useful)
        not_in_iso = self.all_classes & ~in_iso
        rows: dict[frozenset[int], list[int]] = {}
        for atom in range(atoms):
            rows.setdefault(frozenset(atom_groups[atom]), []).append(atom)
        for atom_groups_seen, members in rows.items():
            accepted = not_in_iso
            for group in atom_groups_seen:
                accepted |= reach.get(group, 0)
            memo: dict[int, ConnectionSet] = {}
            for d in _bits(accepted):
                index = dst_view_of[d]
                conns = memo.get(index)
                if conns is None:
                    view = dst_views[index]
                    conns = _ALL
                    if view.ingress_isolated:
                        conns = _NONE
                        for rid in view.ingress_rules:
                            if ingress[rid].ip_group in atom_groups_seen:
                                conns |= ingress[rid].conns(view.resolution)
                    memo[index] = conns
                if conns.is_empty:
                    continue
                for wd in self.class_workloads[d]:
                    for atom in members:
                        _add(table.from_external, (atom, wd), conns)
