"""Where each container's network attachments land: the segments Docker builds.

A Docker network name means different things by driver. An overlay is one network across
the swarm: every container attached to it, on any host, shares it. A bridge (and a
macvlan or ipvlan network) exists on one host only: two hosts may each have a bridge of
the same name (every swarm node has its own `docker_gwbridge`), and a container reaches
only the one of its own host. A `Segment` is one such network as it exists: an overlay,
or a local network on its host. `Topology` resolves every attachment of the model to its
segment, or says why it lands nowhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from netkit.model import DockerAttachment, DockerContainer, DockerNetwork, NetworkModel

SINGLE_HOST = "local"
"""The host of a model whose containers name none: a stack with one engine (the spec's
`LOCAL_HOST`), or the engine `--docker` read without a name."""

DEFAULT_BRIDGE = "bridge"
"""The daemon's default bridge (docker0): no embedded DNS, legacy links only."""

INTERNAL_BRIDGE_PREFIX = "nkint-"
"""Linux name prefix of netkit's internal bridges (`BridgeNetwork` names them). Docker's
`internal` only stops forwarding off the host: the bridge keeps an address on the host,
so containers reach every service of the host (moby/libnetwork#1151). netkit's engines
(`scripts/docker-engine.sh`, `scripts/docker-hosts.sh`) drop new connections from them to
the host (`INPUT -i nkint+ -m conntrack --ctstate NEW -j DROP`, written by
`devenv.docker_engine.internal_drop_rule`)."""

NO_TRAFFIC_DRIVERS = frozenset({"host", "null", "none"})
"""Drivers that give a container no network of its own to share with others."""


def host_of(thing: DockerContainer | DockerNetwork) -> str:
    """The host a container runs on or a network was created on; `SINGLE_HOST` when the
    model does not say."""
    return thing.host or SINGLE_HOST


@dataclass(frozen=True)
class Segment:
    """One network as it exists: an overlay (every host), or a local network on its host."""

    network: DockerNetwork
    host: str
    """The host of a local network; "" for an overlay."""

    @property
    def name(self) -> str:
        return self.network.name

    @property
    def carries_containers(self) -> bool:
        """Whether containers on it reach each other: not on `host`/`none`, not on a
        bridge with inter-container communication off."""
        net = self.network
        if net.driver in NO_TRAFFIC_DRIVERS:
            return False
        return not (net.driver == "bridge" and not net.icc)

    @property
    def reaches_off_host(self) -> bool:
        """Docker routes traffic off the host: not internal (an overlay through the host's
        `docker_gwbridge`, a bridge by masquerading)."""
        return not self.network.internal and self.network.driver not in NO_TRAFFIC_DRIVERS

    @property
    def reaches_host(self) -> bool:
        """A container on it reaches its own host's services: a bridge holds a gateway
        address on the host (even an internal one), unless it is one of netkit's `nkint-`
        bridges; an overlay only through `docker_gwbridge`, which an internal one lacks."""
        net = self.network
        if net.driver in NO_TRAFFIC_DRIVERS:
            return False
        if net.driver == "overlay":
            return not net.internal
        return not net.bridge_name.startswith(INTERNAL_BRIDGE_PREFIX)

    @property
    def serves_names(self) -> bool:
        """Docker's embedded DNS answers names on user-defined networks, not on the
        default bridge."""
        return self.network.name != DEFAULT_BRIDGE and self.carries_or_resolves

    @property
    def carries_or_resolves(self) -> bool:
        return self.network.driver not in NO_TRAFFIC_DRIVERS

    def describe(self) -> str:
        """`overlay 'mesh' (internal)`, `bridge 'db' on host1 (ICC off)`."""
        net = self.network
        traits = []
        if net.internal:
            traits.append("internal")
        if net.driver == "bridge" and not net.icc:
            traits.append("ICC off")
        if net.encrypted:
            traits.append("encrypted")
        where = f" on {self.host}" if self.host else ", across hosts"
        extra = f" ({', '.join(traits)})" if traits else ""
        return f"{net.driver} {net.name!r}{where}{extra}"


@dataclass(frozen=True)
class Member:
    """A container's attachment, landed on its segment."""

    container: DockerContainer
    attachment: DockerAttachment
    segment: Segment


@dataclass(frozen=True)
class Stray:
    """An attachment that lands on no segment, and why."""

    container: DockerContainer
    attachment: DockerAttachment
    reason: str


class Topology:
    """Every attachment of a model resolved to its segment (or to why none)."""

    def __init__(self, model: NetworkModel) -> None:
        self.model = model
        self._overlays: dict[str, DockerNetwork] = {}
        self._local: dict[tuple[str, str], DockerNetwork] = {}
        self._local_hosts: dict[str, list[str]] = {}
        for network in model.docker_networks:
            if network.spans_hosts:
                self._overlays.setdefault(network.name, network)
            else:
                self._local.setdefault((host_of(network), network.name), network)
                self._local_hosts.setdefault(network.name, []).append(host_of(network))
        self._segments: dict[tuple[str, str], Segment] = {}
        self.members: dict[Segment, list[Member]] = {}
        """Each segment's members, in model order."""
        self.of_container: dict[int, list[Member]] = {}
        """Members by the container's position in the model."""
        self.strays: list[Stray] = []
        for index, container in enumerate(model.docker_containers):
            landed: list[Member] = []
            for attachment in container.networks:
                segment = self._segment(container, attachment)
                if isinstance(segment, str):
                    self.strays.append(Stray(container, attachment, segment))
                    continue
                member = Member(container, attachment, segment)
                landed.append(member)
                self.members.setdefault(segment, []).append(member)
            self.of_container[index] = landed

    def segments(self) -> Iterable[Segment]:
        """Segments that have members."""
        return self.members.keys()

    def every_segment(self) -> list[Segment]:
        """Every network of the model as a segment, members or not."""
        return [
            self._made(n, "" if n.spans_hosts else host_of(n)) for n in self.model.docker_networks
        ]

    def _segment(self, container: DockerContainer, attachment: DockerAttachment) -> Segment | str:
        host, name = host_of(container), attachment.network
        local = self._local.get((host, name))
        if local is not None:
            return self._made(local, host)
        overlay = self._overlays.get(name)
        if overlay is not None:
            return self._made(overlay, "")
        elsewhere = self._local_hosts.get(name)
        if elsewhere:
            where = ", ".join(sorted(set(elsewhere)))
            return (
                f"{container.name} joins {name!r}, a {self._local[(elsewhere[0], name)].driver} "
                f"of {where}, but runs on {host}: a bridge connects containers of its own "
                "host only (an overlay spans hosts)"
            )
        return f"{container.name} joins {name!r}, which is no network of the model"

    def _made(self, network: DockerNetwork, host: str) -> Segment:
        key = (host, network.name)
        segment = self._segments.get(key)
        if segment is None:
            segment = self._segments[key] = Segment(network, host)
        return segment
