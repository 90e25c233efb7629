"""`analyze(model)`: the engine's table, with queries and explanations on top."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from netkit.model import (
    NAMESPACE_NAME_LABEL,
    IPAddress,
    IPBlock,
    NetworkModel,
    NetworkPolicy,
    TierEnd,
    Workload,
    frozen_labels,
)
from netkit.portset import ConnectionSet
from netkit.reachability.engine import Engine
from netkit.reachability.explanation import PolicyIndex
from netkit.reachability.layers import Layers
from netkit.reachability.matching import (
    NONE,
    Atom,
    Pod,
    hypothetical_pod,
    service_targets,
    target_conns,
    workload_pods,
)
from netkit.reachability.results import (
    INGRESS_CONTROLLER,
    INGRESS_CONTROLLER_NAMESPACE,
    Connection,
    Direction,
    DirectionVerdict,
    Explanation,
    Peer,
    PeerKind,
    RuleMatch,
    UnknownPeerError,
)

UNNAMED_NAMESPACE = "netkit-unnamed"
"""The namespace of the peer `Reachability.denied_by_default` asks about."""


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
        self.layers = Layers(model)
        self._policies = PolicyIndex(model, self.layers)
        self._workload_peers = [Peer(PeerKind.WORKLOAD, w.ref, workload=w) for w in model.workloads]
        self._by_ref = {peer.name: i for i, peer in enumerate(self._workload_peers)}
        self._pods = [self._pods_of_workload(w) for w in model.workloads]
        controller_ns = model.namespace(ingress_controller_namespace)
        self._controller = Pod(
            controller_ns.name,
            controller_ns.effective_labels(),
            frozen_labels(ingress_controller_labels),
            (),
        )
        self._controller_peer = Peer(PeerKind.INGRESS_CONTROLLER, INGRESS_CONTROLLER)
        engine = Engine(self.layers, self._pods, extra_ip_blocks)
        self._src_atoms = engine.src_atoms
        self._dst_atoms = engine.dst_atoms
        self._src_atom_names = {atom.name: atom for atom in self._src_atoms}
        self._dst_atom_names = {atom.name: atom for atom in self._dst_atoms}
        self._table = engine.run()
        self._routes = self._route_conns()
        self._connections: list[Connection] | None = None

    # -- queries

    @property
    def policy_index(self) -> PolicyIndex:
        """The policies in evaluation order, read pair by pair (and for exposure's potential
        peers)."""
        return self._policies

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

    def external(self, address: IPAddress, *, outgoing: bool) -> Peer:
        """The external range holding `address`: as a destination (`outgoing`), cut by the
        egress rules' CIDRs; as a source, by the ingress rules'."""
        atoms = self._dst_atoms if outgoing else self._src_atoms
        value = int(address)
        for atom in atoms:
            if atom.version == address.version and atom.first <= value <= atom.last:
                return self._atom_peer(atom)
        raise UnknownPeerError(f"{address}: no external range holds it")

    def allowed(self, src: Workload | Peer | str, dst: Workload | Peer | str) -> ConnectionSet:
        """What `src` may send to `dst` (all pods of each; a workload to itself included)."""
        src_peer, dst_peer = self.peer(src), self.peer(dst)
        if src_peer == dst_peer and src_peer.kind is PeerKind.WORKLOAD:
            return self.explain(src_peer, dst_peer).allowed
        if src_peer.kind is PeerKind.WORKLOAD and dst_peer.kind is PeerKind.WORKLOAD:
            key = (self._by_ref[src_peer.name], self._by_ref[dst_peer.name])
            return self._table.pairs.get(key, NONE)
        return self.explain(src_peer, dst_peer).allowed

    @property
    def shows_icmp(self) -> bool:
        """Some rule tells ICMP apart (a Calico rule naming it): connection lists then say
        what ICMP is allowed (`ConnectionSet.text(icmp=True)`)."""
        return self.layers.names_icmp

    def is_ingress_isolated(self, workload: Workload | Peer | str) -> bool:
        """A policy of a tier that denies what it leaves undecided (a NetworkPolicy, a
        Calico policy) selects (a pod of) `workload` for ingress."""
        return self._isolated(workload, Direction.INGRESS)

    def is_egress_isolated(self, workload: Workload | Peer | str) -> bool:
        """As `is_ingress_isolated`, for egress."""
        return self._isolated(workload, Direction.EGRESS)

    def _isolated(self, workload: Workload | Peer | str, direction: Direction) -> bool:
        tiers = self.layers.tiers
        return any(
            tiers[policy.tier].end is TierEnd.DENY
            for pod in self._pods_for(workload)
            for policy in self._policies.selecting(direction, pod)
        )

    def denied_by_default(self, workload: Workload | Peer | str, direction: Direction) -> bool:
        """Whether the policies of `workload` deny, in `direction`, traffic with a peer none
        of them names (a pod without labels in a namespace of its own): what a default-deny
        NetworkPolicy does, and a cluster-wide baseline (a GlobalNetworkPolicy whose tier
        denies what it leaves, a BaselineAdminNetworkPolicy denying every namespace)."""
        unnamed = hypothetical_pod({NAMESPACE_NAME_LABEL: UNNAMED_NAMESPACE}, {}, ())
        peer = self.peer(workload)
        for pod in self._pods_for(peer):
            src, dst = (pod, unnamed) if direction is Direction.EGRESS else (unnamed, pod)
            if not self._policies.verdict(direction, src, dst, "", "").allowed.is_empty:
                return False
        return True

    def is_governed(self, workload: Workload | Peer | str, direction: Direction) -> bool:
        """Some enforced policy of any tier selects (a pod of) `workload` for `direction`."""
        return any(self._policies.selecting(direction, pod) for pod in self._pods_for(workload))

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
        """Workload pairs with nothing allowed where a policy selects the source for egress
        or the destination for ingress: the pairs a policy denies (for `--explain`)."""
        egress = [self.is_governed(p, Direction.EGRESS) for p in self._workload_peers]
        ingress = [self.is_governed(p, Direction.INGRESS) for p in self._workload_peers]
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
        allowed = NONE
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

    def _pods_of_workload(self, workload: Workload) -> list[Pod]:
        labels = self._namespace_labels[workload.namespace]
        return workload_pods(workload, labels, self.layers.reads_placement)

    def _pods_for(self, workload: Workload | Peer | str) -> list[Pod]:
        peer = self.peer(workload)
        if peer.kind is not PeerKind.WORKLOAD:
            raise UnknownPeerError(f"{peer} is not a workload")
        return self._pods[self._by_ref[peer.name]]

    @staticmethod
    def _atom_peer(atom: Atom) -> Peer:
        return Peer(PeerKind.EXTERNAL, atom.name, first=atom.first_text, last=atom.last_text)

    @staticmethod
    def _combine(verdicts: list[DirectionVerdict]) -> DirectionVerdict:
        first = verdicts[0]
        if len(verdicts) == 1:
            return first
        policies: dict[str, None] = {}
        rules: dict[tuple[str, int], RuleMatch] = {}
        allowed = NONE
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
            tuple(dict.fromkeys(step for v in verdicts for step in v.steps)),
            first.tiered,
            first.icmp,
        )

    def _explain_from_external(self, src: Peer, dst: Peer, dst_pods: list[Pod]) -> Explanation:
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

    def _explain_from_controller(self, dst: Peer, dst_pods: list[Pod]) -> Explanation:
        index = self._by_ref[dst.name]
        routed, routes = self._routes.get(index, (NONE, ()))
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
    def _atom_named(name: str, atoms: Mapping[str, Atom]) -> Atom:
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
                targets = service_targets(service, backend.port)
                for index, pods in enumerate(self._pods):
                    if self.model.workloads[index].namespace != route.namespace:
                        continue
                    conns = NONE
                    for pod in pods:
                        if all(pod.labels.get(k) == v for k, v in service.selector.items()):
                            conns |= target_conns(pod.ports, targets)
                    if conns.is_empty:
                        continue
                    known, names = routed.get(index, (NONE, []))
                    names.append(
                        f"routes: {conns} via {route.kind} {route.namespace}/{route.name}"
                        f" to Service {service.name}"
                    )
                    routed[index] = (known | conns, names)
        result: dict[int, tuple[ConnectionSet, tuple[str, ...]]] = {}
        for index, (conns, names) in routed.items():
            allowed = NONE
            for pod in self._pods[index]:
                egress = self._policies.verdict(Direction.EGRESS, self._controller, pod, "", "")
                ingress = self._policies.verdict(Direction.INGRESS, self._controller, pod, "", "")
                allowed |= conns & egress.allowed & ingress.allowed
            if not allowed.is_empty:
                result[index] = (allowed, tuple(dict.fromkeys(names)))
        return result
