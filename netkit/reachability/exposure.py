"""Exposure: who could reach each workload beyond the workloads that exist today.

The connectivity list answers for the pods the input shows. Policies also admit pods it
does not show: any pod of any namespace, pods of a namespace that is not there yet, pods
with labels no workload has. Exposure analysis (netpol-analyzer's `--exposure`) lists,
per workload and direction, those potential peers its policies let in or out:

- a workload no policy selects for a direction is *not protected* there: exposed to
  `entire-cluster` on every connection;
- `entire-cluster`: what the selecting policies' rules allow any pod of any namespace (a
  rule without peers, or a peer `namespaceSelector: {}` with no or an empty pod selector);
- *representative peers*: every other pod-selecting rule peer of every policy stands for
  the pods it may match, written `NS/POD` (`netkit.selectors`); one per distinct pair of
  selectors, written as the first rule that produced it has it. A workload's rules match
  one when their selectors are empty or require exactly what the peer's do; policies that
  would select the represented pods are not evaluated (nothing is known of them). A line
  is written when the peer gets something `entire-cluster` does not;
- a representative peer that an input pod matches exactly (both selectors `matchLabels`
  only, neither empty) is dropped: that pod's connections are in the connectivity list;
- a workload with a line of its own also gets its connectivity lines with address
  ranges, as egress (`W => RANGE`) and ingress (`RANGE => W`) lines.

Named ports stay names where they cannot be resolved: towards a potential peer (egress)
there is no pod to resolve them on (`TCP http`); on ingress they resolve on the
workload's own container ports.

This module reads the model with the matching helpers the pair-by-pair reading uses; it
does not change how connections between existing workloads are computed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from netkit.errors import NetkitError
from netkit.model import (
    ContainerPort,
    LabelSelector,
    NetworkPolicy,
    PolicyPeer,
    PolicyRule,
)
from netkit.portset import PROTOCOLS, ConnectionSet
from netkit.reachability.analysis import Reachability
from netkit.reachability.matching import Pod, named_port, pods_of, split_ports
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
    """The model holds policies exposure analysis does not read (cluster-wide tiers)."""


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
            name in other.names or other.numbers.ranges(name[0]) == ((1, 65535),)
            for name in self.names
        )

    def __str__(self) -> str:
        if self.numbers.is_all or self.is_empty:
            return str(self.numbers)
        groups: list[str] = []
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


def _affects(policy: NetworkPolicy, direction: Direction) -> bool:
    return policy.affects_ingress if direction is Direction.INGRESS else policy.affects_egress


def _rules(policy: NetworkPolicy, direction: Direction) -> tuple[PolicyRule, ...]:
    return policy.ingress if direction is Direction.INGRESS else policy.egress


def representative_peers(policies: Iterable[NetworkPolicy]) -> list[RepresentativePeer]:
    """One representative peer per distinct pair of selectors among the rule peers, in
    the order of the policies (ingress rules before egress rules)."""
    found: dict[tuple[tuple[str, ...], tuple[str, ...]], RepresentativePeer] = {}
    for policy in policies:
        for direction in (Direction.INGRESS, Direction.EGRESS):
            if not _affects(policy, direction):
                continue
            for rule in _rules(policy, direction):
                if not rule.peers or any(_entire_cluster_peer(p) for p in rule.peers):
                    continue  # such a rule is the entire-cluster exposure
                for peer in rule.peers:
                    if peer.ip_block is not None:
                        continue
                    rep = RepresentativePeer(
                        namespace_selector_of(policy, peer),
                        peer.pod_selector,
                        policy.namespace if peer.namespace_selector is None else "",
                    )
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


def _full_match(rule_selector: LabelSelector, rep_selector: LabelSelector | None) -> bool:
    if rule_selector.is_empty:
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


def _conns(
    rule: PolicyRule, direction: Direction, ports: Sequence[ContainerPort]
) -> PotentialConnections:
    """What a rule allows a potential peer: ingress names resolve on the workload's
    ports (`ports`), egress names stay names."""
    fixed, named = split_ports(rule)
    if direction is Direction.EGRESS:
        return PotentialConnections(fixed, frozenset(named))
    for protocol, name in named:
        resolved = named_port(ports, name)
        if resolved is not None and resolved.protocol.upper() == protocol:
            fixed |= ConnectionSet.ports(protocol, resolved.port)
    return PotentialConnections(fixed)


def exposure(reach: Reachability) -> Exposure:
    """The exposure of every workload of `reach`'s model.

    Raises `ExposureUnsupported` for a model with cluster-wide policy tiers
    (AdminNetworkPolicy, Calico tiers, ...): this reading covers NetworkPolicies, and an
    answer that left the tiers out would be wrong without saying so.
    """
    model = reach.model
    tiered = model.tiered_policies
    if tiered:
        raise ExposureUnsupported(
            f"exposure analysis reads NetworkPolicies only, and the input holds "
            f"{len(tiered)} cluster-wide or Calico tiered polic{'y' if len(tiered) == 1 else 'ies'}; "
            "run it without --exposure, or on the NetworkPolicies alone"
        )
    pods = {w.ref: pods_of(model, w) for w in model.workloads}
    reps = [
        rep
        for rep in representative_peers(model.network_policies)
        if not any(_matched_exactly(rep, pod) for group in pods.values() for pod in group)
    ]
    own: dict[Direction, list[ExposureLine]] = {Direction.EGRESS: [], Direction.INGRESS: []}
    unprotected: list[tuple[str, Direction]] = []
    exposed: set[str] = set()
    for workload in model.workloads:
        ref = workload.ref
        for direction in (Direction.EGRESS, Direction.INGRESS):
            selecting = [
                (pod, [p for p in model.network_policies if _selects(p, pod, direction)])
                for pod in pods[ref]
            ]
            if not any(policies for _, policies in selecting):
                unprotected.append((ref, direction))
                own[direction].append(
                    ExposureLine(ref, direction, ENTIRE_CLUSTER, str(ConnectionSet.all()))
                )
                exposed.add(ref)
                continue
            lines = _protected_lines(ref, direction, selecting, reps)
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


def _selects(policy: NetworkPolicy, pod: Pod, direction: Direction) -> bool:
    return (
        policy.namespace == pod.namespace
        and _affects(policy, direction)
        and policy.pod_selector.matches(pod.labels)
    )


def _protected_lines(
    ref: str,
    direction: Direction,
    selecting: list[tuple[Pod, list[NetworkPolicy]]],
    reps: list[RepresentativePeer],
) -> list[ExposureLine]:
    entire = PotentialConnections()
    per_rep = [PotentialConnections() for _ in reps]
    for pod, policies in selecting:
        if not policies:
            # A pod of the workload that no policy selects is open in this direction.
            entire = entire | PotentialConnections.all()
            per_rep = [PotentialConnections.all() for _ in reps]
            continue
        for policy in policies:
            for rule in _rules(policy, direction):
                conns = _conns(rule, direction, pod.ports)
                if not rule.peers or any(_entire_cluster_peer(p) for p in rule.peers):
                    entire = entire | conns
                for index, rep in enumerate(reps):
                    if not rule.peers or any(_peer_matches(policy, p, rep) for p in rule.peers):
                        per_rep[index] = per_rep[index] | conns
    lines: list[ExposureLine] = []
    if not entire.is_empty:
        lines.append(ExposureLine(ref, direction, ENTIRE_CLUSTER, str(entire)))
    for rep, conns in zip(reps, per_rep, strict=True):
        if conns.is_empty or (not entire.is_empty and conns.within(entire)):
            continue
        lines.append(ExposureLine(ref, direction, rep.name, str(conns)))
    return lines
