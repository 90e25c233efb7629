"""Calico's policy kinds (`projectcalico.org/v3`) -> `TieredPolicy` and `PolicyTier`.

Read: NetworkPolicy, GlobalNetworkPolicy, StagedNetworkPolicy, StagedGlobalNetworkPolicy,
StagedKubernetesNetworkPolicy and Tier, as `projectcalico.org/v3` (what `calicoctl` and
Calico's API server speak, and what its CRDs serve) or `crd.projectcalico.org/v1` (the
objects Calico stores). Each field is read as Calico reads it (its API types, its
validator and `libcalico-go`'s conversion of rules):

- `selector`, `namespaceSelector`, `serviceAccountSelector` and the selectors of rules are
  Calico selector expressions (`netkit.calico_selector`); an empty one is `all()`. A rule
  selector of a namespaced policy matches its own namespace unless the rule has a
  namespaceSelector; as soon as a rule names endpoints (selector, notSelector,
  namespaceSelector, serviceAccounts) it matches endpoints only, never other addresses.
- `types` defaults from the rules: Egress alone when there are only egress rules,
  Ingress and Egress with both, Ingress otherwise. Rules of a direction `types` leaves
  out are accepted by Calico's validator and decide nothing (said in a note).
- `order` sorts policies in their tier (lowest first; none: last); `tier` defaults to
  `default`, where Kubernetes NetworkPolicies sit with order 1000.
- Rules: `action` Allow, Deny, Pass or Log; `protocol`/`notProtocol` (TCP, UDP, SCTP,
  ICMP, ICMPv6, UDPLite or a number); `icmp`/`notICMP` (type, code); `ipVersion`;
  `source`/`destination` with `nets`, `notNets`, `selector`, `notSelector`,
  `namespaceSelector`, `serviceAccounts` (names, selector), `services` (name, namespace),
  and destination `ports`/`notPorts` (numbers, `first:last` ranges, names).

Refused, one line each: what Calico's validator refuses (ports without TCP, UDP or SCTP,
`icmp` without ICMP, a code without a type, a bad selector, naming the column, a type named
twice, `services` on the local side of a rule or beside destination ports, a staged
deletion with spec fields besides its tier), and what netkit cannot follow (`http`
matches, which need Calico's application layer; source ports). A GlobalNetworkPolicy with `doNotTrack` or `preDNAT` governs host endpoints only and
is left out with a note; traffic a rule matches only outside netkit's connection sets
(ICMPv6, other IP protocols) is said in a note.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from netkit.calico_selector import CalicoSelector, SelectorError, parse
from netkit.digits import decimal
from netkit.manifests.fields import FieldReader
from netkit.model import (
    Entity,
    IPNetwork,
    NamedPort,
    NetworkPolicy,
    NetworkSet,
    PolicyTier,
    RuleAction,
    ServiceRef,
    StagedAction,
    TieredPolicy,
    TieredRule,
    TierEnd,
    frozen_labels,
)
from netkit.portset import ConnectionSet

API_GROUPS = frozenset({"projectcalico.org", "crd.projectcalico.org"})
POLICY_KINDS = frozenset(
    {
        "NetworkPolicy",
        "GlobalNetworkPolicy",
        "StagedNetworkPolicy",
        "StagedGlobalNetworkPolicy",
    }
)
CALICO_KINDS = POLICY_KINDS | {
    "StagedKubernetesNetworkPolicy",
    "Tier",
    "NetworkSet",
    "GlobalNetworkSet",
}
DEFAULT_TIER = "default"
TIER_ALIASES = {
    "adminnetworkpolicy": "Admin",
    "kube-admin": "Admin",
    "baselineadminnetworkpolicy": "Baseline",
    "kube-baseline": "Baseline",
}
"""Calico's own tiers for the network-policy API's kinds, as netkit names them."""

_ACTIONS = {a.value: a for a in RuleAction}
_PORT_PROTOCOLS = {
    "TCP": "TCP",
    "UDP": "UDP",
    "SCTP": "SCTP",
    "6": "TCP",
    "17": "UDP",
    "132": "SCTP",
}
_ICMP = {"ICMP", "1"}
_OUTSIDE = {"ICMPV6": "ICMPv6", "58": "ICMPv6", "UDPLITE": "UDPLite", "136": "UDPLite"}


def is_calico_kind(kind: str, api_version: object) -> bool:
    """Whether an object of `kind` and `api_version` is one of Calico's read here."""
    return (
        kind in CALICO_KINDS
        and isinstance(api_version, str)
        and api_version.split("/")[0] in API_GROUPS
    )


def read_tier(reader: FieldReader) -> PolicyTier:
    spec = reader.mapping(reader.obj.get("spec"), "spec")
    order = _order(reader, spec.get("order"), "spec.order")
    default = reader.string(spec.get("defaultAction"), "spec.defaultAction") or "Deny"
    if default not in ("Deny", "Pass"):
        reader.fail("spec.defaultAction", f"{default!r} is not a tier's default (Deny or Pass)")
    name = TIER_ALIASES.get(reader.name, reader.name)
    return PolicyTier(name, order, TierEnd(default), reader.location)


def read_network_set(reader: FieldReader) -> NetworkSet:
    """A NetworkSet or GlobalNetworkSet: its labels and nets (addresses or CIDRs)."""
    metadata = reader.mapping(reader.obj.get("metadata"), "metadata")
    labels = reader.labels(metadata.get("labels"), "metadata.labels")
    spec = reader.mapping(reader.obj.get("spec"), "spec")
    nets: list[IPNetwork] = []
    for index, item in enumerate(reader.sequence(spec.get("nets"), "spec.nets")):
        text = reader.string(item, f"spec.nets[{index}]", required=True).strip()
        try:
            nets.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            reader.fail(f"spec.nets[{index}]", f"{text!r} is not a CIDR or an IP address")
    namespace = "" if reader.kind == "GlobalNetworkSet" else reader.namespace
    return NetworkSet(reader.name, namespace, frozen_labels(labels), tuple(nets), reader.location)


def read_calico_policy(reader: FieldReader) -> tuple[TieredPolicy | None, list[str]]:
    """A Calico policy (None when it governs host endpoints only), and notes."""
    return _CalicoPolicyReader(reader).read()


def read_staged_kubernetes_policy(
    reader: FieldReader, read_network_policy: Any
) -> tuple[StagedAction, NetworkPolicy]:
    """A StagedKubernetesNetworkPolicy: its stagedAction and the NetworkPolicy it stages."""
    spec = reader.mapping(reader.obj.get("spec"), "spec")
    action = _staged_action(reader, spec)
    body = {k: v for k, v in spec.items() if k != "stagedAction"}
    staged = FieldReader(reader.source, {**reader.obj, "spec": body}, reader.kind, reader.prefix)
    staged.name, staged.namespace, staged.what = reader.name, reader.namespace, reader.what
    policy: NetworkPolicy = read_network_policy(staged)
    return action, policy


def _staged_action(
    reader: FieldReader, spec: Mapping[str, Any], keep: frozenset[str] = frozenset()
) -> StagedAction:
    text = reader.string(spec.get("stagedAction"), "spec.stagedAction") or "Set"
    if text not in ("Set", "Delete"):
        reader.fail("spec.stagedAction", f"{text!r} is not a staged action (Set or Delete)")
    if text == "Delete":
        # Calico's validator: a staged deletion names its policy by name alone; every spec
        # field but the tier (`keep`) holds its zero value (an empty list is not one).
        for key, value in spec.items():
            if key != "stagedAction" and key not in keep and value not in (None, "", False, {}):
                reader.fail(f"spec.{key}", "must be left out when stagedAction is Delete")
    return StagedAction(text)


def _order(reader: FieldReader, value: object, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        reader.fail(path, f"expected a number, got {value!r}")
    return float(value)


class _CalicoPolicyReader:
    def __init__(self, reader: FieldReader) -> None:
        self.reader = reader
        self.kind = reader.kind
        self.global_ = "Global" in self.kind
        self.namespace = "" if self.global_ else reader.namespace
        self.notes: list[str] = []

    def note(self, path: str, text: str) -> None:
        self.notes.append(f"{self.reader.location} ({self.reader.what}): {path}: {text}")

    def selector(self, value: object, path: str) -> CalicoSelector | None:
        if value is None:
            return None
        text = self.reader.string(value, path)
        try:
            return parse(text)
        except SelectorError as error:
            self.reader.fail(path, f"selector {text!r}: {error}")

    def read(self) -> tuple[TieredPolicy | None, list[str]]:
        reader = self.reader
        spec = reader.mapping(reader.obj.get("spec"), "spec")
        staged = (
            _staged_action(reader, spec, frozenset({"tier"}))
            if self.kind.startswith("Staged")
            else None
        )
        if self.global_ and (spec.get("doNotTrack") is True or spec.get("preDNAT") is True):
            self.note(
                "spec",
                "doNotTrack or preDNAT: the policy governs host endpoints only, not pods; left "
                "out of the analysis",
            )
            return None, self.notes
        tier = reader.string(spec.get("tier"), "spec.tier") or DEFAULT_TIER
        ingress = tuple(
            self._rule(raw, f"spec.ingress[{i}]", ingress=True)
            for i, raw in enumerate(reader.sequence(spec.get("ingress"), "spec.ingress"))
        )
        egress = tuple(
            self._rule(raw, f"spec.egress[{i}]", ingress=False)
            for i, raw in enumerate(reader.sequence(spec.get("egress"), "spec.egress"))
        )
        affects_ingress, affects_egress = self._types(spec, bool(ingress), bool(egress))
        # Calico's validator takes rules of a direction `types` leaves out (so that one
        # policy served type-less and typed Felix alike); the policy applies in the listed
        # directions only, so those rules decide nothing.
        if ingress and not affects_ingress:
            self.note("spec.ingress", "ingress rules in a policy whose types lack Ingress: ignored")
            ingress = ()
        if egress and not affects_egress:
            self.note("spec.egress", "egress rules in a policy whose types lack Egress: ignored")
            egress = ()
        namespaces = (
            self.selector(spec.get("namespaceSelector"), "spec.namespaceSelector")
            if self.global_
            else None
        )
        if namespaces is not None and namespaces.is_global:
            reader.fail(
                "spec.namespaceSelector", "global() is only valid in a rule's namespaceSelector"
            )
        subject = Entity(
            addresses=False,
            namespace=self.namespace or None,
            namespace_selector=namespaces,
            pod_selector=self.selector(spec.get("selector"), "spec.selector") or parse(""),
            service_account_selector=self.selector(
                spec.get("serviceAccountSelector"), "spec.serviceAccountSelector"
            ),
        )
        policy = TieredPolicy(
            kind=self.kind,
            name=reader.name,
            namespace=self.namespace,
            tier=TIER_ALIASES.get(tier, tier),
            order=_order(reader, spec.get("order"), "spec.order"),
            subject=subject,
            ingress=ingress,
            egress=egress,
            affects_ingress=affects_ingress,
            affects_egress=affects_egress,
            staged=staged,
            source=reader.location,
        )
        return policy, self.notes

    def _types(self, spec: Mapping[str, Any], ingress: bool, egress: bool) -> tuple[bool, bool]:
        reader = self.reader
        declared = [
            reader.string(item, f"spec.types[{i}]")
            for i, item in enumerate(reader.sequence(spec.get("types"), "spec.types"))
        ]
        for i, text in enumerate(declared):
            if text not in ("Ingress", "Egress"):
                reader.fail(
                    f"spec.types[{i}]", f"{text!r} is not a policy type (Ingress or Egress)"
                )
        if len(set(declared)) < len(declared):
            reader.fail("spec.types", "names a policy type twice")
        if declared:
            return "Ingress" in declared, "Egress" in declared
        # Calico's default: Egress alone for egress-only rules, both for both, else Ingress.
        if egress and not ingress:
            return False, True
        return True, egress

    # -- rules

    def _rule(self, raw: object, path: str, *, ingress: bool) -> TieredRule:
        reader = self.reader
        rule = reader.mapping(raw, path, required=True)
        action_text = reader.string(rule.get("action"), f"{path}.action", required=True)
        action = _ACTIONS.get(action_text)
        if action is None:
            reader.fail(
                f"{path}.action", f"{action_text!r} is not an action (Allow, Deny, Pass, Log)"
            )
        if rule.get("http") is not None:
            reader.fail(
                f"{path}.http",
                "HTTP matches need Calico's application layer policy, which netkit does not "
                "analyse; express the rule with ports, or leave this policy out",
            )
        version = reader.integer(rule.get("ipVersion"), f"{path}.ipVersion")
        if version not in (None, 4, 6):
            reader.fail(f"{path}.ipVersion", f"{version} is not an IP version (4 or 6)")
        protocol = self._protocol(rule.get("protocol"), f"{path}.protocol")
        not_protocol = self._protocol(rule.get("notProtocol"), f"{path}.notProtocol")
        source = reader.mapping(rule.get("source"), f"{path}.source")
        destination = reader.mapping(rule.get("destination"), f"{path}.destination")
        for side, where in ((source, "source"), (destination, "destination")):
            for key in ("ports", "notPorts"):
                if where == "source" and side.get(key) is not None:
                    reader.fail(
                        f"{path}.source.{key}",
                        "source ports cannot be told from the connections netkit lists (it "
                        "analyses destination ports); remove them or leave this policy out",
                    )
        # Calico's validator: a Service is a peer (an ingress rule's source, an egress
        # rule's destination), and a destination Service brings its own ports.
        local_side = "destination" if ingress else "source"
        if (destination if ingress else source).get("services") is not None:
            reader.fail(
                f"{path}.{local_side}.services",
                f"not allowed in an {'ingress' if ingress else 'egress'} rule's {local_side}",
            )
        if destination.get("services") is not None:
            for key in ("ports", "notPorts"):
                if destination.get(key) is not None:
                    reader.fail(
                        f"{path}.destination.{key}",
                        "cannot be given with destination services (the Service's ports apply)",
                    )
        peer_raw, local_raw = (source, destination) if ingress else (destination, source)
        peer_path = f"{path}.{'source' if ingress else 'destination'}"
        local_path = f"{path}.{'destination' if ingress else 'source'}"
        peer = self._entity(peer_raw, peer_path, version)
        local = self._entity(local_raw, local_path, None, local=True)
        conns, named = self._conns(rule, path, protocol, destination)
        not_conns, not_named = self._not_conns(rule, path, protocol, not_protocol, destination)
        # An egress rule's destination `services` restrict the ports too: to the Service's
        # target ports.
        service = None if ingress else peer.service
        return TieredRule(
            action=action,
            peers=(peer,),
            local=local,
            conns=conns,
            named=named,
            not_conns=not_conns,
            not_named=not_named,
            service_ports=service,
            path=path,
        )

    def _protocol(self, value: object, path: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            self.reader.fail(path, f"expected a protocol name or number, got {value!r}")
        text = str(value).upper()
        number = decimal(text)
        if number is not None and not 1 <= number <= 255:
            self.reader.fail(path, f"{value} is not an IP protocol number (1-255)")
        if number is None and text not in {"TCP", "UDP", "SCTP", "ICMP", "ICMPV6", "UDPLITE"}:
            self.reader.fail(
                path, f"{value!r} is not a protocol (TCP, UDP, SCTP, ICMP, ICMPv6, UDPLite, 1-255)"
            )
        return text

    def _protocol_conns(self, protocol: str, path: str) -> ConnectionSet:
        if protocol in _PORT_PROTOCOLS:
            return ConnectionSet.protocol(_PORT_PROTOCOLS[protocol])
        if protocol in _ICMP:
            return ConnectionSet.icmp()
        self.note(
            path,
            f"protocol {_OUTSIDE.get(protocol, protocol)}: traffic netkit's connection sets do "
            "not hold (TCP, UDP and SCTP ports, ICMP for IPv4), so this match takes none of it",
        )
        return ConnectionSet.none()

    def _icmp(self, raw: object, path: str, protocol: str | None) -> ConnectionSet | None:
        if raw is None:
            return None
        spec = self.reader.mapping(raw, path)
        kind = self.reader.integer(spec.get("type"), f"{path}.type")
        code = self.reader.integer(spec.get("code"), f"{path}.code")
        if code is not None and kind is None:
            self.reader.fail(f"{path}.code", "an ICMP code needs a type")
        if protocol is None or (protocol not in _ICMP and protocol not in ("ICMPV6", "58")):
            self.reader.fail(path, "ICMP matches need protocol ICMP or ICMPv6")
        if kind is not None and not 0 <= kind <= 254:
            self.reader.fail(f"{path}.type", f"{kind} is not an ICMP type (0-254)")
        if code is not None and not 0 <= code <= 255:
            self.reader.fail(f"{path}.code", f"{code} is not an ICMP code (0-255)")
        if protocol not in _ICMP:
            return ConnectionSet.none()  # ICMPv6: outside the sets, noted with the protocol
        return ConnectionSet.icmp(kind, code)

    def _conns(
        self,
        rule: Mapping[str, Any],
        path: str,
        protocol: str | None,
        destination: Mapping[str, Any],
    ) -> tuple[ConnectionSet, tuple[NamedPort, ...]]:
        base = (
            ConnectionSet.all()
            if protocol is None
            else self._protocol_conns(protocol, f"{path}.protocol")
        )
        icmp = self._icmp(rule.get("icmp"), f"{path}.icmp", protocol)
        if icmp is not None:
            base = icmp
        ports = destination.get("ports")
        if ports is None:
            return base, ()
        return self._ports(ports, f"{path}.destination.ports", protocol)

    def _not_conns(
        self,
        rule: Mapping[str, Any],
        path: str,
        protocol: str | None,
        not_protocol: str | None,
        destination: Mapping[str, Any],
    ) -> tuple[ConnectionSet, tuple[NamedPort, ...]]:
        excluded = ConnectionSet.none()
        if not_protocol is not None:
            excluded |= self._protocol_conns(not_protocol, f"{path}.notProtocol")
        icmp = self._icmp(rule.get("notICMP"), f"{path}.notICMP", protocol)
        if icmp is not None:
            excluded |= icmp
        named: tuple[NamedPort, ...] = ()
        if destination.get("notPorts") is not None:
            ports, named = self._ports(
                destination.get("notPorts"), f"{path}.destination.notPorts", protocol
            )
            excluded |= ports
        return excluded, named

    def _ports(
        self, raw: object, path: str, protocol: str | None
    ) -> tuple[ConnectionSet, tuple[NamedPort, ...]]:
        reader = self.reader
        if protocol not in _PORT_PROTOCOLS:
            reader.fail(
                path,
                "ports need the rule's protocol to be TCP, UDP or SCTP (Calico's validator "
                "refuses them otherwise); add `protocol: TCP`",
            )
        name = _PORT_PROTOCOLS[protocol]
        conns = ConnectionSet.none()
        named: list[NamedPort] = []
        for index, item in enumerate(reader.sequence(raw, path)):
            where = f"{path}[{index}]"
            if isinstance(item, int) and not isinstance(item, bool):
                conns |= ConnectionSet.ports(name, reader.port_number(item, where))
                continue
            text = reader.string(item, where, required=True)
            first, colon, last = text.partition(":")
            low, high = decimal(first), decimal(last) if colon else decimal(first)
            if low is not None and high is not None:
                if not (1 <= low <= 65535 and 1 <= high <= 65535) or high < low:
                    reader.fail(where, f"{text!r} is not a port or a first:last range of ports")
                conns |= ConnectionSet.ports(name, low, high)
            elif colon:
                reader.fail(where, f"{text!r} is not a first:last range of ports")
            else:
                named.append(NamedPort(reader.port_name(text, where, required=True), name))
        return conns, tuple(named)

    def _entity(
        self, raw: Mapping[str, Any], path: str, version: int | None, *, local: bool = False
    ) -> Entity:
        reader = self.reader
        selector = self.selector(raw.get("selector"), f"{path}.selector")
        not_selector = self.selector(raw.get("notSelector"), f"{path}.notSelector")
        ns_selector = self.selector(raw.get("namespaceSelector"), f"{path}.namespaceSelector")
        for value, where in ((selector, "selector"), (not_selector, "notSelector")):
            if value is not None and value.is_global:
                reader.fail(f"{path}.{where}", "global() is only valid in a namespaceSelector")
        accounts = reader.mapping(raw.get("serviceAccounts"), f"{path}.serviceAccounts")
        names = frozenset(
            reader.string(item, f"{path}.serviceAccounts.names[{i}]", required=True)
            for i, item in enumerate(
                reader.sequence(accounts.get("names"), f"{path}.serviceAccounts.names")
            )
        )
        account_selector = self.selector(
            accounts.get("selector"), f"{path}.serviceAccounts.selector"
        )
        service: ServiceRef | None = None
        if raw.get("services") is not None:
            spec = reader.mapping(raw.get("services"), f"{path}.services")
            name = reader.string(spec.get("name"), f"{path}.services.name", required=True)
            namespace = reader.string(spec.get("namespace"), f"{path}.services.namespace")
            if not namespace and self.global_:
                reader.fail(f"{path}.services.namespace", "is required in a global policy")
            if any(
                raw.get(k) is not None
                for k in (
                    "selector",
                    "notSelector",
                    "namespaceSelector",
                    "serviceAccounts",
                    "nets",
                    "notNets",
                )
            ):
                reader.fail(
                    f"{path}.services",
                    "cannot be combined with selectors, service accounts or nets",
                )
            service = ServiceRef(namespace or self.namespace, name)
        nets = self._nets(raw.get("nets"), f"{path}.nets")
        not_nets = self._nets(raw.get("notNets"), f"{path}.notNets")
        named_endpoints = (
            selector is not None or not_selector is not None or ns_selector is not None or accounts
        )
        # libcalico-go: a namespaced policy's rule that names endpoints is kept to its own
        # namespace unless the rule has a namespaceSelector.
        scope = (
            self.namespace if named_endpoints and ns_selector is None and self.namespace else None
        )
        global_ns = ns_selector is not None and ns_selector.is_global
        return Entity(
            pods=not global_ns,
            network_sets=bool(named_endpoints) and not local,
            addresses=not (
                selector is not None
                or ns_selector is not None
                or bool(accounts)
                or scope is not None
                or service is not None
            ),
            namespace=scope,
            # all() is every namespace; global() stays, to take GlobalNetworkSets only.
            namespace_selector=None if ns_selector is None or ns_selector.is_all else ns_selector,
            pod_selector=selector,
            not_pod_selector=not_selector,
            service_accounts=names or None,
            service_account_selector=account_selector,
            service=service,
            nets=tuple(nets) if nets else None,
            not_nets=tuple(not_nets),
            ip_version=version,
        )

    def _nets(self, raw: object, path: str) -> list[IPNetwork]:
        nets: list[IPNetwork] = []
        for index, item in enumerate(self.reader.sequence(raw, path)):
            text = self.reader.string(item, f"{path}[{index}]", required=True).strip()
            try:
                # Calico takes an address for its /32 (/128) and masks host bits.
                nets.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                self.reader.fail(f"{path}[{index}]", f"{text!r} is not a CIDR or an IP address")
        return nets


__all__ = [
    "CALICO_KINDS",
    "is_calico_kind",
    "read_calico_policy",
    "read_staged_kubernetes_policy",
    "read_tier",
]
