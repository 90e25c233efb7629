"""The pair-by-pair reading of the rules: verdicts with the policies and rules behind them.

Explanations and hypothetical peers (`egress_to`, `ingress_from`) use it; the bulk engine
must agree with it (a property test checks that they do).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from netkit.model import ContainerPort, NetworkModel, NetworkPolicy, Workload
from netkit.portset import ConnectionSet
from netkit.reachability.matching import (
    ALL,
    NONE,
    Atom,
    Pod,
    hypothetical_pod,
    peer_matches_atom,
    peer_matches_pod,
    pods_of,
    rule_conns,
)
from netkit.reachability.results import Direction, DirectionVerdict, RuleMatch


class PolicyIndex:
    """Policies by namespace, and the direct (pair-by-pair) reading of the rules.

    The bulk engine must agree with this reading; explanations and hypothetical peers use it.
    """

    def __init__(self, policies: Sequence[NetworkPolicy]) -> None:
        self._by_namespace: dict[str, list[NetworkPolicy]] = {}
        for policy in policies:
            self._by_namespace.setdefault(policy.namespace, []).append(policy)

    def in_namespace(self, namespace: str) -> list[NetworkPolicy]:
        return self._by_namespace.get(namespace, [])

    def selecting(self, direction: Direction, pod: Pod) -> list[NetworkPolicy]:
        return [
            policy
            for policy in self.in_namespace(pod.namespace)
            if (policy.affects_ingress if direction is Direction.INGRESS else policy.affects_egress)
            and policy.pod_selector.matches(pod.labels)
        ]

    def verdict(
        self,
        direction: Direction,
        src: Pod | Atom,
        dst: Pod | Atom,
        src_name: str,
        dst_name: str,
    ) -> DirectionVerdict:
        """The egress verdict of `src` (a pod) towards `dst`, or the ingress verdict of `dst`."""
        subject = src if direction is Direction.EGRESS else dst
        other = dst if direction is Direction.EGRESS else src
        endpoint = src_name if direction is Direction.EGRESS else dst_name
        assert isinstance(subject, Pod)
        selecting = self.selecting(direction, subject)
        if not selecting:
            return DirectionVerdict(direction, endpoint, False, (), (), ALL)
        dst_ports = dst.ports if isinstance(dst, Pod) else None
        matches: list[RuleMatch] = []
        allowed = NONE
        for policy in selecting:
            rules = policy.ingress if direction is Direction.INGRESS else policy.egress
            for index, rule in enumerate(rules):
                if rule.peers and not any(
                    peer_matches_pod(policy, peer, other)
                    if isinstance(other, Pod)
                    else peer_matches_atom(peer, other)
                    for peer in rule.peers
                ):
                    continue
                conns = rule_conns(rule, dst_ports)
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
    target = hypothetical_pod(namespace_labels, pod_labels, ports)
    policies = PolicyIndex(model.network_policies)
    result = NONE
    for pod in pods_of(model, workload):
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
    source = hypothetical_pod(namespace_labels, pod_labels, ())
    policies = PolicyIndex(model.network_policies)
    result = NONE
    for pod in pods_of(model, workload):
        result |= policies.verdict(Direction.INGRESS, source, pod, "", "").allowed
    return result
