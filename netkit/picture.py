"""One picture of a whole stack: Docker hosts, networks and containers, Kubernetes
namespaces and workloads, and the connections allowed between them.

`Picture.of(reach)` lays the model out as a Graphviz graph:

- each Docker host is a box holding its bridges and containers and the host itself;
  overlays sit between the hosts they span; a container is tied to each network it joins
  (labelled with its aliases there). Containers on one network reach each other, so the
  picture draws the network rather than every pair; a bridge with ICC off is dashed red,
  an internal network dashed grey;
- published ports are arrows from the host (and from the outside) to the container;
- each Kubernetes namespace is a box holding its workloads; allowed connections are
  arrows labelled with their ports, the ingress controller and external ranges outside.

Every node and edge carries an `id` (`n3`, `e7`) under which `Picture.data` describes it
(its kind, host, networks, namespace, and the explanation of each connection it is an end
of), for the HTML page (`netkit.report`) to filter and explain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from netkit.connectivity import Connectivity
from netkit.docker_reach import Segment, host_of
from netkit.reachability import Connection, Peer, PeerKind

__all__ = ["Picture"]

_DOCKER = frozenset({PeerKind.CONTAINER, PeerKind.HOST})


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _attrs(**values: str) -> str:
    return " ".join(f"{key}={_quote(value)}" for key, value in values.items())


@dataclass
class Picture:
    """The graph of a stack (`dot`) and what each of its elements is (`data`)."""

    title: str
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Node id -> {kind, name, label, host, networks, namespace}."""
    edges: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Edge id -> {kind, src, dst, conn, explanation}."""
    connections: list[dict[str, Any]] = field(default_factory=list)
    """Every connection (and denied pair) with its explanation lines."""
    names: dict[str, list[str]] = field(default_factory=dict)
    """Container -> the names it resolves (`names: NAME -> ...` lines)."""
    _ids: dict[str, str] = field(default_factory=dict)
    _lines: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, reach: Connectivity, title: str, rows: Sequence[Connection] = ()) -> Picture:
        """The picture of `reach`'s model; `rows` are the connections to draw (default:
        all of them)."""
        picture = cls(title)
        picture._build(reach, list(rows) or reach.connections())
        return picture

    # -- graph

    def dot(self) -> str:
        return "\n".join(self._lines)

    def _id(self, key: str) -> str:
        if key not in self._ids:
            self._ids[key] = f"n{len(self._ids)}"
        return self._ids[key]

    def _node(self, key: str, label: str, indent: str, shape: str, color: str, **info: Any) -> None:
        ident = self._id(key)
        style = info.pop("style", "")
        self.nodes[ident] = {"name": key, "label": label, **info}
        extra = {"style": style} if style else {}
        self._lines.append(
            f"{indent}{_quote(key)} ["
            + _attrs(id=ident, label=label, shape=shape, color=color, fontcolor=color, **extra)
            + f" tooltip={_quote(info.get('tooltip', key))}]"
        )

    def _edge(
        self, src: str, dst: str, kind: str, conn: str, lines: list[str], **style: str
    ) -> None:
        ident = f"e{len(self.edges)}"
        self.edges[ident] = {
            "kind": kind,
            "src": self._id(src),
            "dst": self._id(dst),
            "conn": conn,
            "explanation": lines,
        }
        tip = "\n".join([f"{src} => {dst} : {conn}", *lines]) if kind != "member" else conn
        self._lines.append(
            f"\t{_quote(src)} -> {_quote(dst)} [" + _attrs(id=ident, tooltip=tip, **style) + "]"
        )

    def _build(self, reach: Connectivity, rows: list[Connection]) -> None:
        model = reach.model
        self._lines += [
            "digraph netkit {",
            f"\tgraph [{_attrs(label=self.title, labelloc='t', fontname='Helvetica', rankdir='LR', compound='true', nodesep='0.3', ranksep='0.9')}]",
            f"\tnode [{_attrs(fontname='Helvetica', fontsize='11')}]",
            f"\tedge [{_attrs(fontname='Helvetica', fontsize='9')}]",
        ]
        docker = reach.docker
        topology = docker.topology
        explanations: dict[tuple[str, str], list[str]] = {}
        for row in rows:
            explained = reach.explain(row.src, row.dst)
            lines = [line.strip() for line in explained.lines()[1:]]
            explanations[(row.src.name, row.dst.name)] = lines
            self.connections.append(
                {
                    "src": row.src.name,
                    "dst": row.dst.name,
                    "conn": str(row.conns),
                    "explanation": lines,
                }
            )
        for src, dst in reach.denied():
            lines = [line.strip() for line in reach.explain(src, dst).lines()[1:]]
            self.connections.append(
                {"src": src.name, "dst": dst.name, "conn": "No Connections", "explanation": lines}
            )

        # Docker: one box per host, overlays between them.
        segments = topology.every_segment()
        hosts = sorted(
            {host_of(c) for c in model.docker_containers} | {s.host for s in segments if s.host}
        )
        for number, host in enumerate(hosts):
            self._lines.append(f"\tsubgraph cluster_host_{number} {{")
            self._lines.append(
                f"\t\t{_attrs(label=f'Docker host {host}', style='rounded', color='steelblue')}"
            )
            self._node(
                f"{host}[Host]",
                f"{host}\n(the host)",
                "\t\t",
                "house",
                "steelblue",
                kind="host",
                host=host,
            )
            for segment in segments:
                if segment.host == host:
                    self._network(segment, "\t\t")
            for peer in docker.peers():
                container = docker.container(peer)
                if host_of(container) == host:
                    networks = [a.network for a in container.networks]
                    self._node(
                        peer.name, container.name, "\t\t", "box", "blue", kind="container",
                        host=host, networks=networks, tooltip=peer.name,
                    )  # fmt: skip
                    self.names[self._id(peer.name)] = docker.name_lines(peer)
            self._lines.append("\t}")
        for segment in segments:
            if not segment.host:
                self._network(segment, "\t")
        for segment, members in topology.members.items():
            for member in members:
                peer = docker.peer(
                    f"{host_of(member.container)}/{member.container.name}[Container]"
                )
                aliases = ", ".join(member.attachment.aliases)
                self._edge(
                    peer.name, _network_key(segment), "member",
                    f"{peer.name} joins {segment.describe()}" + (f" as {aliases}" if aliases else ""),
                    [], arrowhead="none", color=_network_color(segment), label=aliases,
                    style="dashed" if not segment.carries_containers else "solid",
                )  # fmt: skip

        # Kubernetes: one box per namespace.
        workloads = reach.kubernetes.peers()
        namespaces = sorted({p.workload.namespace for p in workloads if p.workload is not None})
        for number, namespace in enumerate(namespaces):
            self._lines.append(f"\tsubgraph cluster_ns_{number} {{")
            self._lines.append(
                f"\t\t{_attrs(label=f'namespace {namespace}', style='rounded', color='darkgreen')}"
            )
            for peer in workloads:
                if peer.workload is not None and peer.workload.namespace == namespace:
                    self._node(
                        peer.name, f"{peer.workload.name}\n[{peer.workload.kind}]", "\t\t",
                        "box", "darkgreen", kind="workload", namespace=namespace,
                    )  # fmt: skip
            self._lines.append("\t}")

        # The other ends, then the connections the picture draws as arrows.
        for row in rows:
            for end in (row.src, row.dst):
                if end.name not in self._ids or self._ids[end.name] not in self.nodes:
                    self._other(end)
        for row in rows:
            if _drawn_by_networks(row):
                continue
            lines = explanations[(row.src.name, row.dst.name)]
            docker_edge = row.src.kind in _DOCKER or row.dst.kind in _DOCKER
            self._edge(
                row.src.name, row.dst.name, "connection", str(row.conns), lines,
                label=str(row.conns), color="darkorange" if docker_edge else "gold3",
                fontcolor="darkgreen",
            )  # fmt: skip
        self._lines.append("}")

    def _network(self, segment: Segment, indent: str) -> None:
        net = segment.network
        subnets = ", ".join(str(s.cidr) for s in net.subnets)
        traits = [
            t
            for t, on in (
                ("internal", net.internal),
                ("ICC off", net.driver == "bridge" and not net.icc),
            )
            if on
        ]
        label = "\n".join(filter(None, [f"{net.driver} {net.name}", subnets, ", ".join(traits)]))
        style = "rounded,dashed" if (net.internal or not segment.carries_containers) else "rounded"
        self._node(
            _network_key(segment), label, indent, "box", _network_color(segment),
            kind="network", host=segment.host, networks=[net.name], style=style,
            tooltip=segment.describe(),
        )  # fmt: skip

    def _other(self, peer: Peer) -> None:
        if peer.kind is PeerKind.EXTERNAL:
            self._node(
                peer.name,
                f"outside\n{peer.name.removesuffix('[External]')}",
                "\t",
                "ellipse",
                "red2",
                kind="external",
            )
        elif peer.kind is PeerKind.INGRESS_CONTROLLER:
            self._node(peer.name, peer.name, "\t", "ellipse", "purple", kind="ingress-controller")
        else:
            self._node(peer.name, peer.name, "\t", "ellipse", "gray40", kind=str(peer.kind))


def _network_key(segment: Segment) -> str:
    return f"network {segment.host}/{segment.name}" if segment.host else f"network {segment.name}"


def _network_color(segment: Segment) -> str:
    if not segment.carries_containers:
        return "red3"
    return "gray45" if segment.network.internal else "steelblue4"


def _drawn_by_networks(row: Connection) -> bool:
    """Container pairs are drawn as the networks they share, not as arrows."""
    return row.src.kind is PeerKind.CONTAINER and row.dst.kind is PeerKind.CONTAINER
