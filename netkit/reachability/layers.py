"""Every policy of a model in one order: tiers, then policies in their tier, then rules.

This is the one form both evaluators read (the bulk engine and the pair-by-pair walk).
The order, its sources and the choices netkit makes where the sources are silent are
written down in docs/policy-tiers.md; in short:

- Tiers run by `order`, lowest first (none: last), then by name. Three are implied:
  `Admin` (order 1000, leaves undecided traffic to the next tier: Pass) for
  AdminNetworkPolicies and Admin ClusterNetworkPolicies, `default` (order 1,000,000; Deny)
  for NetworkPolicies and Calico policies without a tier, `Baseline` (order 10,000,000;
  Pass) for BaselineAdminNetworkPolicies and Baseline ClusterNetworkPolicies. Calico `Tier`
  objects add theirs (defaultAction Deny unless Pass) and may redefine `default`.
- In a tier, policies run by order (an AdminNetworkPolicy's or ClusterNetworkPolicy's
  priority, a Calico policy's `order`, 1000 for a NetworkPolicy; none: last), then by
  name; in a policy, rules run as written. A tier applies to an endpoint in a direction
  when one of its policies selects it for that direction.
- A NetworkPolicy's rules all allow; selecting a pod, it denies the rest (its tier's end).

Staged Calico policies are not here: they never decide traffic (see `netkit.staged`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from netkit.model import (
    Entity,
    IPBlock,
    NamedPort,
    NetworkModel,
    NetworkPolicy,
    PolicyPeer,
    PolicyTier,
    RuleAction,
    ServiceRef,
    TieredPolicy,
    TierEnd,
)
from netkit.portset import ConnectionSet
from netkit.reachability.matching import (
    Atom,
    Context,
    Pod,
    entity_matches_atom,
    entity_matches_pod,
    peer_matches_atom,
    peer_matches_pod,
    resolve_named,
    service_of,
    service_target_conns,
    split_ports,
)
from netkit.reachability.results import Direction

ADMIN = PolicyTier("Admin", 1000, TierEnd.PASS)
DEFAULT = PolicyTier("default", 1_000_000, TierEnd.DENY)
BASELINE = PolicyTier("Baseline", 10_000_000, TierEnd.PASS)
IMPLIED_TIERS = (ADMIN, DEFAULT, BASELINE)
NETWORK_POLICY_ORDER = 1000.0
"""Where Calico places Kubernetes NetworkPolicies in the default tier."""


@dataclass(frozen=True)
class Rule:
    """One rule, compiled: its action, whom it matches, and what ports."""

    policy: int
    """Index of its policy in `Layers.policies`."""
    direction: Direction
    index: int
    """Position in its policy's list for the direction (0-based)."""
    action: RuleAction
    peers: tuple[Entity | PolicyPeer, ...]
    """Any may match; NetworkPolicy peers are `PolicyPeer`s read in its namespace."""
    any_peer: bool
    """A NetworkPolicy rule without peers: every pod and address."""
    local: Entity | None
    conns: ConnectionSet
    named: tuple[NamedPort, ...]
    not_conns: ConnectionSet
    not_named: tuple[NamedPort, ...]
    service_ports: ServiceRef | None
    label: str
    """How explanations name it: `spec.egress[2]`, with the rule's name when it has one."""

    @property
    def reads_ports(self) -> bool:
        return bool(self.named or self.not_named or self.service_ports)


@dataclass(frozen=True)
class Policy:
    """One policy, compiled: where it sits, whom it applies to, its rules."""

    position: int
    tier: int
    """Index of its tier in `Layers.tiers`."""
    ref: str
    kind: str
    namespace: str
    """A NetworkPolicy's namespace; "" for the others (their `subject` says)."""
    network_policy: NetworkPolicy | None
    subject: Entity | None
    """Whom a tiered policy applies to; None for a NetworkPolicy (its podSelector)."""
    tiered: TieredPolicy | None
    affects_ingress: bool
    affects_egress: bool
    ingress: tuple[Rule, ...]
    egress: tuple[Rule, ...]
    source: str

    def affects(self, direction: Direction) -> bool:
        return self.affects_ingress if direction is Direction.INGRESS else self.affects_egress

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        return self.ingress if direction is Direction.INGRESS else self.egress


class Layers:
    """The model's tiers and enforced policies, in evaluation order."""

    def __init__(self, model: NetworkModel) -> None:
        self.context = Context.of(model)
        self.tiers = ordered_tiers(model.policy_tiers)
        index = {tier.name: i for i, tier in enumerate(self.tiers)}
        # Equal orders: Calico sorts by name, and names a NetworkPolicy `knp.default.NAME`
        # (after its own policies of the same order, whose names sort before `knp.`); the
        # NetworkPolicies keep the model's order among themselves (they only allow, so their
        # order changes no verdict, and explanations list them as read).
        entries: list[tuple[tuple[int, bool, float, str, str], NetworkPolicy | TieredPolicy]] = []
        for position, np in enumerate(model.network_policies):
            key = (
                index[DEFAULT.name],
                False,
                NETWORK_POLICY_ORDER,
                "knp.default.",
                f"{position:09d}",
            )
            entries.append((key, np))
        for tp in model.tiered_policies:
            if tp.staged is not None:
                continue
            order = tp.order
            tie = f"{tp.namespace}/{tp.kind}"
            entries.append(((index[tp.tier], order is None, order or 0.0, tp.name, tie), tp))
        entries.sort(key=lambda entry: entry[0])
        self.policies: list[Policy] = [
            _compile(position, key[0], record) for position, (key, record) in enumerate(entries)
        ]
        self.has_tiered = any(p.network_policy is None for p in self.policies)
        """Whether any policy is not a NetworkPolicy (explanations then show the walk)."""
        self.reads_placement = any(
            entity.nets is not None or entity.not_nets or entity.ip_version or entity.nodes
            for entity in self._entities()
        )
        """Whether some policy matches pods by address or node (pods are then told apart
        by where they run)."""
        self.names_icmp = any(
            (rule.conns | rule.not_conns).icmp_ranges and not rule.conns.is_all
            for policy in self.policies
            for rule in (*policy.ingress, *policy.egress)
            if policy.network_policy is None
        )
        """Whether some rule tells ICMP apart from the rest (a Calico rule naming ICMP)."""

    def _entities(self) -> Iterable[Entity]:
        for policy in self.policies:
            if policy.subject is not None:
                yield policy.subject
            for rule in (*policy.ingress, *policy.egress):
                yield from (peer for peer in rule.peers if isinstance(peer, Entity))
                if rule.local is not None:
                    yield rule.local

    # -- matching, pod by pod

    def selects(self, policy: Policy, direction: Direction, pod: Pod) -> bool:
        if not policy.affects(direction):
            return False
        np = policy.network_policy
        if np is not None:
            return pod.namespace == np.namespace and np.pod_selector.matches(pod.labels)
        assert policy.subject is not None
        return entity_matches_pod(policy.subject, pod, self.context)

    def rule_applies(self, rule: Rule, subject: Pod) -> bool:
        """The rule's own-side condition (Calico's destination of an ingress rule, source of
        an egress rule) holds for the policy's endpoint."""
        return rule.local is None or entity_matches_pod(rule.local, subject, self.context)

    def rule_matches(self, rule: Rule, other: Pod | Atom) -> bool:
        """The rule's peers take `other` (the source of ingress, the destination of egress)."""
        if rule.any_peer:
            return True
        policy = self.policies[rule.policy]
        for peer in rule.peers:
            if isinstance(peer, PolicyPeer):
                assert policy.network_policy is not None
                if (
                    peer_matches_pod(policy.network_policy, peer, other)
                    if isinstance(other, Pod)
                    else peer_matches_atom(peer, other)
                ):
                    return True
            elif (
                entity_matches_pod(peer, other, self.context)
                if isinstance(other, Pod)
                else entity_matches_atom(peer, other, self.context)
            ):
                return True
        return False

    def rule_conns(self, rule: Rule, destination: Pod | None) -> ConnectionSet:
        """What the rule's ports take towards `destination` (None: an address)."""
        return conns_toward(rule, destination, self.context)


def conns_toward(rule: Rule, destination: Pod | None, context: Context) -> ConnectionSet:
    """A rule's ports and protocols towards a pod (its named ports resolved) or an address
    (None: names resolve on no address)."""
    conns = rule.conns
    excluded = rule.not_conns
    if destination is not None:
        if rule.named:
            conns = conns | resolve_named(rule.named, destination.ports)
        if rule.not_named:
            excluded = excluded | resolve_named(rule.not_named, destination.ports)
    result = conns - excluded
    if rule.service_ports is not None:
        ports = destination.ports if destination is not None else ()
        result = result & service_target_conns(service_of(context, rule.service_ports), ports)
    return result


def ordered_tiers(declared: Iterable[PolicyTier]) -> list[PolicyTier]:
    """The implied tiers and the declared ones (a declared name replaces an implied one),
    by order (none: last), then name."""
    tiers = {tier.name: tier for tier in IMPLIED_TIERS}
    tiers.update({tier.name: tier for tier in declared})
    return sorted(
        tiers.values(),
        key=lambda t: (t.order is None, t.order if t.order is not None else 0, t.name),
    )


def _compile(position: int, tier: int, record: NetworkPolicy | TieredPolicy) -> Policy:
    if isinstance(record, NetworkPolicy):
        ref = f"{record.namespace}/{record.name}"
        return Policy(
            position,
            tier,
            ref,
            "NetworkPolicy",
            record.namespace,
            record,
            None,
            None,
            record.affects_ingress,
            record.affects_egress,
            _np_rules(position, record, Direction.INGRESS),
            _np_rules(position, record, Direction.EGRESS),
            record.source,
        )
    return Policy(
        position,
        tier,
        record.ref,
        record.kind,
        "",
        None,
        record.subject,
        record,
        record.affects_ingress,
        record.affects_egress,
        _tiered_rules(position, record, Direction.INGRESS),
        _tiered_rules(position, record, Direction.EGRESS),
        record.source,
    )


def _np_rules(position: int, policy: NetworkPolicy, direction: Direction) -> tuple[Rule, ...]:
    rules = policy.ingress if direction is Direction.INGRESS else policy.egress
    compiled: list[Rule] = []
    for index, rule in enumerate(rules):
        fixed, named = split_ports(rule)
        compiled.append(
            Rule(
                policy=position,
                direction=direction,
                index=index,
                action=RuleAction.ALLOW,
                peers=rule.peers,
                any_peer=not rule.peers,
                local=None,
                conns=fixed,
                named=tuple(NamedPort(name, protocol) for protocol, name in named),
                not_conns=ConnectionSet.none(),
                not_named=(),
                service_ports=None,
                label=f"spec.{direction}[{index}]",
            )
        )
    return tuple(compiled)


def _tiered_rules(position: int, policy: TieredPolicy, direction: Direction) -> tuple[Rule, ...]:
    rules = policy.ingress if direction is Direction.INGRESS else policy.egress
    return tuple(
        Rule(
            policy=position,
            direction=direction,
            index=index,
            action=rule.action,
            peers=rule.peers,
            any_peer=False,
            local=rule.local,
            conns=rule.conns,
            named=rule.named,
            not_conns=rule.not_conns,
            not_named=rule.not_named,
            service_ports=rule.service_ports,
            label=(rule.path or f"spec.{direction}[{index}]")
            + (f" ({rule.name})" if rule.name else ""),
        )
        for index, rule in enumerate(rules)
    )


def peer_networks(layers: Layers, direction: Direction) -> list[IPBlock]:
    """Every CIDR the peers of `direction`'s rules name, and every NetworkSet's when a Calico
    rule of that direction may take sets, as blocks to cut the external address space at
    (ingress: sources; egress: destinations)."""
    blocks: list[IPBlock] = []
    takes_sets = any(
        isinstance(peer, Entity) and peer.network_sets
        for policy in layers.policies
        for rule in policy.rules(direction)
        for peer in rule.peers
    )
    if takes_sets:
        blocks.extend(IPBlock(net) for n in layers.context.network_sets for net in n.nets)
    for policy in layers.policies:
        for rule in policy.rules(direction):
            for peer in rule.peers:
                if isinstance(peer, PolicyPeer):
                    if peer.ip_block is not None:
                        blocks.append(peer.ip_block)
                    continue
                for net in (*(peer.nets or ()), *peer.not_nets):
                    blocks.append(IPBlock(net))
    return blocks
