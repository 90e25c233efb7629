"""The cluster's network: a LAN namespace with one bridge, an uplink to the API server,
and one namespace per node, with the routes between the nodes' pod ranges.

    this namespace  HOST_IF 10.213.255.1/30 (the API server listens here)
         | veth
    netkit-k8s-lan  uplink 10.213.255.2/30, br0 10.213.0.1/24, forwarding
         | veth n1, n2 (on br0)
    netkit-k8s-node-1, -2   eth0 10.213.0.11/24, .12/24; a route to the API server

No namespace has a default route, so nothing the cluster runs can reach beyond the
namespaces made here and this machine's loopback.
"""

from __future__ import annotations

from collections.abc import Sequence

from devenv import netns
from devenv.cluster_layout import API_IP, HOST_IF, LAN_NET, LAN_NS, UPLINK_IP, Node


def peer_routes(nodes: Sequence[Node]) -> list[tuple[str, str, str]]:
    """(in node, pod range, via): each node reaches the others' pods through their address."""
    return [(a.name, b.pods, b.address) for a in nodes for b in nodes if a is not b]


def make_lan() -> None:
    if not netns.exists(LAN_NS):
        netns.add(LAN_NS)
        netns.ip("link", "add", "br0", "type", "bridge", ns=LAN_NS)
        netns.ip("addr", "add", f"{LAN_NET}.1/24", "dev", "br0", ns=LAN_NS)
        netns.ip("link", "set", "br0", "up", ns=LAN_NS)
        netns.sysctl(LAN_NS, "net.ipv4.ip_forward", "1")
    if not netns.link_exists(HOST_IF):
        netns.ip("link", "add", HOST_IF, "type", "veth", "peer", "name", "uplink", "netns", LAN_NS)
        netns.ip("addr", "add", f"{API_IP}/30", "dev", HOST_IF)
        netns.ip("link", "set", HOST_IF, "up")
        netns.ip("addr", "add", f"{UPLINK_IP}/30", "dev", "uplink", ns=LAN_NS)
        netns.ip("link", "set", "uplink", "up", ns=LAN_NS)
    netns.ip("route", "replace", f"{LAN_NET}.0/24", "via", UPLINK_IP, "dev", HOST_IF)


def make_node(node: Node) -> None:
    if netns.exists(node.name):
        return
    netns.add(node.name)
    netns.ip("link", "add", node.lan_if, "netns", LAN_NS, "type", "veth",
             "peer", "name", "eth0", "netns", node.name)  # fmt: skip
    netns.ip("link", "set", node.lan_if, "master", "br0", "up", ns=LAN_NS)
    netns.ip("addr", "add", f"{node.address}/24", "dev", "eth0", ns=node.name)
    netns.ip("link", "set", "eth0", "up", ns=node.name)
    netns.ip("route", "add", f"{API_IP}/32", "via", f"{LAN_NET}.1", ns=node.name)
    netns.sysctl(node.name, "net.ipv4.ip_forward", "1")
    netns.sysctl(node.name, "net.bridge.bridge-nf-call-iptables", "1", optional=True)


def make_network(nodes: Sequence[Node]) -> None:
    """Whatever of the LAN, the uplink and the nodes' namespaces is missing."""
    make_lan()
    for node in nodes:
        make_node(node)
    for name, pods, via in peer_routes(nodes):
        netns.ip("route", "replace", pods, "via", via, ns=name)


def remove_uplink_and_lan() -> None:
    if netns.link_exists(HOST_IF):
        netns.ip("link", "delete", HOST_IF)
    netns.delete(LAN_NS)
