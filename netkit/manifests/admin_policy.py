"""The network-policy API's cluster-wide kinds -> `TieredPolicy`.

- `policy.networking.k8s.io/v1alpha1` AdminNetworkPolicy (tier `Admin`, its `priority` the
  order; actions Allow, Deny, Pass) and BaselineAdminNetworkPolicy (tier `Baseline`, one
  object named `default`; Allow, Deny);
- `policy.networking.k8s.io/v1alpha2` ClusterNetworkPolicy (`tier: Admin` or `Baseline`,
  `priority`; Accept, Deny, Pass; `protocols` instead of `ports`).

What the API server refuses is refused here, one line naming the object and the field:
a subject, peer or port with other than exactly one field set, an empty or missing
`from`/`to`, an unknown action, a priority outside 0-1000, a CIDR that is not one (or has
host bits set), a port range whose end is below its start. Where netpol-analyzer, whose
conformance corpus netkit matches for the v1alpha1 kinds, reads on past the API, netkit
reads as it does and says so in a note: IPv6 `networks` of the v1alpha1 kinds are left out,
and a named port in a rule whose peers include `networks` or `nodes` never matches an
address. A `nodes` peer selects the host-networked pods of the Node objects it matches;
`domainNames` (which only a DNS-aware enforcer can follow) match nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from netkit.manifests.fields import FieldReader
from netkit.model import (
    Entity,
    IPNetwork,
    NamedPort,
    RuleAction,
    TieredPolicy,
    TieredRule,
)
from netkit.portset import ConnectionSet

ADMIN_KINDS = frozenset(
    {"AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"}
)
API_GROUP = "policy.networking.k8s.io"

ADMIN_TIER = "Admin"
BASELINE_TIER = "Baseline"
MAX_PRIORITY = 1000

VERSIONS = {
    "AdminNetworkPolicy": ("v1alpha1",),
    "BaselineAdminNetworkPolicy": ("v1alpha1",),
    "ClusterNetworkPolicy": ("v1alpha2", "v1beta1"),
}
"""The versions of each kind the API serves (v0.1.x for v1alpha1, v0.3.0 for the others;
v1beta1 has v1alpha2's very fields)."""

_V1ALPHA1_ACTIONS = {"Allow": RuleAction.ALLOW, "Deny": RuleAction.DENY, "Pass": RuleAction.PASS}
_V1ALPHA2_ACTIONS = {"Accept": RuleAction.ALLOW, "Deny": RuleAction.DENY, "Pass": RuleAction.PASS}


def read_admin_policy(reader: FieldReader) -> tuple[TieredPolicy, list[str]]:
    """An AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy, and notes."""
    return _AdminPolicyReader(reader).read()


class _AdminPolicyReader:
    def __init__(self, reader: FieldReader) -> None:
        self.reader = reader
        self.kind = reader.kind
        self.v1alpha2 = self.kind == "ClusterNetworkPolicy"
        self.notes: list[str] = []

    def note(self, path: str, text: str) -> None:
        self.notes.append(f"{self.reader.location} ({self.reader.what}): {path}: {text}")

    def read(self) -> tuple[TieredPolicy, list[str]]:
        reader = self.reader
        version = str(reader.obj.get("apiVersion", "")).partition("/")[2]
        if version not in VERSIONS[self.kind]:
            served = ", ".join(f"{API_GROUP}/{v}" for v in VERSIONS[self.kind])
            reader.fail("apiVersion", f"{version!r} is not a version of {self.kind} ({served})")
        if reader.obj.get("metadata", {}).get("namespace"):
            reader.fail("metadata.namespace", f"a {self.kind} is cluster-scoped; remove it")
        spec = reader.mapping(reader.obj.get("spec"), "spec", required=True)
        tier, order = self._tier_and_order(spec)
        subject = self._subject(spec.get("subject"))
        ingress = tuple(
            self._rule(raw, f"spec.ingress[{i}]", ingress=True)
            for i, raw in enumerate(reader.sequence(spec.get("ingress"), "spec.ingress"))
        )
        egress = tuple(
            self._rule(raw, f"spec.egress[{i}]", ingress=False)
            for i, raw in enumerate(reader.sequence(spec.get("egress"), "spec.egress"))
        )
        policy = TieredPolicy(
            kind=self.kind,
            name=reader.name,
            tier=tier,
            order=order,
            subject=subject,
            ingress=ingress,
            egress=egress,
            # The API: a policy without rules of a direction does not affect it.
            affects_ingress=bool(ingress),
            affects_egress=bool(egress),
            source=reader.location,
        )
        return policy, self.notes

    # -- spec

    def _tier_and_order(self, spec: Mapping[str, Any]) -> tuple[str, float]:
        reader = self.reader
        if self.kind == "BaselineAdminNetworkPolicy":
            if reader.name != "default":
                reader.fail(
                    "metadata.name",
                    f"{reader.name!r}: a BaselineAdminNetworkPolicy must be named 'default' "
                    "(the API allows one per cluster)",
                )
            return BASELINE_TIER, 0
        if self.v1alpha2:
            tier = reader.string(spec.get("tier"), "spec.tier", required=True)
            if tier not in (ADMIN_TIER, BASELINE_TIER):
                reader.fail("spec.tier", f"{tier!r} is not a tier (Admin or Baseline)")
        else:
            tier = ADMIN_TIER
        priority = reader.integer(spec.get("priority"), "spec.priority")
        if priority is None:
            reader.fail("spec.priority", "is missing (0-1000, lowest first)")
        if not 0 <= priority <= MAX_PRIORITY:
            reader.fail(
                "spec.priority",
                f"priority {priority} is outside 0-{MAX_PRIORITY}; the API server refuses it",
            )
        return tier, priority

    def _one_of(self, raw: object, path: str, keys: tuple[str, ...], what: str) -> tuple[str, Any]:
        """The one field set in `raw` among `keys` (a subject, a peer, a port)."""
        value = self.reader.mapping(raw, path)
        present = [key for key in keys if value.get(key) is not None]
        unknown = sorted(set(value) - set(keys))
        if unknown:
            self.reader.fail(
                f"{path}.{unknown[0]}", f"is not a field of {what} ({', '.join(keys)})"
            )
        if len(present) != 1:
            found = ", ".join(present) if present else "none"
            self.reader.fail(
                path, f"{what} needs exactly one of {', '.join(keys)} set; found {found}"
            )
        return present[0], value[present[0]]

    def _subject(self, raw: object) -> Entity:
        key, value = self._one_of(raw, "spec.subject", ("namespaces", "pods"), "a subject")
        return self._pod_entity(key, value, f"spec.subject.{key}")

    def _pod_entity(self, key: str, value: object, path: str) -> Entity:
        reader = self.reader
        if key == "namespaces":
            return Entity(addresses=False, namespace_selector=reader.selector(value, path))
        pods = reader.mapping(value, path, required=True)
        if pods.get("podSelector") is None:
            self.note(
                f"{path}.podSelector",
                "is missing, which the API server refuses; read as netpol-analyzer reads it, "
                "as {} (every pod); write podSelector: {}",
            )
        return Entity(
            addresses=False,
            # The API: an absent namespaceSelector is the empty one, every namespace.
            namespace_selector=reader.selector(
                pods.get("namespaceSelector"), f"{path}.namespaceSelector"
            ),
            pod_selector=reader.selector(pods.get("podSelector"), f"{path}.podSelector"),
        )

    # -- rules

    def _rule(self, raw: object, path: str, *, ingress: bool) -> TieredRule:
        reader = self.reader
        rule = reader.mapping(raw, path, required=True)
        actions = _V1ALPHA2_ACTIONS if self.v1alpha2 else _V1ALPHA1_ACTIONS
        if self.kind == "BaselineAdminNetworkPolicy":
            actions = {k: v for k, v in actions.items() if k != "Pass"}
        action_text = reader.string(rule.get("action"), f"{path}.action")
        action = actions.get(action_text)
        if action is None:
            what = f"{action_text!r} is not" if action_text else "no action is set; it needs"
            reader.fail(
                f"{path}.action", f"{what} a rule action of a {self.kind} ({', '.join(actions)})"
            )
        peers_key = "from" if ingress else "to"
        raw_peers = reader.sequence(rule.get(peers_key), f"{path}.{peers_key}")
        if not raw_peers:
            reader.fail(
                f"{path}.{peers_key}",
                f"a rule needs at least one peer in {peers_key!r} (the API server refuses an "
                "empty or missing list)",
            )
        keys = ("namespaces", "pods") if ingress else ("namespaces", "pods", "nodes", "networks")
        if not ingress and self.v1alpha2:
            keys = (*keys, "domainNames")
        peers: list[Entity] = []
        for index, raw_peer in enumerate(raw_peers):
            where = f"{path}.{peers_key}[{index}]"
            key, value = self._one_of(raw_peer, where, keys, "a peer")
            peer = self._peer(key, value, f"{where}.{key}")
            if peer is not None:
                peers.append(peer)
        conns, named = (
            self._protocols(rule.get("protocols"), f"{path}.protocols")
            if self.v1alpha2
            else self._ports(rule.get("ports"), f"{path}.ports")
        )
        if named and any(p.nets is not None or p.nodes is not None for p in peers):
            self.note(
                path,
                "a named port in a rule with networks or nodes peers: the API server refuses "
                "it; read as netpol-analyzer reads it (the named port matches no address)",
            )
        return TieredRule(
            action=action,
            peers=tuple(peers),
            conns=conns,
            named=named,
            name=reader.string(rule.get("name"), f"{path}.name"),
            path=path,
        )

    def _peer(self, key: str, value: object, path: str) -> Entity | None:
        reader = self.reader
        if key in ("namespaces", "pods"):
            return self._pod_entity(key, value, path)
        if key == "nodes":
            return Entity(addresses=False, nodes=reader.selector(value, path))
        if key == "domainNames":
            names = reader.sequence(value, path)
            if not names:
                reader.fail(path, "needs at least one domain name")
            self.note(
                path,
                "domainNames are resolved by a DNS-aware enforcer at run time; netkit cannot "
                "know their addresses, so this peer matches nothing",
            )
            return Entity(pods=False, addresses=False)
        cidrs: list[IPNetwork] = []
        items = reader.sequence(value, path)
        if not items:
            reader.fail(path, "needs at least one CIDR")
        for index, item in enumerate(items):
            where = f"{path}[{index}]"
            if not self.v1alpha2 and ":" in str(item):
                # netpol-analyzer (whose corpus netkit matches) leaves IPv6 networks out.
                _cidr(reader, item, where, strict=False)
                self.note(where, f"IPv6 network {item} left out, as netpol-analyzer leaves it out")
                continue
            cidrs.append(_cidr(reader, item, where))
        if not cidrs:
            return None
        return Entity(nets=tuple(cidrs))

    def _ports(self, raw: object, path: str) -> tuple[ConnectionSet, tuple[NamedPort, ...]]:
        """v1alpha1 `ports`: portNumber, portRange, namedPort; absent: every port."""
        reader = self.reader
        if raw is None:
            return ConnectionSet.all(), ()
        items = reader.sequence(raw, path)
        if not items:
            reader.fail(path, "an empty list; leave `ports` out to match every port")
        conns = ConnectionSet.none()
        named: list[NamedPort] = []
        for index, item in enumerate(items):
            where = f"{path}[{index}]"
            key, value = self._one_of(
                item, where, ("portNumber", "portRange", "namedPort"), "a port"
            )
            if key == "namedPort":
                named.append(
                    NamedPort(reader.port_name(value, f"{where}.namedPort", required=True))
                )
                continue
            spec = reader.mapping(value, f"{where}.{key}", required=True)
            protocol = reader.protocol(spec.get("protocol"), f"{where}.{key}.protocol")
            if key == "portNumber":
                port = reader.port_number(spec.get("port"), f"{where}.portNumber.port")
                conns |= ConnectionSet.ports(protocol, port)
                continue
            start = reader.port_number(spec.get("start"), f"{where}.portRange.start")
            end = reader.port_number(spec.get("end"), f"{where}.portRange.end")
            if end < start:
                reader.fail(
                    f"{where}.portRange",
                    f"port range {start}-{end}: the end is below the start",
                )
            conns |= ConnectionSet.ports(protocol, start, end)
        return conns, tuple(named)

    def _protocols(self, raw: object, path: str) -> tuple[ConnectionSet, tuple[NamedPort, ...]]:
        """v1alpha2 `protocols`: tcp/udp/sctp destinationPort, destinationNamedPort."""
        reader = self.reader
        if raw is None:
            return ConnectionSet.all(), ()
        items = reader.sequence(raw, path)
        if not items:
            reader.fail(path, "an empty list; leave `protocols` out to match all traffic")
        conns = ConnectionSet.none()
        named: list[NamedPort] = []
        for index, item in enumerate(items):
            where = f"{path}[{index}]"
            key, value = self._one_of(
                item, where, ("tcp", "udp", "sctp", "destinationNamedPort"), "a protocol"
            )
            if key == "destinationNamedPort":
                named.append(NamedPort(reader.port_name(value, f"{where}.{key}", required=True)))
                continue
            spec = reader.mapping(value, f"{where}.{key}", required=True)
            port_path = f"{where}.{key}.destinationPort"
            which, port = self._one_of(
                spec.get("destinationPort"), port_path, ("number", "range"), "a destinationPort"
            )
            protocol = key.upper()
            if which == "number":
                conns |= ConnectionSet.ports(
                    protocol, reader.port_number(port, f"{port_path}.number")
                )
                continue
            bounds = reader.mapping(port, f"{port_path}.range", required=True)
            start = reader.port_number(bounds.get("start"), f"{port_path}.range.start")
            end = reader.port_number(bounds.get("end"), f"{port_path}.range.end")
            if not start < end:
                reader.fail(
                    f"{port_path}.range",
                    f"port range {start}-{end}: the start must be less than the end (the API "
                    "server refuses it); write one port as `number`",
                )
            conns |= ConnectionSet.ports(protocol, start, end)
        return conns, tuple(named)


def _cidr(reader: FieldReader, value: object, path: str, *, strict: bool = True) -> IPNetwork:
    """A CIDR as the API's CEL rule reads it: valid, and (`strict`) without host bits."""
    text = reader.string(value, path, required=True).strip()
    try:
        return ipaddress.ip_network(text, strict=strict)
    except ValueError:
        pass
    try:
        masked = ipaddress.ip_network(text, strict=False)
    except ValueError:
        reader.fail(path, f"{text!r} is not a CIDR (invalid CIDR address); write e.g. 10.0.0.0/8")
    reader.fail(path, f"{text!r} has host bits set, which the API server refuses; write {masked}")


def is_admin_kind(kind: str, api_version: object) -> bool:
    """Whether an object of `kind` and `api_version` is read by this module."""
    return (
        kind in ADMIN_KINDS
        and isinstance(api_version, str)
        and api_version.split("/")[0] == API_GROUP
    )
