"""The bulk engine: every pair's allowed connections, computed over bitsets of pod classes.

Workloads' pods are grouped into equivalence classes (namespace, the labels that some
selector mentions, named-port resolutions, and, when some policy reads them, the service
account, the address's range, host networking and the node); each policy's selection and
each rule peer's matches are bitsets over classes. Each class gets, per direction, its
*program*: the rules of the policies that select it, in evaluation order
(`netkit.reachability.layers`), each tier closed by its end action. A pair's verdict is
the walk of the source's egress program against the destination, intersected with the
walk of the destination's ingress program against the source. Classes with the same
program and the same memberships in rule peers see every other class alike and share
one computed row.

A program whose rules all allow and whose tiers end in Deny (every NetworkPolicy-only
model) is walked as a union, as before tiers existed; a program stops at the first tier
that denies what it leaves undecided unless a Pass rule came before it (nothing else can
reach the tiers after).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from netkit.calico_selector import CalicoSelector
from netkit.model import (
    ContainerPort,
    Entity,
    IPBlock,
    LabelSelector,
    NamedPort,
    NetworkPolicy,
    PolicyPeer,
    RuleAction,
    SelectorOperator,
    Service,
    TierEnd,
)
from netkit.portset import ConnectionSet
from netkit.reachability.layers import Layers, Rule, peer_networks
from netkit.reachability.matching import (
    ALL,
    NONE,
    Atom,
    Pod,
    block_pieces,
    calico_pod_labels,
    entity_matches_atom,
    entity_matches_pod,
    named_port,
    service_of,
)
from netkit.reachability.results import Direction


def _bits(value: int) -> Iterator[int]:
    """Indexes of the set bits of `value`, lowest first (C-speed scan of its binary text)."""
    text = bin(value)[:1:-1]
    index = text.find("1")
    while index >= 0:
        yield index
        index = text.find("1", index + 1)


def _selector_keys(selector: LabelSelector | CalicoSelector | None) -> set[str]:
    if selector is None:
        return set()
    if isinstance(selector, CalicoSelector):
        return set(selector.keys)
    return set(selector.match_labels) | {req.key for req in selector.match_expressions}


def _atoms(blocks: Iterable[IPBlock]) -> list[Atom]:
    """Split each IP family's space by every block's boundaries (IPv4 always present)."""
    bounds: dict[int, set[int]] = {4: {0}}
    for block in blocks:
        marks = bounds.setdefault(block.cidr.version, {0})
        for lo, hi in block_pieces(block):
            marks.update((lo, hi + 1))
    atoms: list[Atom] = []
    for family in sorted(bounds):
        top = 2**32 if family == 4 else 2**128
        starts = sorted(m for m in bounds[family] if m < top)
        for i, start in enumerate(starts):
            end = starts[i + 1] - 1 if i + 1 < len(starts) else top - 1
            atoms.append(Atom(family, start, end))
    return atoms


def _resolve(
    named: tuple[NamedPort, ...], resolution: Mapping[str, ContainerPort]
) -> ConnectionSet:
    result = NONE
    for wanted in named:
        port = resolution.get(wanted.name)
        if port is None:
            continue
        protocol = port.protocol.upper()
        if wanted.protocol is None or wanted.protocol == protocol:
            result |= ConnectionSet.ports(protocol, port.port)
    return result


@dataclass
class _RuleInfo:
    rule: Rule
    action: RuleAction
    selected: int
    """Classes the rule's policy selects for the rule's direction (and its own-side condition
    admits)."""
    pods: int
    """Classes the rule's peers match."""
    ips: int
    """External atoms (of the rule's direction) the rule's peers match."""
    fixed: ConnectionSet
    """Its ports by number, less those excluded by number (all it takes from an address)."""
    useful: int
    """Destination classes for which the rule's ports take something."""
    service: Service | None
    group: int = -1

    def conns(self, resolution: Mapping[str, ContainerPort] | None) -> ConnectionSet:
        rule = self.rule
        if resolution is None or not rule.reads_ports:
            return self.fixed
        conns = rule.conns
        if rule.named:
            conns = conns | _resolve(rule.named, resolution)
        excluded = rule.not_conns
        if rule.not_named:
            excluded = excluded | _resolve(rule.not_named, resolution)
        result = conns - excluded
        if rule.service_ports is not None:
            result = result & _service_conns(self.service, resolution)
        return result


def _service_conns(
    service: Service | None, resolution: Mapping[str, ContainerPort]
) -> ConnectionSet:
    result = NONE
    if service is None:
        return result
    for port in service.ports:
        protocol = port.protocol.upper()
        if isinstance(port.target_port, int):
            result |= ConnectionSet.ports(protocol, port.target_port)
        else:
            result |= _resolve((NamedPort(port.target_port, protocol),), resolution)
    return result


Program = tuple[int, ...]
"""Rule ids (>= 0) in evaluation order; -1 - t closes tier t."""


@dataclass(frozen=True)
class _SourceView:
    """What a source class shows every destination; classes with equal views share a row."""

    egress: Program
    ingress_groups: frozenset[int]
    """Ingress rule groups whose peers match it."""


@dataclass(frozen=True)
class _DestinationView:
    """What a destination class shows every source; equal views share one computation."""

    ingress: Program
    egress_groups: frozenset[int]
    """Egress rule groups whose peers match it."""
    resolved: tuple[tuple[str, str, int], ...]
    """(name, protocol, port) of the named ports policies use."""
    resolution: Mapping[str, ContainerPort] = field(compare=False, hash=False)


@dataclass
class Table:
    pairs: dict[tuple[int, int], ConnectionSet] = field(default_factory=dict)
    from_external: dict[tuple[int, int], ConnectionSet] = field(default_factory=dict)
    to_external: dict[tuple[int, int], ConnectionSet] = field(default_factory=dict)


def _add(
    table: dict[tuple[int, int], ConnectionSet], key: tuple[int, int], conns: ConnectionSet
) -> None:
    known = table.get(key)
    table[key] = conns if known is None else known | conns


@dataclass
class _Direction:
    """One direction's rules and the classes' programs."""

    infos: list[_RuleInfo]
    programs: list[Program]
    """Per class."""
    simple: set[Program]
    """Programs whose rules all allow and that end in a Deny: walked as a union."""
    reach: dict[Program, int]
    """For simple programs: the classes their allow rules can take (all others are denied)."""
    universal: frozenset[int]
    """Rule groups matching every class."""
    members: list[frozenset[int]]
    """Per class: the rule groups whose peers match it."""


class Engine:
    """Bitset evaluation over equivalence classes of pods (see the module docstring)."""

    def __init__(
        self,
        layers: Layers,
        pods: list[list[Pod]],
        extra_ip_blocks: tuple[IPBlock, ...],
    ) -> None:
        self.layers = layers
        self.src_atoms = _atoms([*peer_networks(layers, Direction.INGRESS), *extra_ip_blocks])
        self.dst_atoms = _atoms([*peer_networks(layers, Direction.EGRESS), *extra_ip_blocks])
        self._entities: dict[Entity, int] = {}
        self._classify(pods)

    # -- equivalence classes

    def _classify(self, pods: list[list[Pod]]) -> None:
        layers = self.layers
        keys: set[str] = set()
        names: set[str] = set()
        entities: list[Entity] = []
        for policy in layers.policies:
            np = policy.network_policy
            if np is not None:
                keys |= _selector_keys(np.pod_selector)
            elif policy.subject is not None:
                entities.append(policy.subject)
            for rule in (*policy.ingress, *policy.egress):
                for peer in rule.peers:
                    if isinstance(peer, PolicyPeer):
                        keys |= _selector_keys(peer.pod_selector)
                    else:
                        entities.append(peer)
                if rule.local is not None:
                    entities.append(rule.local)
                names.update(p.name for p in (*rule.named, *rule.not_named))
                service = service_of(layers.context, rule.service_ports)
                if service is not None:
                    names.update(
                        p.target_port for p in service.ports if isinstance(p.target_port, str)
                    )
        accounts = nodes = address = host = False
        address_nets: list[IPBlock] = []
        for entity in entities:
            keys |= _selector_keys(entity.pod_selector) | _selector_keys(entity.not_pod_selector)
            service = service_of(layers.context, entity.service)
            if service is not None:
                keys |= set(service.selector)
            accounts |= (
                entity.service_accounts is not None or entity.service_account_selector is not None
            )
            nodes |= entity.nodes is not None
            host = True
            if entity.nets is not None or entity.not_nets or entity.ip_version is not None:
                address = True
                address_nets.extend(IPBlock(n) for n in (*(entity.nets or ()), *entity.not_nets))
        address_atoms = _atoms(address_nets) if address else []
        atom_starts = [(a.version, a.first) for a in address_atoms]
        key_order = sorted(keys)
        name_order = sorted(names)
        class_of: dict[tuple[object, ...], int] = {}
        self.class_pod: list[Pod] = []
        self.class_workloads: list[list[int]] = []
        self.class_resolution: list[dict[str, ContainerPort]] = []
        for workload, workload_pods in enumerate(pods):
            for pod in workload_pods:
                view = calico_pod_labels(pod) if entities else pod.labels
                projected = tuple((k, view[k]) for k in key_order if k in view)
                resolution = {n: p for n in name_order if (p := named_port(pod.ports, n))}
                resolved = tuple(
                    (n, resolution[n].protocol, resolution[n].port)
                    for n in name_order
                    if n in resolution
                )
                extra: tuple[object, ...] = ()
                if entities:
                    where = -1
                    if address and pod.address is not None:
                        spot = (pod.address.version, int(pod.address))
                        where = bisect.bisect_right(atom_starts, spot) - 1
                    extra = (
                        pod.service_account if accounts else "",
                        where,
                        pod.host_network if host else False,
                        pod.node if nodes else "",
                    )
                key = (pod.namespace, projected, resolved, extra)
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

    def _entity_classes(self, entity: Entity) -> int:
        """Classes `entity` takes, read on each class's pod (cached per entity)."""
        bits = self._entities.get(entity)
        if bits is None:
            bits = 0
            context = self.layers.context
            for index, pod in enumerate(self.class_pod):
                if entity_matches_pod(entity, pod, context):
                    bits |= 1 << index
            self._entities[entity] = bits
        return bits

    @staticmethod
    def _atom_bits(block: IPBlock, families: Mapping[int, tuple[int, list[int]]]) -> int:
        """Atoms inside `block`; `families` maps an IP version to (first index, starts)."""
        offset, starts = families.get(block.cidr.version, (0, []))
        bits = 0
        for lo, hi in block_pieces(block):
            # Atoms never straddle a piece boundary: those starting inside lie inside.
            first = bisect.bisect_left(starts, lo)
            last = bisect.bisect_right(starts, hi)
            if last > first:
                bits |= ((1 << (last - first)) - 1) << (offset + first)
        return bits

    @staticmethod
    def _entity_atoms(entity: Entity, atoms: list[Atom], layers: Layers) -> int:
        bits = 0
        for index, atom in enumerate(atoms):
            if entity_matches_atom(entity, atom, layers.context):
                bits |= 1 << index
        return bits

    def _direction(self, direction: Direction) -> _Direction:
        layers = self.layers
        atoms = self.src_atoms if direction is Direction.INGRESS else self.dst_atoms
        families: dict[int, tuple[int, list[int]]] = {}
        for index, atom in enumerate(atoms):
            families.setdefault(atom.version, (index, []))[1].append(atom.first)
        all_atoms = (1 << len(atoms)) - 1
        infos: list[_RuleInfo] = []
        applies: dict[int, int] = {}
        for policy in layers.policies:
            if not policy.affects(direction):
                continue
            np = policy.network_policy
            if np is not None:
                selected = self._select(np.pod_selector) & self.ns_bits.get(np.namespace, 0)
            else:
                assert policy.subject is not None
                selected = self._entity_classes(policy.subject)
            if not selected:
                continue  # selects nothing: it can neither isolate nor decide
            applies[policy.tier] = applies.get(policy.tier, 0) | selected
            for rule in policy.rules(direction):
                chosen = selected
                if rule.local is not None:
                    chosen &= self._entity_classes(rule.local)
                if rule.any_peer:
                    pods, ips = self.all_classes, all_atoms
                else:
                    pods = ips = 0
                    for peer in rule.peers:
                        if isinstance(peer, PolicyPeer):
                            assert np is not None
                            pods |= self._peer_classes(np, peer)
                            if peer.ip_block is not None:
                                ips |= self._atom_bits(peer.ip_block, families)
                        else:
                            pods |= self._entity_classes(peer)
                            ips |= self._entity_atoms(peer, atoms, layers)
                fixed = rule.conns - rule.not_conns
                service = service_of(layers.context, rule.service_ports)
                if rule.service_ports is not None:
                    fixed = fixed & _service_conns(service, {})
                useful = self.all_classes
                if fixed.is_empty:
                    useful = 0
                    for wanted in rule.named:
                        for (protocol, name), bits in self.named_bits.items():
                            if name == wanted.name and wanted.protocol in (None, protocol):
                                useful |= bits
                    if rule.service_ports is not None:
                        useful = self.all_classes
                infos.append(
                    _RuleInfo(rule, rule.action, chosen, pods, ips, fixed, useful, service)
                )
        programs, simple, reach = self._programs(infos, applies)
        members, universal = self._group(infos, len(self.class_pod))
        return _Direction(infos, programs, simple, reach, universal, members)

    def _programs(
        self, infos: list[_RuleInfo], applies: dict[int, int]
    ) -> tuple[list[Program], set[Program], dict[Program, int]]:
        tiers = self.layers.tiers
        by_tier: dict[int, list[int]] = {}
        for rid, info in enumerate(infos):
            if info.pods or info.ips:  # a rule that matches nothing can change nothing
                by_tier.setdefault(self.layers.policies[info.rule.policy].tier, []).append(rid)
        programs: list[Program] = []
        simple: set[Program] = set()
        reach: dict[Program, int] = {}
        order = sorted(applies)
        for c in range(len(self.class_pod)):
            bit = 1 << c
            program: list[int] = []
            passes = False
            closed = False
            for tier in order:
                if not applies[tier] & bit:
                    continue
                for rid in by_tier.get(tier, ()):
                    info = infos[rid]
                    if info.selected & bit:
                        program.append(rid)
                        passes |= info.action is RuleAction.PASS
                program.append(-1 - tier)
                if tiers[tier].end is TierEnd.DENY and not passes:
                    closed = True
                    break  # nothing gets past this tier
            key = tuple(program)
            programs.append(key)
            if (
                closed
                and key not in reach
                and all(
                    infos[i].action in (RuleAction.ALLOW, RuleAction.LOG) for i in key if i >= 0
                )
            ):
                simple.add(key)
                bits = 0
                for i in key:
                    if i >= 0 and infos[i].action is RuleAction.ALLOW:
                        bits |= infos[i].pods & infos[i].useful
                reach[key] = bits
        return programs, simple, reach

    # -- evaluation

    def run(self) -> Table:
        """Every allowed connection between workloads and to and from external ranges."""
        table = Table()
        ingress = self._direction(Direction.INGRESS)
        egress = self._direction(Direction.EGRESS)
        dst_views, dst_view_of = self._destination_views(ingress, egress)
        accepts = self._acceptance(ingress)
        rows: dict[_SourceView, list[int]] = {}
        for c in range(len(self.class_pod)):
            rows.setdefault(_SourceView(egress.programs[c], ingress.members[c]), []).append(c)
        for src, classes in rows.items():
            self._between_classes(
                table, src, classes, egress, ingress, dst_views, dst_view_of, accepts
            )
            if self.dst_atoms:
                self._to_external(table, src, classes, egress)
        self._from_external(table, ingress, dst_views, dst_view_of)
        return table

    def _acceptance(self, ingress: _Direction) -> tuple[int, dict[int, int]]:
        """Destination classes open to anyone (their ingress program is not a closed
        union), and per ingress rule group the classes its allow rules can open."""
        closed = 0
        for c, program in enumerate(ingress.programs):
            if program in ingress.simple:
                closed |= 1 << c
        reach: dict[int, int] = {}
        for info in ingress.infos:
            if info.action is RuleAction.ALLOW:
                reach[info.group] = reach.get(info.group, 0) | (info.selected & info.useful)
        return self.all_classes & ~closed, reach

    def _destination_views(
        self, ingress: _Direction, egress: _Direction
    ) -> tuple[list[_DestinationView], list[int]]:
        view_index: dict[_DestinationView, int] = {}
        dst_views: list[_DestinationView] = []
        dst_view_of: list[int] = []
        for c in range(len(self.class_pod)):
            resolution = self.class_resolution[c]
            view = _DestinationView(
                ingress.programs[c],
                egress.members[c],
                tuple(sorted((n, p.protocol, p.port) for n, p in resolution.items())),
                resolution,
            )
            index = view_index.get(view)
            if index is None:
                index = view_index[view] = len(dst_views)
                dst_views.append(view)
            dst_view_of.append(index)
        return dst_views, dst_view_of

    def _between_classes(
        self,
        table: Table,
        src: _SourceView,
        classes: list[int],
        egress: _Direction,
        ingress: _Direction,
        dst_views: list[_DestinationView],
        dst_view_of: list[int],
        accepts: tuple[int, dict[int, int]],
    ) -> None:
        """What the source classes `classes` (one view, `src`) may send every pod class."""
        reach = egress.reach.get(src.egress, self.all_classes)
        open_in, reach_in = accepts
        accepted = open_in
        for group in (*src.ingress_groups, *ingress.universal):
            accepted |= reach_in.get(group, 0)
        memo: dict[int, ConnectionSet] = {}
        for d in _bits(reach & accepted):
            seen = dst_view_of[d]
            conns = memo.get(seen)
            if conns is None:
                dst = dst_views[seen]
                conns = self._walk(src.egress, egress, dst.egress_groups, dst.resolution)
                if not conns.is_empty:
                    conns = conns & self._walk(
                        dst.ingress, ingress, src.ingress_groups, dst.resolution
                    )
                memo[seen] = conns
            if conns.is_empty:
                continue
            for s in classes:
                for ws in self.class_workloads[s]:
                    for wd in self.class_workloads[d]:
                        if ws != wd:
                            _add(table.pairs, (ws, wd), conns)

    def _walk(
        self,
        program: Program,
        side: _Direction,
        groups: frozenset[int],
        resolution: Mapping[str, ContainerPort] | None,
    ) -> ConnectionSet:
        """The verdict of `program` for a peer in rule groups `groups`."""
        if not program:
            return ALL
        universal = side.universal
        infos = side.infos
        if program in side.simple:
            allowed = NONE
            for rid in program:
                if rid < 0:
                    continue  # a tier's end: in a simple program only the last one denies
                info = infos[rid]
                if info.action is RuleAction.ALLOW and (
                    info.group in groups or info.group in universal
                ):
                    allowed |= info.conns(resolution)
            return allowed
        return self._walk_with(
            program,
            infos,
            lambda rid: infos[rid].group in groups or infos[rid].group in universal,
            resolution,
        )

    def _walk_with(
        self,
        program: Program,
        infos: list[_RuleInfo],
        matches: Callable[[int], bool],
        resolution: Mapping[str, ContainerPort] | None,
    ) -> ConnectionSet:
        tiers = self.layers.tiers
        undecided, allowed, passed = ALL, NONE, NONE
        for rid in program:
            if rid < 0:
                # A tier's end: Pass leaves what it did not decide to the next tier.
                passes = tiers[-1 - rid].end is TierEnd.PASS
                undecided = undecided | passed if passes else passed
                passed = NONE
                if undecided.is_empty:
                    return allowed
                continue
            if undecided.is_empty or not matches(rid):
                continue
            info = infos[rid]
            conns = info.conns(resolution) & undecided
            if conns.is_empty:
                continue
            action = info.action
            if action is RuleAction.LOG:
                continue
            undecided = undecided - conns
            if action is RuleAction.ALLOW:
                allowed = allowed | conns
            elif action is RuleAction.PASS:
                passed = passed | conns
        return allowed | undecided

    def _group(
        self, infos: list[_RuleInfo], count: int
    ) -> tuple[list[frozenset[int]], frozenset[int]]:
        """Give rules matching the same classes one group id; list each class's groups.

        Groups matching every class are returned apart (`universal`), not per class.
        """
        by_value: dict[int, int] = {}
        universal: set[int] = set()
        members: list[list[int]] = [[] for _ in range(count)]
        for info in infos:
            group = by_value.get(info.pods)
            if group is None:
                group = by_value[info.pods] = len(by_value)
                if info.pods == self.all_classes and count:
                    universal.add(group)
                else:
                    for c in _bits(info.pods):
                        members[c].append(group)
            info.group = group
        return [frozenset(m) for m in members], frozenset(universal)

    def _to_external(
        self, table: Table, src: _SourceView, classes: list[int], egress: _Direction
    ) -> None:
        row = self._atom_row(src.egress, egress, len(self.dst_atoms), None)
        for s in classes:
            for ws in self.class_workloads[s]:
                for atom, conns in row.items():
                    _add(table.to_external, (ws, atom), conns)

    def _atom_row(
        self,
        program: Program,
        side: _Direction,
        count: int,
        resolution: Mapping[str, ContainerPort] | None,
    ) -> dict[int, ConnectionSet]:
        """Per external atom, the verdict of `program` for that address range."""
        if not program:
            return dict.fromkeys(range(count), ALL)
        infos = side.infos
        rules = [rid for rid in program if rid >= 0]
        signatures: dict[frozenset[int], list[int]] = {}
        for atom in range(count):
            bit = 1 << atom
            signature = frozenset(rid for rid in rules if infos[rid].ips & bit)
            signatures.setdefault(signature, []).append(atom)
        row: dict[int, ConnectionSet] = {}
        for signature, members in signatures.items():
            conns = self._walk_with(program, infos, signature.__contains__, resolution)
            if conns.is_empty:
                continue
            for atom in members:
                row[atom] = conns
        return row

    def _from_external(
        self,
        table: Table,
        ingress: _Direction,
        dst_views: list[_DestinationView],
        dst_view_of: list[int],
    ) -> None:
        atoms = len(self.src_atoms)
        rows: dict[int, dict[int, ConnectionSet]] = {}
        for d in range(len(self.class_pod)):
            index = dst_view_of[d]
            row = rows.get(index)
            if row is None:
                view = dst_views[index]
                row = rows[index] = self._atom_row(view.ingress, ingress, atoms, view.resolution)
            for wd in self.class_workloads[d]:
                for atom, conns in row.items():
                    _add(table.from_external, (atom, wd), conns)
