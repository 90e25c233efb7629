"""Reachability through every policy layer, reported per workload.

NetworkPolicies, the network-policy API's AdminNetworkPolicy, BaselineAdminNetworkPolicy
and ClusterNetworkPolicy, and Calico's tiered policies are evaluated in one order (tiers,
policies, rules; see `netkit.reachability.layers` and docs/policy-tiers.md); with only
NetworkPolicies the semantics below are all there is.

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

from netkit.reachability.analysis import Reachability, analyze
from netkit.reachability.explanation import egress_to, ingress_from
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
    StepKind,
    UnknownPeerError,
    WalkStep,
)

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
    "StepKind",
    "UnknownPeerError",
    "WalkStep",
    "analyze",
    "egress_to",
    "ingress_from",
]
