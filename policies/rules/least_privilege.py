"""Least privilege for Kubernetes NetworkPolicies.

Every namespace with workloads denies by default, every workload is selected by a
policy, isolated pods still reach the cluster DNS, no rule opens a target to everyone,
empty podSelectors are kept for default denies, policies and peers select something,
policies say what they mean (policyTypes, protocols), and, the rule no other tool has:
the connections the stack spec declares are exactly what the policies allow.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace

from netkit.intent_check import (
    DeniedDeclared,
    ExternalNotCovered,
    IntentFinding,
    MissingWorkload,
    Undeclared,
    check_intent,
)
from netkit.model import (
    ContainerPort,
    Endpoint,
    Labels,
    NetworkPolicy,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
    Workload,
)
from netkit.portset import ConnectionSet
from netkit.reachability import Direction, Explanation, Peer, PeerKind, egress_to
from netkit_policies.rules.base import (
    Context,
    Level,
    ResourceRef,
    Rule,
    RuleConfig,
    Severity,
    Violation,
    listing,
    plural,
    strings,
)
from netkit_policies.rules.kube import (
    ALLOWED_POLICIES,
    EXEMPT_NAMESPACES,
    KUBERNETES,
    affects,
    is_default_deny,
    is_dns_only_policy,
    is_dns_only_rule,
    is_pure_deny,
    namespace_labels,
    namespace_name_of,
    peer_matches,
    pods_text,
    ports_text,
    ref,
    rules_of,
    selector_text,
    selects,
    workload_ref,
)

DIRECTIONS = (Direction.INGRESS, Direction.EGRESS)
DNS_PORTS = (ContainerPort(53, "UDP", "dns"), ContainerPort(53, "TCP", "dns-tcp"))


def _peers_key(direction: Direction) -> str:
    return "from" if direction is Direction.INGRESS else "to"


def _exempt(config: RuleConfig) -> set[str]:
    return set(strings(config, "exemptNamespaces"))


# --------------------------------------------------------------------------- default deny


def _check_default_deny(context: Context, config: RuleConfig) -> Iterator[Violation]:
    exempt = _exempt(config)
    for name, workloads in sorted(context.workloads_by_namespace.items()):
        if name in exempt:
            continue
        policies = context.policies_by_namespace.get(name, ())
        missing = [
            d
            for d in DIRECTIONS
            if not any(is_default_deny(p, d) for p in policies)
            # A cluster-wide baseline (a GlobalNetworkPolicy, a BaselineAdminNetworkPolicy)
            # that denies by default for every pod of the namespace counts as its deny.
            and not _baseline_denies(context, workloads, d)
        ]
        if not missing:
            continue
        what = " and ".join(str(d) for d in missing)
        types = ", ".join(str(d).capitalize() for d in missing)
        yield Violation(
            ResourceRef.namespace_of(context.model.namespace(name)),
            f"namespace {name!r} has workloads ({listing(w.ref for w in workloads)}) but no "
            f"default-deny NetworkPolicy for {what}, so pods no other policy selects allow "
            f"all {what} traffic; add a NetworkPolicy with podSelector: {{}}, policyTypes: "
            f"[{types}] and no rules (netkit: namespaces[].defaultDeny: true)",
        )


def _baseline_denies(context: Context, workloads: Iterable[Workload], direction: Direction) -> bool:
    """Some tiered policy makes every workload of a namespace deny by default."""
    reach = context.reachability
    return bool(context.model.tiered_policies) and all(
        reach.denied_by_default(workload, direction) for workload in workloads
    )


DEFAULT_DENY = Rule(
    name="k8s-namespace-require-default-deny",
    description="Checks that every namespace with workloads has a default-deny "
    "NetworkPolicy for both ingress and egress, or a cluster-wide baseline that denies by "
    "default for its pods.",
    level=Level.MANDATORY,
    severity=Severity.HIGH,
    remediation="Add a NetworkPolicy with podSelector: {}, policyTypes: [Ingress, Egress] and no rules to the namespace (kubernetes.namespaces[].defaultDeny: true in the stack file, the default), then allow each connection the workloads need.",
    url="https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies",
    tags=("kubernetes", "namespace", "least-privilege"),
    check=_check_default_deny,
    config={"exemptNamespaces": EXEMPT_NAMESPACES},
    watches=(KUBERNETES,),
)


def _check_selected(context: Context, config: RuleConfig) -> Iterator[Violation]:
    exempt = _exempt(config)
    for workload in context.model.workloads:
        if workload.namespace in exempt:
            continue
        policies = context.policies_by_namespace.get(workload.namespace, ())
        if any(selects(policy.pod_selector, workload) for policy in policies):
            continue
        if all(_baseline_denies(context, [workload], d) for d in DIRECTIONS):
            continue  # a cluster-wide baseline closes it
        yield Violation(
            ResourceRef.workload(workload),
            f"{workload.kind} {workload_ref(workload)} is selected by no NetworkPolicy, so "
            "its pods accept and open any connection; add a default deny to namespace "
            f"{workload.namespace!r} and policies for the connections it needs",
        )


WORKLOAD_SELECTED = Rule(
    name="k8s-workload-require-network-policy",
    description="Checks that every workload is selected by at least one NetworkPolicy.",
    level=Level.MANDATORY,
    severity=Severity.HIGH,
    remediation="Select the workload with a NetworkPolicy: a default deny for its namespace (kubernetes.namespaces[].defaultDeny: true) plus the connections it needs (kubernetes.connections).",
    url="https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies",
    tags=("kubernetes", "workload", "least-privilege"),
    check=_check_selected,
    config={"exemptNamespaces": EXEMPT_NAMESPACES},
    watches=(KUBERNETES,),
)


# --------------------------------------------------------------------------- DNS


def _check_dns(context: Context, config: RuleConfig) -> Iterator[Violation]:
    model = context.model
    exempt = _exempt(config)
    require_tcp = bool(config.get("requireTcp", True))
    dns_namespace = namespace_labels(model, model.dns_namespace)
    dns_text = f"{model.dns_namespace} pods {selector_text_of(model.dns_labels)}"
    answers: dict[tuple[str, tuple[int, ...]], ConnectionSet] = {}
    for workload in model.workloads:
        if workload.namespace in exempt:
            continue
        policies = context.policies_by_namespace.get(workload.namespace, ())
        isolating = [p for p in policies if p.affects_egress and selects(p.pod_selector, workload)]
        if not isolating:
            continue
        # Workloads that see the same policies get the same answer: ask once.
        key = (workload.namespace, tuple(id(p) for p in isolating))
        if key not in answers:
            scoped = replace(model, network_policies=tuple(isolating))
            answers[key] = egress_to(
                scoped, workload, dns_namespace, model.dns_labels, ports=DNS_PORTS
            )
        allowed = answers[key]
        udp, tcp = allowed.allows("UDP", 53), allowed.allows("TCP", 53)
        if udp and (tcp or not require_tcp):
            continue
        by = ", ".join(sorted(ref(p) for p in isolating))
        if not udp:
            missing = "UDP 53 and TCP 53" if not tcp else "UDP 53"
            outage = (
                "every name lookup fails, so calls to Services by name fail even where "
                "policies allow them"
            )
        else:
            missing = "TCP 53"
            outage = "DNS answers too large for UDP are truncated and the retry over TCP fails"
        yield Violation(
            ResourceRef.workload(workload),
            f"{workload.kind} {workload_ref(workload)} is egress-isolated (by {by}) but cannot "
            f"reach the cluster DNS ({dns_text}) on {missing}: {outage}; allow egress to the "
            "DNS pods on UDP and TCP 53 (netkit: namespaces[].allowDns: true)",
        )


def selector_text_of(labels: Labels | Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "{}"


DNS_EGRESS = Rule(
    name="k8s-workload-require-dns-egress",
    description="Checks that every egress-isolated workload can still reach the cluster "
    "DNS on UDP and TCP port 53.",
    level=Level.MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Allow egress to the cluster DNS pods on UDP and TCP 53 (kubernetes.namespaces[].allowDns: true in the stack file, the default). Fixed by the pack at the remediate level: k8s-networkpolicy-remediate-dns-egress.",
    url="https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/",
    tags=("kubernetes", "workload", "least-privilege"),
    check=_check_dns,
    config={
        "exemptNamespaces": EXEMPT_NAMESPACES,
        "requireTcp": {
            "type": "boolean",
            "default": True,
            "description": "Require TCP 53 too (truncated answers are retried over TCP).",
        },
    },
    watches=(KUBERNETES,),
)


# --------------------------------------------------------------------------- allow-all


def _everyone(rule: PolicyRule, direction: Direction) -> str | None:
    """How a rule admits every peer, or None when it names its peers."""
    side = "source" if direction is Direction.INGRESS else "destination"
    if not rule.peers:
        return f"any {side} (no `{_peers_key(direction)}` peers)"
    for peer in rule.peers:
        if (
            peer.ip_block is None
            and peer.namespace_selector is not None
            and peer.namespace_selector.is_empty
            and (peer.pod_selector is None or peer.pod_selector.is_empty)
        ):
            return "every pod of every namespace (namespaceSelector: {})"
        if (
            direction is Direction.EGRESS
            and peer.ip_block is not None
            and peer.ip_block.cidr.prefixlen == 0
        ):
            return f"any address (ipBlock {peer.ip_block.cidr})"
    return None


def _check_allow_all(context: Context, config: RuleConfig) -> Iterator[Violation]:
    allowed = set(strings(config, "allowedPolicies"))
    for policy in context.model.network_policies:
        if ref(policy) in allowed:
            continue
        for direction in DIRECTIONS:
            if not affects(policy, direction):
                continue
            for index, rule in enumerate(rules_of(policy, direction)):
                everyone = _everyone(rule, direction)
                if everyone is None:
                    continue
                if direction is Direction.EGRESS and is_dns_only_rule(rule):
                    continue  # DNS anywhere on port 53 is the one broad egress every pod needs
                towards = "to" if direction is Direction.INGRESS else "from"
                peers = "sources" if direction is Direction.INGRESS else "destinations"
                yield Violation(
                    ResourceRef.policy(policy),
                    f"NetworkPolicy {ref(policy)} spec.{direction}[{index}] allows {direction} "
                    f"{'from' if direction is Direction.INGRESS else 'to'} {everyone} on "
                    f"{ports_text(rule.ports)} {towards} {pods_text(policy)}; name the {peers} "
                    "that need it (podSelector/namespaceSelector peers) or remove the rule",
                )


ALLOW_ALL = Rule(
    name="k8s-networkpolicy-disallow-allow-all",
    description="Checks that no NetworkPolicy rule allows all ingress or all egress to the "
    "pods it selects (egress to port 53 only excepted).",
    level=Level.MANDATORY,
    severity=Severity.HIGH,
    remediation="Name the peers the rule admits (a podSelector, a namespaceSelector with labels, or an ipBlock) and its ports, instead of every pod or address.",
    url="https://kubernetes.io/docs/concepts/services-networking/network-policies/#allow-all-ingress-traffic",
    tags=("kubernetes", "networkpolicy", "least-privilege"),
    check=_check_allow_all,
    config={"allowedPolicies": ALLOWED_POLICIES},
    watches=(KUBERNETES,),
)


def _check_ingress_anywhere(context: Context, config: RuleConfig) -> Iterator[Violation]:
    allowed = set(strings(config, "allowedPolicies"))
    for policy in context.model.network_policies:
        if ref(policy) in allowed or not policy.affects_ingress:
            continue
        for index, rule in enumerate(policy.ingress):
            for number, peer in enumerate(rule.peers):
                block = peer.ip_block
                if block is None or block.cidr.prefixlen != 0:
                    continue
                holes = ", ".join(str(hole) for hole in block.excepts)
                anywhere = f"any address but {holes}" if holes else "any address"
                yield Violation(
                    ResourceRef.policy(policy),
                    f"NetworkPolicy {ref(policy)} spec.ingress[{index}].from[{number}] admits "
                    f"ipBlock {block.cidr} ({anywhere}) to {pods_text(policy)} on "
                    f"{ports_text(rule.ports)}; name the client ranges instead (a load "
                    "balancer's, the VPN's)",
                    value=str(block.cidr),
                )


INGRESS_ANYWHERE = Rule(
    name="k8s-networkpolicy-disallow-ingress-from-anywhere",
    description="Checks that no NetworkPolicy admits ingress from ipBlock 0.0.0.0/0 or ::/0.",
    level=Level.MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Replace ipBlock 0.0.0.0/0 (or ::/0) with the address ranges that must reach the pods, or admit the ingress controller instead and route outside traffic through an Ingress.",
    url="https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource",
    tags=("kubernetes", "networkpolicy", "least-privilege"),
    check=_check_ingress_anywhere,
    config={"allowedPolicies": ALLOWED_POLICIES},
    watches=(KUBERNETES,),
)


def _declared_namespace_wide(context: Context, policy: NetworkPolicy) -> bool:
    """The stack spec declares connections from (egress) or to (ingress) every pod of the
    policy's namespace, for each direction the policy has rules in: then an empty
    podSelector is what was asked for."""
    declared = context.model.connections or ()
    whole = Endpoint(namespace=policy.namespace)
    needs = [
        (direction, side)
        for direction, side in ((Direction.EGRESS, "source"), (Direction.INGRESS, "destination"))
        if affects(policy, direction) and rules_of(policy, direction)
    ]
    return all(any(getattr(conn, side) == whole for conn in declared) for _, side in needs)


def _check_empty_selector(context: Context, config: RuleConfig) -> Iterator[Violation]:
    allowed = set(strings(config, "allowedPolicies"))
    allow_dns = bool(config.get("allowDnsPolicies", True))
    for policy in context.model.network_policies:
        if not policy.pod_selector.is_empty or is_pure_deny(policy) or ref(policy) in allowed:
            continue
        if allow_dns and is_dns_only_policy(policy):
            continue
        if _declared_namespace_wide(context, policy):
            continue
        yield Violation(
            ResourceRef.policy(policy),
            f"NetworkPolicy {ref(policy)} has an empty podSelector and allows traffic, so its "
            f"rules apply to every pod of namespace {policy.namespace!r}, present and future; "
            "select the pods that need them (podSelector.matchLabels) and keep empty "
            "podSelectors for default-deny policies",
        )


EMPTY_POD_SELECTOR = Rule(
    name="k8s-networkpolicy-restrict-empty-pod-selector",
    description="Checks that only default-deny policies, DNS-only egress policies and "
    "connections the stack spec declares for a whole namespace use an empty podSelector.",
    level=Level.MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Select the pods the rules are meant for with a podSelector that has labels; keep empty podSelectors for default-deny and DNS-only policies.",
    url="https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource",
    tags=("kubernetes", "networkpolicy", "least-privilege"),
    check=_check_empty_selector,
    config={
        "allowedPolicies": ALLOWED_POLICIES,
        "allowDnsPolicies": {
            "type": "boolean",
            "default": True,
            "description": "Allow an empty podSelector on policies that only allow egress on "
            "port 53: every pod of a namespace needs DNS.",
        },
    },
    watches=(KUBERNETES,),
)


# --------------------------------------------------------------------------- dangling


_EXTERNAL_PEERS_DEFAULT: list[dict[str, object]] = []


class _PeerIndex:
    """Answers "does this peer select any pod?" against the model and known outside pods."""

    def __init__(self, context: Context, config: RuleConfig) -> None:
        model = context.model
        self.context = context
        self.namespaces = {ns.name: ns.effective_labels() for ns in model.all_namespaces()}
        # Pods outside the model the stack may name: the cluster DNS and configured peers.
        self.external: dict[str, list[Mapping[str, str] | None]] = {}
        self.external.setdefault(model.dns_namespace, []).append(model.dns_labels)
        self.external.setdefault(model.ingress_controller_namespace, []).append(
            model.ingress_controller_labels
        )
        for entry in config.get("externalPeers") or []:
            labels = entry.get("podLabels")
            name = str(entry["namespace"])
            self.external.setdefault(name, []).append(
                None if labels is None else {str(k): str(v) for k, v in labels.items()}
            )
        for name in self.external:
            self.namespaces.setdefault(name, namespace_labels(model, name))

    def _candidates(self, policy: NetworkPolicy, peer: PolicyPeer) -> Iterable[str]:
        if peer.namespace_selector is None:
            return (policy.namespace,)
        named = namespace_name_of(peer.namespace_selector)
        if named is not None:
            return (named,) if named in self.namespaces else ()
        selector = peer.namespace_selector
        return [name for name, labels in self.namespaces.items() if selector.matches(labels)]

    def selects_anything(self, policy: NetworkPolicy, peer: PolicyPeer) -> bool:
        workloads = self.context.workloads_by_namespace
        for name in self._candidates(policy, peer):
            labels = self.namespaces.get(name) or namespace_labels(self.context.model, name)
            for workload in workloads.get(name, ()):
                for pod_labels in (workload.labels, *(v.labels for v in workload.pod_variants)):
                    if peer_matches(peer, policy.namespace, name, labels, pod_labels):
                        return True
            for outside in self.external.get(name, ()):
                if outside is None or peer_matches(peer, policy.namespace, name, labels, outside):
                    return True
        return False


def _check_dangling(context: Context, config: RuleConfig) -> Iterator[Violation]:
    index = _PeerIndex(context, config)
    for policy in context.model.network_policies:
        if not policy.pod_selector.is_empty:
            workloads = context.workloads_by_namespace.get(policy.namespace, ())
            if not any(selects(policy.pod_selector, w) for w in workloads):
                yield Violation(
                    ResourceRef.policy(policy),
                    f"NetworkPolicy {ref(policy)} selects no pods (podSelector "
                    f"{selector_text(policy.pod_selector)} matches no workload of namespace "
                    f"{policy.namespace!r}); fix the selector or remove the policy",
                )
        for direction in DIRECTIONS:
            for number, rule in enumerate(rules_of(policy, direction)):
                for position, peer in enumerate(rule.peers):
                    if peer.ip_block is not None or index.selects_anything(policy, peer):
                        continue
                    namespaces = (
                        f"namespace {policy.namespace!r}"
                        if peer.namespace_selector is None
                        else f"namespaceSelector {selector_text(peer.namespace_selector)}"
                    )
                    yield Violation(
                        ResourceRef.policy(policy),
                        f"NetworkPolicy {ref(policy)} spec.{direction}[{number}]."
                        f"{_peers_key(direction)}[{position}] selects no pod of the stack "
                        f"({namespaces}, podSelector {selector_text(peer.pod_selector)}), so "
                        "it allows nothing; fix the selector, or list the peer under "
                        "externalPeers in this rule's config if its pods run outside the stack",
                    )


DANGLING = Rule(
    name="k8s-networkpolicy-disallow-dangling",
    description="Checks that every NetworkPolicy selects some pod and that every peer of "
    "its rules selects some pod (of the stack, the cluster DNS, or a configured peer).",
    level=Level.ADVISORY,
    severity=Severity.LOW,
    remediation="Fix the selector to match the labels of existing pods (or namespaces), or remove the policy or the peer.",
    url="https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors",
    tags=("kubernetes", "networkpolicy", "least-privilege"),
    check=_check_dangling,
    config={
        "externalPeers": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "namespace": {"type": "string", "format": "dns-label"},
                    "podLabels": {
                        "type": "object",
                        "propertyNames": {"format": "label-key"},
                        "additionalProperties": {"type": "string", "format": "label-value"},
                    },
                },
                "required": ["namespace"],
                "additionalProperties": False,
            },
            "default": _EXTERNAL_PEERS_DEFAULT,
            "description": "Pods outside the stack that policies may name, as {namespace, "
            "podLabels} (no podLabels: any pod of the namespace). The cluster DNS is always "
            "known, and so is the stack's ingress controller. Default: none.",
        }
    },
    watches=(KUBERNETES,),
)


# --------------------------------------------------------------------------- hygiene


def _check_policy_types(context: Context, config: RuleConfig) -> Iterator[Violation]:
    for policy in context.model.network_policies:
        if policy.policy_types_declared:
            continue
        inferred = ", ".join(
            kind
            for kind, on in (("Ingress", policy.affects_ingress), ("Egress", policy.affects_egress))
            if on
        )
        yield Violation(
            ResourceRef.policy(policy),
            f"NetworkPolicy {ref(policy)} omits policyTypes, so Kubernetes infers [{inferred}] "
            "from the rules present, and adding or removing an egress rule later silently "
            f"changes what it isolates; declare policyTypes: [{inferred}]",
        )


POLICY_TYPES = Rule(
    name="k8s-networkpolicy-require-policy-types",
    description="Checks that every NetworkPolicy declares its policyTypes.",
    level=Level.ADVISORY,
    severity=Severity.LOW,
    remediation="Declare spec.policyTypes ([Ingress], [Egress] or both) so adding or removing a rule later cannot change what the policy isolates.",
    url="https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource",
    tags=("kubernetes", "networkpolicy", "least-privilege"),
    check=_check_policy_types,
    watches=(KUBERNETES,),
)


def _port_text(port: PolicyPort) -> str:
    if port.port is None:
        return "every port"
    return f"port {port.port}" + (f"-{port.end_port}" if port.end_port else "")


def _check_protocols(context: Context, config: RuleConfig) -> Iterator[Violation]:
    for policy in context.model.network_policies:
        for direction in DIRECTIONS:
            for number, rule in enumerate(rules_of(policy, direction)):
                for position, port in enumerate(rule.ports):
                    if port.protocol_declared:
                        continue
                    yield Violation(
                        ResourceRef.policy(policy),
                        f"NetworkPolicy {ref(policy)} spec.{direction}[{number}].ports"
                        f"[{position}] ({_port_text(port)}) omits protocol, which defaults "
                        "to TCP; write protocol: TCP (or UDP/SCTP if that was meant)",
                    )


PORT_PROTOCOL = Rule(
    name="k8s-networkpolicy-require-port-protocol",
    description="Checks that every port of a NetworkPolicy rule names its protocol.",
    level=Level.ADVISORY,
    severity=Severity.LOW,
    remediation="Write the protocol of every port (protocol: TCP, UDP or SCTP) instead of relying on the TCP default.",
    url="https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource",
    tags=("kubernetes", "networkpolicy", "least-privilege"),
    check=_check_protocols,
    watches=(KUBERNETES,),
)


# --------------------------------------------------------------------------- intent


def _endpoint_text(endpoint: Endpoint) -> str:
    if endpoint.cidr is not None:
        return str(endpoint.cidr)
    return f"{endpoint.namespace}/{endpoint.workload or '*'}"


def _peer_text(peer: Peer) -> str:
    """`ns/name` for a workload; the CIDR (or first-last) for an external range."""
    if peer.workload is not None:
        return workload_ref(peer.workload)
    if peer.kind is PeerKind.EXTERNAL:
        first, last = ipaddress.ip_address(peer.first), ipaddress.ip_address(peer.last)
        blocks = list(ipaddress.summarize_address_range(first, last))
        return str(blocks[0]) if len(blocks) == 1 else f"{peer.first}-{peer.last}"
    return peer.name


def _why(explanation: Explanation, denying: ConnectionSet | None = None) -> str:
    """The policies behind a verdict, from `Reachability.explain`; with `denying`, only
    the side(s) that deny part of it."""
    parts: list[str] = []
    sides = ((explanation.egress, explanation.dst), (explanation.ingress, explanation.src))
    for verdict, other in sides:
        if verdict is None:
            continue
        if denying is not None and (denying - verdict.allowed).is_empty:
            continue
        parts.extend(
            line for line in verdict.lines(str(other)) if "anything else is denied" not in line
        )
    return "; ".join(parts)


def _violation(context: Context, finding: IntentFinding) -> Violation:
    """The words for one finding of `netkit.intent_check`."""
    if isinstance(finding, MissingWorkload):
        conn, endpoint = finding.connection, finding.endpoint
        return Violation(
            ResourceRef.namespace_of(context.model.namespace(endpoint.namespace or "")),
            f"declared connection {_endpoint_text(conn.source)} -> "
            f"{_endpoint_text(conn.destination)} names {_endpoint_text(endpoint)}, but "
            f"namespace {endpoint.namespace!r} has no workload {endpoint.workload!r}; "
            "declare its Deployment (pods labelled app="
            f"{endpoint.workload}) or fix the connection",
        )
    if isinstance(finding, DeniedDeclared):
        source, target = workload_ref(finding.src), workload_ref(finding.dst)
        why = _why(finding.explanation, denying=finding.declared)
        return Violation(
            ResourceRef.workload(finding.blame),
            f"{source} -> {target} is declared on {finding.declared} but {finding.missing} is "
            f"denied ({why}); allow it on both sides: an egress rule for {source} and an "
            f"ingress rule for {target}",
        )
    if isinstance(finding, ExternalNotCovered):
        name, cidr, declared = workload_ref(finding.workload), finding.cidr, finding.declared
        if finding.outgoing:
            text = (
                f"{name} -> {cidr} is declared on {declared} but not allowed to all of "
                f"{cidr}; add an egress rule for {name} with ipBlock {cidr} on {declared}"
            )
        else:
            text = (
                f"{cidr} -> {name} is declared on {declared} but not allowed from all of "
                f"{cidr}; add an ingress rule for {name} with ipBlock {cidr} on {declared}"
            )
        return Violation(ResourceRef.workload(finding.workload), text)
    if isinstance(finding, Undeclared):
        open_sides = [
            f"{direction} to namespace {namespace!r}"
            for direction, namespace in finding.open_sides()
        ]
        fix = (
            f"add a default deny for {' and '.join(open_sides)}"
            if open_sides
            else "remove the policy rule that allows it"
        )
        coverage = (
            "no connection declares it"
            if finding.covered.is_empty
            else f"the declared connections cover only {finding.covered}"
        )
        return Violation(
            ResourceRef.workload(finding.blame),
            f"{_peer_text(finding.src)} -> {_peer_text(finding.dst)} is allowed on "
            f"{finding.extra} but {coverage} ({_why(finding.explanation)}); {fix}, or declare "
            "the connection (kubernetes.connections in the stack file)",
        )
    src = finding.src
    destinations = [_peer_text(dst) for dst in finding.destinations]
    return Violation(
        ResourceRef.workload(src.workload) if src.workload is not None else ResourceRef.stack(),
        f"{_peer_text(src)} also reaches {plural(len(destinations), 'more destination')} "
        f"no connection declares ({listing(destinations)}); fix them as above",
    )


def _check_intent(context: Context, config: RuleConfig) -> Iterator[Violation]:
    findings = check_intent(
        context.model,
        context.reachability,
        exempt=_exempt(config),
        check_external=bool(config.get("checkExternal", True)),
        max_per_source=int(config.get("maxPerSource", 5)),
    )
    for finding in findings:
        yield _violation(context, finding)


INTENT = Rule(
    name="k8s-networkpolicy-intent-matches-reachability",
    description="Checks that the NetworkPolicies allow every connection the stack spec "
    "declares and nothing else (DNS egress and Ingress backends excepted).",
    level=Level.MANDATORY,
    severity=Severity.HIGH,
    remediation="Make the NetworkPolicies allow exactly the connections of kubernetes.connections in the stack file: declare the connection there, or remove the policy rule that opens more.",
    url="https://kubernetes.io/docs/concepts/services-networking/network-policies/",
    tags=("kubernetes", "networkpolicy", "least-privilege"),
    check=_check_intent,
    config={
        "exemptNamespaces": EXEMPT_NAMESPACES,
        "checkExternal": {
            "type": "boolean",
            "default": True,
            "description": "Also compare traffic to and from addresses outside the cluster "
            "(ipBlocks) with the declared CIDR connections.",
        },
        "maxPerSource": {
            "type": "integer",
            "minimum": 1,
            "default": 5,
            "description": "Undeclared connections reported in full per source; the rest of "
            "that source's are summed up in one more violation.",
        },
    },
    watches=(KUBERNETES,),
)

RULES = (
    DEFAULT_DENY,
    WORKLOAD_SELECTED,
    DNS_EGRESS,
    ALLOW_ALL,
    INGRESS_ANYWHERE,
    EMPTY_POD_SELECTOR,
    DANGLING,
    POLICY_TYPES,
    PORT_PROTOCOL,
    INTENT,
)
