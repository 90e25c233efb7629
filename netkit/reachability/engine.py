"""The bulk engine: every pair's allowed connections, computed over bitsets of pod classes.

Workloads' pods are grouped into equivalence classes (namespace, the labels that some
selector mentions, named-port resolutions); each policy's selection and each rule peer's
matches are bitsets over classes, and classes that see policies the same way share one
computed row.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from netkit.model import (
    ContainerPort,
    IPBlock,
    LabelSelector,
    NetworkModel,
    NetworkPolicy,
    PolicyPeer,
    PolicyRule,
    SelectorOperator,
)
from netkit.portset import ConnectionSet
from netkit.reachability.matching import ALL, NONE, Atom, Pod, block_pieces, named_port, split_ports
from netkit.reachability.results import Direction


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
class _Evaluation:
    """Both directions' rules, grouped, and the destination classes' views: what every
    source row is evaluated against."""

    ingress: list[_RuleInfo]
    egress: list[_RuleInfo]
    in_universal: list[int]
    eg_universal: list[int]
    reach_in: dict[int, int]
    """Ingress rule group -> destination classes its rules can allow."""
    not_ingress_isolated: int
    dst_views: list[_DestinationView]
    dst_view_of: list[int]


def _isolation(infos: list[_RuleInfo], count: int) -> tuple[int, list[list[int]]]:
    """Classes the rules' policies isolate, and per class the rules that can match a peer."""
    isolated = 0
    class_rules: list[list[int]] = [[] for _ in range(count)]
    for rid, info in enumerate(infos):
        isolated |= info.selected
        if info.pods or info.ips:
            for c in _bits(info.selected):
                class_rules[c].append(rid)
    return isolated, class_rules


def _reach_by_group(ingress: list[_RuleInfo]) -> dict[int, int]:
    """Ingress rule group -> destination classes its rules can allow (after `_group`)."""
    reach: dict[int, int] = {}
    for info in ingress:
        reach[info.group] = reach.get(info.group, 0) | (info.selected & info.useful)
    return reach


class Engine:
    """Bitset evaluation over equivalence classes of pods (see the module docstring)."""

    def __init__(
        self,
        model: NetworkModel,
        pods: list[list[Pod]],
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

    def _classify(self, pods: list[list[Pod]]) -> None:
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
        self.class_pod: list[Pod] = []
        self.class_workloads: list[list[int]] = []
        self.class_resolution: list[dict[str, ContainerPort]] = []
        for workload, workload_pods in enumerate(pods):
            for pod in workload_pods:
                projected = tuple((k, pod.labels[k]) for k in key_order if k in pod.labels)
                resolution = {n: p for n in name_order if (p := named_port(pod.ports, n))}
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
        for lo, hi in block_pieces(block):
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
                fixed, named = split_ports(rule)
                useful = self.all_classes
                if fixed.is_empty:
                    useful = 0
                    for name in named:
                        useful |= self.named_bits.get(name, 0)
                infos.append(_RuleInfo(index, rule, selected, pods, ips, fixed, named, useful))
            if not rules:
                # An isolating policy without rules still selects: record it with no match.
                infos.append(_RuleInfo(index, PolicyRule(), selected, 0, 0, NONE, (), 0))
        return infos

    # -- evaluation

    def run(self) -> Table:
        """Every allowed connection between workloads and to and from external ranges."""
        table = Table()
        count = len(self.class_pod)
        ingress = self._rules(Direction.INGRESS)
        egress = self._rules(Direction.EGRESS)
        in_iso, class_in_rules = _isolation(ingress, count)
        eg_iso, class_eg_rules = _isolation(egress, count)
        in_groups, in_universal = self._group(ingress, count)
        eg_groups, eg_universal = self._group(egress, count)
        dst_views, dst_view_of = self._destination_views(in_iso, class_in_rules, eg_groups)
        evaluation = _Evaluation(
            ingress,
            egress,
            in_universal,
            eg_universal,
            _reach_by_group(ingress),
            self.all_classes & ~in_iso,
            dst_views,
            dst_view_of,
        )
        for src, classes in self._source_rows(eg_iso, class_eg_rules, in_groups).items():
            self._between_classes(table, src, classes, evaluation)
            if self.dst_atoms:
                self._to_external(table, src, classes, egress)
        self._from_external(table, ingress, in_iso, dst_view_of, dst_views)
        return table

    def _destination_views(
        self, in_iso: int, class_in_rules: list[list[int]], eg_groups: list[list[int]]
    ) -> tuple[list[_DestinationView], list[int]]:
        """The distinct views destination classes show every source, and each class's view."""
        view_index: dict[_DestinationView, int] = {}
        dst_views: list[_DestinationView] = []
        dst_view_of: list[int] = []
        for c in range(len(self.class_pod)):
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
        return dst_views, dst_view_of

    def _source_rows(
        self, eg_iso: int, class_eg_rules: list[list[int]], in_groups: list[list[int]]
    ) -> dict[_SourceView, list[int]]:
        """Source classes by their view: classes that see every destination alike share a row."""
        src_rows: dict[_SourceView, list[int]] = {}
        for c in range(len(self.class_pod)):
            src = _SourceView(
                bool(eg_iso >> c & 1), tuple(class_eg_rules[c]), frozenset(in_groups[c])
            )
            src_rows.setdefault(src, []).append(c)
        return src_rows

    def _between_classes(
        self, table: Table, src: _SourceView, classes: list[int], ev: _Evaluation
    ) -> None:
        """What the source classes `classes` (one view, `src`) may send every pod class."""
        reach = self.all_classes
        if src.egress_isolated:
            reach = 0
            for rid in src.egress_rules:
                reach |= ev.egress[rid].pods & ev.egress[rid].useful
        accepted = ev.not_ingress_isolated
        for group in (*src.ingress_groups, *ev.in_universal):
            accepted |= ev.reach_in.get(group, 0)
        memo: dict[int, ConnectionSet] = {}
        for d in _bits(reach & accepted):
            seen = ev.dst_view_of[d]
            conns = memo.get(seen)
            if conns is None:
                conns = memo[seen] = self._pair(
                    src, ev.dst_views[seen], ev.egress, ev.ingress, ev.eg_universal, ev.in_universal
                )
            if conns.is_empty:
                continue
            for s in classes:
                for ws in self.class_workloads[s]:
                    for wd in self.class_workloads[d]:
                        if ws != wd:
                            _add(table.pairs, (ws, wd), conns)

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
        allowed_out = ALL
        if src.egress_isolated:
            allowed_out = NONE
            for rid in src.egress_rules:
                info = egress[rid]
                if info.group in dst.egress_groups or info.group in eg_universal:
                    allowed_out |= info.conns(dst.resolution)
            if allowed_out.is_empty:
                return allowed_out
        allowed_in = ALL
        if dst.ingress_isolated:
            allowed_in = NONE
            for rid in dst.ingress_rules:
                info = ingress[rid]
                if info.group in src.ingress_groups or info.group in in_universal:
                    allowed_in |= info.conns(dst.resolution)
        return allowed_out & allowed_in

    def _to_external(
        self, table: Table, src: _SourceView, classes: list[int], egress: list[_RuleInfo]
    ) -> None:
        row: dict[int, ConnectionSet] = {}
        if not src.egress_isolated:
            row = dict.fromkeys(range(len(self.dst_atoms)), ALL)
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
        table: Table,
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
                    conns = ALL
                    if view.ingress_isolated:
                        conns = NONE
                        for rid in view.ingress_rules:
                            if ingress[rid].ip_group in atom_groups_seen:
                                conns |= ingress[rid].conns(view.resolution)
                    memo[index] = conns
                if conns.is_empty:
                    continue
                for wd in self.class_workloads[d]:
                    for atom in members:
                        _add(table.from_external, (atom, wd), conns)
