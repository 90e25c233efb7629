"""Observed against declared and allowed: what is used, unused and undeclared.

`learn(model, flows)` maps the flows (`netkit.observed.mapping`) and compares them
with the stack's declared connections (`model.connections`, one item per declared
port) and with what its NetworkPolicies allow beyond them (`netkit.intent_check`):

- used: a declared port some observed connection went through;
- unused: a declared port nothing used in the window (the over-privilege), and an
  allowed but undeclared connection nothing used either (`declared: false`);
- undeclared: an observed connection no declared one covers, which the next default
  deny would break.

Attempts a policy denied (Hubble, Calico) are reported apart: they are no use, and
connection tracking never sees them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from netkit.errors import NetkitError
from netkit.intent_check import Undeclared, check_intent
from netkit.model import DeclaredConnection, Endpoint, NetworkModel, PolicyPort
from netkit.observed.containers import compare_containers, is_between_containers
from netkit.observed.mapping import Mapped, ModelIndex, Party, PartyKind, Seen, Use, map_flows
from netkit.observed.read import FlowSet
from netkit.sources.merge import merge

LISTS = ("used", "unused", "undeclared")


@dataclass(frozen=True)
class Item:
    """One line of a list: `src` to `dst` on `port`/`protocol`, and what was seen."""

    src: str
    dst: str
    port: str
    """A number, a range (`8000-8100`), a named port, or `*` (every port)."""
    protocol: str
    declared: bool = True
    allowed: bool = False
    """For an unused item that is not declared: the policies allow it all the same."""
    count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    via: tuple[str, ...] = ()
    """Services the connection went through (`shop-api/api`)."""
    src_kind: str = ""
    dst_kind: str = ""
    connection: int | None = None
    """The index of the declared connection in `kubernetes.connections`."""

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "src": self.src,
            "dst": self.dst,
            "port": self.port,
            "protocol": self.protocol,
            "declared": self.declared,
            "count": self.count,
        }
        if self.first_seen is not None and self.last_seen is not None:
            document["first_seen"] = self.first_seen.isoformat()
            document["last_seen"] = self.last_seen.isoformat()
        if self.via:
            document["via"] = list(self.via)
        if self.src_kind:
            document["src_kind"], document["dst_kind"] = self.src_kind, self.dst_kind
        if self.allowed:
            document["allowed"] = True
        if self.connection is not None:
            document["connection"] = self.connection
        return document

    def line(self) -> str:
        port = f"{self.port}/{self.protocol}" if self.protocol else self.port
        seen = f"  {self.count}x" if self.count else ""
        via = f"  via {', '.join(self.via)}" if self.via else ""
        allowed = "  (allowed, not declared)" if self.allowed and not self.declared else ""
        return f"{self.src} -> {self.dst} : {port}{seen}{via}{allowed}"


@dataclass(frozen=True)
class LearnReport:
    used: tuple[Item, ...]
    unused: tuple[Item, ...]
    undeclared: tuple[Item, ...]
    denied: tuple[Item, ...]
    """Attempts a policy denied ("attempted, denied")."""
    unmapped: Mapping[str, int]
    window: tuple[datetime, datetime] | None
    sees_denied: bool
    """Whether any file could show denied attempts (conntrack cannot)."""
    notes: tuple[str, ...] = ()
    undeclared_uses: tuple[Use, ...] = field(default=(), compare=False)
    beside: tuple[tuple[str, str, str], ...] = ()
    """`(unmapped end, "from" or "to", mapped end)`: an unmapped address seen opposite a
    workload, Service or container (`from`: the unmapped end was the source)."""
    addresses_known: bool = False
    """Whether what runs was read (`addresses`): then every pod and container of the model
    has its address, and an unmapped address seen only beside other unmapped ones (a node,
    loopback, the API server) cannot be an end of a declared connection."""

    @property
    def has_findings(self) -> bool:
        return bool(self.unused or self.undeclared)

    def to_json(self) -> dict[str, Any]:
        return {
            "window": None
            if self.window is None
            else {"start": self.window[0].isoformat(), "end": self.window[1].isoformat()},
            "used": [item.to_json() for item in self.used],
            "unused": [item.to_json() for item in self.unused],
            "undeclared": [item.to_json() for item in self.undeclared],
            "denied": [item.to_json() for item in self.denied],
            "denied_visible": self.sees_denied,
            "unmapped": dict(sorted(self.unmapped.items())),
            "notes": list(self.notes),
        }


def _endpoint_matches(endpoint: Endpoint, party: Party) -> bool:
    if endpoint.cidr is not None:
        if party.kind not in (PartyKind.EXTERNAL, PartyKind.UNMAPPED) or "/" in party.name:
            return False
        address = ipaddress.ip_address(party.name)
        return address.version == endpoint.cidr.version and address in endpoint.cidr
    if party.kind not in (PartyKind.WORKLOAD, PartyKind.SERVICE):
        return False
    if party.namespace != endpoint.namespace:
        return False
    return endpoint.workload is None or endpoint.workload == party.workload


def _port_matches(
    port: PolicyPort, use: Use, named: Mapping[tuple[str, str], Mapping[str, int]]
) -> bool:
    if port.protocol.upper() != use.protocol:
        return False
    if port.port is None:
        return True
    if isinstance(port.port, str):
        number = named.get((use.dst.namespace, use.dst.workload), {}).get(port.port)
        return number == use.port
    return port.port <= use.port <= (port.end_port or port.port)


def _is_dns(model: NetworkModel, use: Use) -> bool:
    """Traffic to the cluster DNS, which every pod may send without declaring it."""
    return use.dst.namespace == model.dns_namespace and use.port == 53


def endpoint_text(endpoint: Endpoint) -> str:
    """A declared end as the report writes it: `namespace/name`, `namespace/*`, a CIDR."""
    if endpoint.cidr is not None:
        return str(endpoint.cidr)
    return f"{endpoint.namespace}/{endpoint.workload or '*'}"


def port_text(port: PolicyPort) -> str:
    """A declared port as the report writes it: `8080`, `8000-8100`, `http`, `*`."""
    if port.port is None:
        return "*"
    if port.end_port is not None:
        return f"{port.port}-{port.end_port}"
    return str(port.port)


def _item(use: Use, seen: Seen, *, declared: bool, connection: int | None = None) -> Item:
    return Item(
        src=use.src.name,
        dst=use.dst.name,
        port=str(use.port),
        protocol=use.protocol,
        declared=declared,
        count=seen.count,
        first_seen=seen.first_seen,
        last_seen=seen.last_seen,
        via=tuple(sorted(seen.via)),
        src_kind=str(use.src.kind),
        dst_kind=str(use.dst.kind),
        connection=connection,
    )


def _merge(seen: Iterable[Seen]) -> Seen | None:
    total: Seen | None = None
    for each in seen:
        if total is None:
            total = Seen(each.count, each.first_seen, each.last_seen, set(each.via))
        else:
            total.count += each.count
            total.first_seen = min(total.first_seen, each.first_seen)
            total.last_seen = max(total.last_seen, each.last_seen)
            total.via |= each.via
    return total


def compare(
    model: NetworkModel, mapped: Mapped, *, allowed: bool = True
) -> tuple[list[Item], list[Item], list[Item], list[Use]]:
    """(used, unused, undeclared, the undeclared uses) of `mapped` against `model`."""
    if model.connections is None:
        raise NetkitError(
            "the model declares no connections (manifests and clusters have none); "
            "give --stack NAME, whose kubernetes.connections are compared"
        )
    named = {
        (w.namespace, w.name): {p.name: p.port for p in w.ports if p.name} for w in model.workloads
    }
    declared: list[tuple[int, DeclaredConnection, PolicyPort]] = [
        (index, conn, port)
        for index, conn in enumerate(model.connections)
        for port in (conn.ports or (PolicyPort(port=None),))
    ]
    covering: dict[int, list[Seen]] = {i: [] for i in range(len(declared))}
    undeclared: list[tuple[Use, Seen]] = []
    between_containers = [(u, s) for u, s in mapped.uses.items() if is_between_containers(u)]
    containers = compare_containers(model, between_containers)
    undeclared += containers.undeclared
    for use, seen in mapped.uses.items():
        if is_between_containers(use):
            continue  # judged against the Docker half above
        hit = False
        for number, (_index, conn, port) in enumerate(declared):
            if (
                _endpoint_matches(conn.source, use.src)
                and _endpoint_matches(conn.destination, use.dst)
                and _port_matches(port, use, named)
            ):
                covering[number].append(seen)
                hit = True
        unmapped = PartyKind.UNMAPPED in (use.src.kind, use.dst.kind)
        # An unmapped end is reported with the unmapped ones: nothing to declare it with.
        if not hit and not unmapped and not _is_dns(model, use):
            undeclared.append((use, seen))
    used: list[Item] = []
    unused: list[Item] = []
    for number, (index, conn, port) in enumerate(declared):
        total = _merge(covering[number])
        item = Item(
            src=endpoint_text(conn.source),
            dst=endpoint_text(conn.destination),
            port=port_text(port),
            protocol=port.protocol.upper(),
            connection=index,
        )
        if total is None:
            unused.append(item)
        else:
            used.append(
                replace(
                    item,
                    count=total.count,
                    first_seen=total.first_seen,
                    last_seen=total.last_seen,
                    via=tuple(sorted(total.via)),
                )
            )
    used += [
        _item(use, seen, declared=True)
        for use, seen in sorted(
            containers.used, key=lambda pair: (pair[0].src.name, pair[0].dst.name, pair[0].port)
        )
    ]
    unused += [
        Item(src, dst, port, protocol, src_kind="container", dst_kind="container")
        for src, dst, port, protocol in containers.unused
    ]
    if allowed:
        unused += _allowed_unused(model, mapped)
    undeclared.sort(
        key=lambda pair: (pair[0].src.name, pair[0].dst.name, pair[0].protocol, pair[0].port)
    )
    return (
        used,
        unused,
        [_item(use, seen, declared=False) for use, seen in undeclared],
        [use for use, _ in undeclared],
    )


def _allowed_unused(model: NetworkModel, mapped: Mapped) -> list[Item]:
    """Connections the policies allow beyond the declared ones that nothing used."""
    by_pair: dict[tuple[str, str], list[Use]] = {}
    for use in mapped.uses:
        by_pair.setdefault((use.src.name, use.dst.name), []).append(use)
    items: list[Item] = []
    for finding in check_intent(model, max_per_source=1_000_000):
        if not isinstance(finding, Undeclared):
            continue
        src, dst = (_peer_name(p) for p in (finding.src, finding.dst))
        uses = by_pair.get((src, dst), [])
        if any(finding.extra.allows(use.protocol, use.port) for use in uses):
            continue
        for protocol, (first, last) in finding.extra:
            port = (
                "*"
                if (first, last) == (0, 65535) or (first, last) == (1, 65535)
                else (str(first) if first == last else f"{first}-{last}")
            )
            items.append(Item(src, dst, port, protocol, declared=False, allowed=True))
    return items


def _peer_name(peer: Any) -> str:
    workload = peer.workload
    if workload is not None:
        return f"{workload.namespace}/{workload.name}"
    return str(peer.name)


def learn(
    model: NetworkModel,
    flows: FlowSet,
    *,
    allowed: bool = True,
    addresses: NetworkModel | None = None,
) -> LearnReport:
    """The three lists, the denied attempts and what could not be mapped. `addresses`:
    a model of what runs (a live cluster, running engines) whose pod, Service and
    container addresses map the flows that name only addresses; `model` (the stack's)
    gives the declared connections and the policies. `allowed: False` leaves out the
    allowed but undeclared connections nothing used."""
    index = ModelIndex(model if addresses is None else merge(model, addresses))
    mapped = map_flows(index, flows.flows, flows.denied)
    used, unused, undeclared, uses = compare(model, mapped, allowed=allowed)
    denied = sorted(
        (_item(use, seen, declared=False) for use, seen in mapped.denied.items()),
        key=lambda item: (item.src, item.dst, item.protocol, item.port),
    )
    notes = flows.notes
    unmapped = dict(mapped.unmapped)
    dns = 0
    for use, seen in mapped.uses.items():
        if _is_dns(model, use):
            dns += seen.count
            if use.dst.kind is PartyKind.UNMAPPED:  # the DNS Service is no object of the stack
                unmapped[use.dst.name] -= seen.count
    unmapped = {name: count for name, count in unmapped.items() if count > 0}
    beside = sorted(
        {
            (lone.name, side, other.name)
            for use in mapped.uses
            for lone, side, other in ((use.src, "from", use.dst), (use.dst, "to", use.src))
            if lone.name in unmapped
            and lone.kind is PartyKind.UNMAPPED
            and other.kind is not PartyKind.UNMAPPED
        }
    )
    if dns:
        notes += (
            f"{dns} flow(s) to the cluster DNS ({model.dns_namespace}, port 53) are not "
            "compared: every pod may reach it without declaring it",
        )
    if unmapped:
        ends = sum(unmapped.values())
        notes += (
            f"{len(unmapped)} address(es) or name(s) ({ends} flow end(s)) map to no "
            "object of the model, and what they carried is in no list: a declared connection "
            "they used is listed as unused. Give the addresses of what runs "
            "(--kubeconfig/--context, --docker) for files that name only addresses",
        )
    return LearnReport(
        used=tuple(used),
        unused=tuple(unused),
        undeclared=tuple(undeclared),
        denied=tuple(denied),
        unmapped=unmapped,
        window=flows.window,
        sees_denied=flows.sees_denied,
        notes=notes,
        undeclared_uses=tuple(uses),
        beside=tuple(beside),
        addresses_known=addresses is not None,
    )


__all__ = ["LISTS", "Item", "LearnReport", "compare", "endpoint_text", "learn", "port_text"]
