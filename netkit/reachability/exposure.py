"""Exposure: who could reach each workload beyond the workloads that exist today.

The connectivity list answers for the pods the input shows. Policies also admit pods it
does not show: any pod of any namespace, pods of a namespace that is not there yet, pods
with labels no workload has. Exposure analysis (netpol-analyzer's `--exposure`) lists,
per workload and direction, those potential peers its policies let in or out:

- a workload no policy (NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy)
  selects for a direction is *not protected* there: exposed to `entire-cluster` on every
  connection;
- `entire-cluster`: what the selecting policies allow any pod of any namespace, i.e. the
  verdict of the workload's walk through the tiers (`netkit.reachability.layers`) when
  only the rules taking every namespace match (a NetworkPolicy rule without peers or with
  `namespaceSelector: {}` and no or an empty pod selector; an admin `namespaces: {}` peer
  or a `pods` peer with both selectors empty);
- *representative peers*: every other pod-selecting rule peer of every policy (not
  `ipBlock`, `networks`, `nodes`) stands for the pods it may match, written `NS/POD`
  (`netkit.selectors`); one per distinct pair of selectors, written as the first rule
  that produced it has it. The same walk decides it, with the rules taking every
  namespace and those whose selectors are empty or require exactly what the peer's do;
  policies that would select the represented pods are not evaluated (nothing is known of
  them). A line is written when the peer gets something other than `entire-cluster`, or
  nothing while `entire-cluster` gets something (`No Connections`: an admin Deny singled
  it out);
- a representative peer that an input pod matches exactly (both selectors `matchLabels`
  only, neither empty) is dropped: that pod's connections are in the connectivity list;
- a workload with a line of its own also gets its connectivity lines with address
  ranges, as egress (`W => RANGE`) and ingress (`RANGE => W`) lines.

Named ports stay names where they cannot be resolved: towards a potential peer (egress)
there is no pod to resolve them on (`TCP http`; an admin `namedPort`, which has no
protocol, with an empty protocol name); on ingress they resolve on the workload's own
container ports.

The walk is the pair-by-pair reading's (`PolicyIndex.potential`), so exposure and the
connectivity list read the tiers alike. ClusterNetworkPolicy and Calico's kinds, which
netpol-analyzer's exposure analysis does not read, are refused (`ExposureUnsupported`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from netkit.errors import NetkitError
from netkit.model import (
    Entity,
    LabelSelector,
    NetworkPolicy,
    PolicyPeer,
    Selector,
)
from netkit.portset import PROTOCOLS, ConnectionSet
from netkit.reachability.analysis import Reachability
from netkit.reachability.layers import Layers, Policy, Rule
from netkit.reachability.matching import Pod, pods_of
from netkit.reachability.results import Direction, PeerKind
from netkit.selectors import namespace_part, namespace_selector_of, pod_part, selector_key

__all__ = [
    "ENTIRE_CLUSTER",
    "Exposure",
    "ExposureLine",
    "ExposureUnsupported",
    "PotentialConnections",
    "RepresentativePeer",
    "exposure",
    "representative_peers",
]

ENTIRE_CLUSTER = "entire-cluster"


class ExposureUnsupported(NetkitError, ValueError):
    """The model holds policies exposure analysis does not read (ClusterNetworkPolicy,
    Calico's kinds)."""


@dataclass(frozen=True)
class PotentialConnections:
    """Connections with a potential peer: port numbers, and port names not resolved."""

    numbers: ConnectionSet = field(default_factory=ConnectionSet.none)
    names: frozenset[tuple[str, str]] = frozenset()
    """(protocol, name) pairs."""

    @classmethod
    def all(cls) -> PotentialConnections:
        return cls(ConnectionSet.all())

    def __or__(self, other: PotentialConnections) -> PotentialConnections:
        return PotentialConnections(self.numbers | other.numbers, self.names | other.names)

    @property
    def is_empty(self) -> bool:
        return self.numbers.is_empty and not self.names

    def within(self, other: PotentialConnections) -> bool:
        """Every connection of `self` is one of `other`'s."""
        if not (self.numbers - other.numbers).is_empty:
            return False
        return all(
            name in other.names
            or (bool(name[0]) and other.numbers.ranges(name[0]) == ((1, 65535),))
            for name in self.names
        )

    def __str__(self) -> str:
        if self.numbers.is_all or self.is_empty:
            return str(self.numbers)
        groups: list[str] = []
        # A network-policy API namedPort has no protocol: its group has an empty name.
        unnamed = sorted(name for proto, name in self.names if not proto)
        if unnamed:
            groups.append(f" {','.join(unnamed)}")
        for protocol in PROTOCOLS:
            ranges = self.numbers.ranges(protocol)
            parts = [f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in ranges]
            if ranges != ((1, 65535),):
                parts += sorted(name for proto, name in self.names if proto == protocol)
            if parts:
                groups.append(f"{protocol} {','.join(parts)}")
        return ",".join(groups)


@dataclass(frozen=True)
class RepresentativePeer:
    """The pods one rule peer may match, beyond those the input shows."""

    namespace_selector: LabelSelector
    """Never None: a peer without one means its policy's namespace, by name."""
    pod_selector: LabelSelector | None
    namespace: str
    """The policy's namespace for a peer without namespace selector, else ""."""

    @property
    def key(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return selector_key(self.namespace_selector), selector_key(self.pod_selector)

    @property
    def name(self) -> str:
        return f"{namespace_part(self.namespace_selector)}/{pod_part(self.pod_selector)}"


@dataclass(frozen=True)
class ExposureLine:
    workload: str
    direction: Direction
    peer: str
    """`entire-cluster`, a representative peer's `NS/POD`, or `FIRST-LAST[External]`."""
    conns: str

    def text(self, width: int) -> str:
        arrow = "=>" if self.direction is Direction.EGRESS else "<="
        return f"{self.workload:<{width}} \t{arrow} \t{self.peer} : {self.conns}"


@dataclass(frozen=True)
class Exposure:
    """Per workload and direction: what potential peers may reach it, or it them."""

    egress: tuple[ExposureLine, ...]
    ingress: tuple[ExposureLine, ...]
    unprotected: tuple[tuple[str, Direction], ...]
    """(workload, direction) where no policy selects the workload, sorted."""
    workloads: frozenset[str] = frozenset()
    """Every workload of the model, exposed or not."""

    def lines(self) -> tuple[ExposureLine, ...]:
        return self.egress + self.ingress

    def only(self, keep: Callable[[str, Direction], bool]) -> Exposure:
        """The lines of the workloads and directions `keep(workload, direction)` accepts."""
        return Exposure(
            tuple(line for line in self.egress if keep(line.workload, line.direction)),
            tuple(line for line in self.ingress if keep(line.workload, line.direction)),
            tuple(item for item in self.unprotected if keep(*item)),
            self.workloads,
        )

    def unprotected_lines(self) -> list[str]:
        return sorted(
            f"{workload} is not protected on {str(direction).capitalize()}"
            for workload, direction in self.unprotected
        )

    def section(self) -> list[str]:
        """netpol-analyzer's exposure section, line by line."""
        width = max((len(line.workload) for line in self.lines()), default=0)
        lines = ["Exposure Analysis Result:"]
        if self.egress:
            lines += ["Egress Exposure:", *(line.text(width) for line in self.egress)]
        if self.ingress:
            if self.egress:
                lines.append("")
            lines += ["Ingress Exposure:", *(line.text(width) for line in self.ingress)]
        if self.unprotected:
            lines += ["", "Workloads not protected by network policies:"]
            lines += self.unprotected_lines()
        return lines


def _entire_cluster_peer(peer: PolicyPeer) -> bool:
    return (
        peer.ip_block is None
        and peer.namespace_selector is not None
        and peer.namespace_selector.is_empty
        and (peer.pod_selector is None or peer.pod_selector.is_empty)
    )


def _label_selector(selector: Selector | None) -> LabelSelector | None:
    assert selector is None or isinstance(selector, LabelSelector)
    return selector


def _pods_peer(entity: Entity) -> bool:
    """An AdminNetworkPolicy or BaselineAdminNetworkPolicy `namespaces` or `pods` peer
    (not `networks` or `nodes`, which potential peers never match)."""
    return entity.pods and entity.nets is None and entity.nodes is None


def _entire_cluster_entity(entity: Entity) -> bool:
    namespaces = _label_selector(entity.namespace_selector)
    pods = _label_selector(entity.pod_selector)
    return (
        _pods_peer(entity)
        and (namespaces is None or namespaces.is_empty)
        and (pods is None or pods.is_empty)
    )


def _takes_entire_cluster(rule: Rule) -> bool:
    """The rule's peers take every pod of every namespace."""
    return rule.any_peer or any(
        _entire_cluster_peer(peer) if isinstance(peer, PolicyPeer) else _entire_cluster_entity(peer)
        for peer in rule.peers
    )


def _rep_of(policy: Policy, peer: PolicyPeer | Entity) -> RepresentativePeer | None:
    """The representative peer a rule peer stands for; None for an address peer."""
    if isinstance(peer, PolicyPeer):
        if peer.ip_block is not None:
            return None
        assert policy.network_policy is not None
        np = policy.network_policy
        return RepresentativePeer(
            namespace_selector_of(np, peer),
            peer.pod_selector,
            np.namespace if peer.namespace_selector is None else "",
        )
    if not _pods_peer(peer):
        return None
    namespaces = _label_selector(peer.namespace_selector)
    return RepresentativePeer(
        namespaces if namespaces is not None else LabelSelector(),
        _label_selector(peer.pod_selector),
        "",
    )


def representative_peers(layers: Layers) -> list[RepresentativePeer]:
    """One representative peer per distinct pair of selectors among the rule peers, in
    the order of the policies (ingress rules before egress rules)."""
    found: dict[tuple[tuple[str, ...], tuple[str, ...]], RepresentativePeer] = {}
    for policy in layers.policies:
        for direction in (Direction.INGRESS, Direction.EGRESS):
            if not policy.affects(direction):
                continue
            for rule in policy.rules(direction):
                if _takes_entire_cluster(rule):
                    continue  # such a rule is the entire-cluster exposure
                for peer in rule.peers:
                    rep = _rep_of(policy, peer)
                    if rep is not None:
                        found.setdefault(rep.key, rep)
    return list(found.values())


def _matched_exactly(rep: RepresentativePeer, pod: Pod) -> bool:
    """An input pod makes the peer redundant: both its selectors are non-empty
    `matchLabels` only, and the pod and its namespace carry those labels."""
    pods, namespaces = rep.pod_selector, rep.namespace_selector
    if pods is None or pods.match_expressions or namespaces.match_expressions:
        return False
    if not pods.match_labels or not namespaces.match_labels:
        return False
    return pods.matches(pod.labels) and namespaces.matches(pod.namespace_labels)


def _full_match(rule_selector: LabelSelector | None, rep_selector: LabelSelector | None) -> bool:
    if rule_selector is None or rule_selector.is_empty:
        return True
    return rep_selector is not None and selector_key(rule_selector) == selector_key(rep_selector)


def _peer_matches(policy: NetworkPolicy, peer: PolicyPeer, rep: RepresentativePeer) -> bool:
    if peer.ip_block is not None:
        return False
    if peer.namespace_selector is None:
        if rep.namespace != policy.namespace:
            return False
    elif not _full_match(peer.namespace_selector, rep.namespace_selector):
        return False
    return peer.pod_selector is None or _full_match(peer.pod_selector, rep.pod_selector)


def _entity_matches(entity: Entity, rep: RepresentativePeer) -> bool:
    return (
        _pods_peer(entity)
        and _full_match(_label_selector(entity.namespace_selector), rep.namespace_selector)
        and _full_match(_label_selector(entity.pod_selector), rep.pod_selector)
    )


def _taker(layers: Layers, rep: RepresentativePeer | None) -> Callable[[Rule], bool]:
    """Whether a rule takes `rep` (None: every pod of every namespace, `entire-cluster`):
    a rule taking the entire cluster takes every representative peer; otherwise one of its
    peers must require exactly what `rep` does (or nothing)."""

    def takes(rule: Rule) -> bool:
        if _takes_entire_cluster(rule):
            return True
        if rep is None:
            return False
        np = layers.policies[rule.policy].network_policy
        for peer in rule.peers:
            if isinstance(peer, PolicyPeer):
                assert np is not None
                if _peer_matches(np, peer, rep):
                    return True
            elif _entity_matches(peer, rep):
                return True
        return False

    return takes


_READ_KINDS = frozenset({"AdminNetworkPolicy", "BaselineAdminNetworkPolicy"})
"""The tiered kinds netpol-analyzer's exposure analysis reads, and so netkit's."""


def exposure(reach: Reachability) -> Exposure:
    """The exposure of every workload of `reach`'s model.

    NetworkPolicies, AdminNetworkPolicies and BaselineAdminNetworkPolicies are read as
    netpol-analyzer reads them: each potential peer is walked through the same tiers as a
    pod (`netkit.reachability.layers`). Raises `ExposureUnsupported` for a model with
    policies of the kinds netpol-analyzer's exposure analysis does not read
    (ClusterNetworkPolicy, Calico's): an answer that left them out would be wrong without
    saying so.
    """
    model = reach.model
    unread = [p for p in model.tiered_policies if p.kind not in _READ_KINDS]
    if unread:
        kinds = ", ".join(sorted({p.kind for p in unread}))
        raise ExposureUnsupported(
            f"exposure analysis reads NetworkPolicies, AdminNetworkPolicies and "
            f"BaselineAdminNetworkPolicies (as netpol-analyzer does), and the input holds "
            f"{len(unread)} polic{'y' if len(unread) == 1 else 'ies'} of another kind "
            f"({kinds}); run it without --exposure, or without those policies"
        )
    index = reach.policy_index
    layers = index.layers
    pods = {w.ref: pods_of(model, w) for w in model.workloads}
    reps = [
        rep
        for rep in representative_peers(layers)
        if not any(_matched_exactly(rep, pod) for group in pods.values() for pod in group)
    ]
    takers = [_taker(layers, None), *(_taker(layers, rep) for rep in reps)]
    own: dict[Direction, list[ExposureLine]] = {Direction.EGRESS: [], Direction.INGRESS: []}
    unprotected: list[tuple[str, Direction]] = []
    exposed: set[str] = set()
    for workload in model.workloads:
        ref = workload.ref
        for direction in (Direction.EGRESS, Direction.INGRESS):
            if not any(index.selecting(direction, pod) for pod in pods[ref]):
                unprotected.append((ref, direction))
                own[direction].append(
                    ExposureLine(ref, direction, ENTIRE_CLUSTER, str(ConnectionSet.all()))
                )
                exposed.add(ref)
                continue
            found = [PotentialConnections() for _ in takers]
            for pod in pods[ref]:
                for i, takes in enumerate(takers):
                    numbers, names = index.potential(direction, pod, takes)
                    found[i] = found[i] | PotentialConnections(numbers, names)
            lines = _protected_lines(
                ref, direction, found[0], list(zip(reps, found[1:], strict=True))
            )
            own[direction].extend(lines)
            if lines:
                exposed.add(ref)
    for connection in reach.connections():
        if connection.src.kind is PeerKind.EXTERNAL and connection.dst.name in exposed:
            own[Direction.INGRESS].append(
                ExposureLine(
                    connection.dst.name,
                    Direction.INGRESS,
                    connection.src.name,
                    str(connection.conns),
                )
            )
        elif connection.dst.kind is PeerKind.EXTERNAL and connection.src.name in exposed:
            own[Direction.EGRESS].append(
                ExposureLine(
                    connection.src.name,
                    Direction.EGRESS,
                    connection.dst.name,
                    str(connection.conns),
                )
            )
    egress = sorted(own[Direction.EGRESS], key=lambda line: (line.workload, line.peer))
    ingress = sorted(own[Direction.INGRESS], key=lambda line: (line.workload, line.peer))
    workloads = frozenset(w.ref for w in model.workloads)
    return Exposure(tuple(egress), tuple(ingress), tuple(unprotected), workloads)


def _protected_lines(
    ref: str,
    direction: Direction,
    entire: PotentialConnections,
    per_rep: list[tuple[RepresentativePeer, PotentialConnections]],
) -> list[ExposureLine]:
    """A protected workload's lines: `entire-cluster` when it gets something, and each
    representative peer whose connection differs from it (`No Connections` for a peer a
    rule singles out of an exposure to the entire cluster)."""
    lines: list[ExposureLine] = []
    if not entire.is_empty:
        lines.append(ExposureLine(ref, direction, ENTIRE_CLUSTER, str(entire)))
    for rep, conns in per_rep:
        if conns.is_empty and entire.is_empty:
            continue
        if conns.within(entire) and entire.within(conns):
            continue
        lines.append(ExposureLine(ref, direction, rep.name, str(conns)))
    return lines
