"""The command line of each of the cluster's processes, from typed settings (no side effects).

Start order: etcd, kube-apiserver, kube-controller-manager, kube-scheduler; then on each
node containerd, kubelet and kube-proxy; once the nodes are Ready, each node's kube-router.
Stop order: each node's kubelet, kube-proxy, kube-router, its pods, containerd and
namespace; then the control plane in reverse; then the uplink and the LAN.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from devenv import netns
from devenv.cluster_layout import (
    API_IP,
    API_PORT,
    CM_PORT,
    ETCD_PEER_PORT,
    ETCD_PORT,
    KUBE_ROUTER_HEALTH_PORT,
    SCHED_PORT,
    AddressPlan,
    Layout,
    Node,
)

CONTROL_PLANE = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
NODE_PROCESSES = ("containerd", "kubelet", "kube-proxy", "kube-router")


def process_names(nodes: Sequence[str]) -> list[str]:
    """Every supervised process, in start order (their pid files are run/NAME.pid)."""
    return [*CONTROL_PLANE, *(f"{node}-{p}" for node in nodes for p in NODE_PROCESSES)]


@dataclass(frozen=True)
class StopProcess:
    name: str


@dataclass(frozen=True)
class RemovePods:
    """Kill and remove the node's containers through its containerd: the pods' shims
    outlive containerd otherwise."""

    node: str


@dataclass(frozen=True)
class RemoveNode:
    """The node's namespace and its IPAM leases (its pods are gone)."""

    node: str


@dataclass(frozen=True)
class RemoveNetwork:
    """The uplink and the LAN namespace."""


StopStep = StopProcess | RemovePods | RemoveNode | RemoveNetwork


def stop_plan(nodes: Sequence[str]) -> list[StopStep]:
    """What `stop` does, in order: a node's clients of containerd before its pods, its
    pods before containerd; the nodes before the API server they talk to; etcd last."""
    steps: list[StopStep] = []
    for node in nodes:
        steps += [StopProcess(f"{node}-{p}") for p in ("kubelet", "kube-proxy", "kube-router")]
        steps += [RemovePods(node), StopProcess(f"{node}-containerd"), RemoveNode(node)]
    steps += [StopProcess(name) for name in reversed(CONTROL_PLANE)]
    return [*steps, RemoveNetwork()]


@dataclass(frozen=True)
class Proc:
    name: str
    argv: list[str]


@dataclass(frozen=True)
class Settings:
    bin: Path
    """The folder of the binaries scripts/cluster-toolchain.sh built."""
    layout: Layout
    plan: AddressPlan
    python: str = sys.executable


def etcd_url() -> str:
    return f"http://127.0.0.1:{ETCD_PORT}"


def etcd(s: Settings) -> Proc:
    peer = f"http://127.0.0.1:{ETCD_PEER_PORT}"
    return Proc("etcd", [
        str(s.bin / "etcd"), "--name", "netkit", "--data-dir", str(s.layout.etcd),
        "--listen-client-urls", etcd_url(), "--advertise-client-urls", etcd_url(),
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
        "--initial-cluster", f"netkit={peer}",
        "--listen-metrics-urls", "", "--log-level", "warn",
    ])  # fmt: skip


def kube_apiserver(s: Settings) -> Proc:
    pki = s.layout.pki
    return Proc("kube-apiserver", [
        str(s.bin / "kube-apiserver"),
        "--etcd-servers", etcd_url(),
        "--bind-address", API_IP, "--advertise-address", API_IP, "--secure-port", str(API_PORT),
        "--tls-cert-file", str(pki / "apiserver.crt"),
        "--tls-private-key-file", str(pki / "apiserver.key"),
        "--client-ca-file", str(pki / "ca.crt"),
        "--kubelet-client-certificate", str(pki / "apiserver-kubelet-client.crt"),
        "--kubelet-client-key", str(pki / "apiserver-kubelet-client.key"),
        "--kubelet-preferred-address-types", "InternalIP",
        "--service-account-key-file", str(pki / "sa.pub"),
        "--service-account-signing-key-file", str(pki / "sa.key"),
        "--service-account-issuer", "https://kubernetes.default.svc",
        "--service-cluster-ip-range", s.plan.service_cidr,
        "--authorization-mode", "Node,RBAC", "--allow-privileged=true",
        "--enable-admission-plugins", "NodeRestriction", "--profiling=false",
    ])  # fmt: skip


def kube_controller_manager(s: Settings) -> Proc:
    pki, kubeconfig = s.layout.pki, str(s.layout.kubeconfig("controller-manager"))
    return Proc("kube-controller-manager", [
        str(s.bin / "kube-controller-manager"),
        "--kubeconfig", kubeconfig,
        "--authentication-kubeconfig", kubeconfig, "--authorization-kubeconfig", kubeconfig,
        "--bind-address", "127.0.0.1", "--secure-port", str(CM_PORT),
        "--service-account-private-key-file", str(pki / "sa.key"),
        "--root-ca-file", str(pki / "ca.crt"),
        "--use-service-account-credentials", "--service-cluster-ip-range", s.plan.service_cidr,
        "--cluster-signing-cert-file", str(pki / "ca.crt"),
        "--cluster-signing-key-file", str(pki / "ca.key"),
        "--leader-elect=false", "--profiling=false",
    ])  # fmt: skip


def kube_scheduler(s: Settings) -> Proc:
    kubeconfig = str(s.layout.kubeconfig("scheduler"))
    return Proc("kube-scheduler", [
        str(s.bin / "kube-scheduler"), "--kubeconfig", kubeconfig,
        "--authentication-kubeconfig", kubeconfig, "--authorization-kubeconfig", kubeconfig,
        "--bind-address", "127.0.0.1", "--secure-port", str(SCHED_PORT),
        "--leader-elect=false", "--profiling=false",
    ])  # fmt: skip


def with_cgroups(s: Settings, node: Node, argv: list[str]) -> list[str]:
    """`argv` in the node's namespace, with the cgroup trees runc and kubelet need mounted
    again (`ip netns exec` gives it a fresh /sys that hides them)."""
    return netns.in_ns(node.name, [s.python, "-m", "devenv", "in-netns", *argv])


def containerd(s: Settings, node: Node) -> Proc:
    config = s.layout.node_dir(node.name) / "containerd.toml"
    return Proc(
        f"{node.name}-containerd", with_cgroups(s, node, ["containerd", "--config", str(config)])
    )


def kubelet(s: Settings, node: Node) -> Proc:
    d = s.layout.node_dir(node.name)
    return Proc(f"{node.name}-kubelet", with_cgroups(s, node, [
        str(s.bin / "kubelet"), "--config", str(d / "kubelet.yaml"),
        "--kubeconfig", str(s.layout.kubeconfig(node.name)),
        "--root-dir", str(d / "kubelet"), "--cert-dir", str(d / "kubelet" / "pki"),
        "--hostname-override", node.name, "--node-ip", node.address, "--v=1",
    ]))  # fmt: skip


def kube_proxy(s: Settings, node: Node) -> Proc:
    return Proc(f"{node.name}-kube-proxy", netns.in_ns(node.name, [
        str(s.bin / "kube-proxy"), "--kubeconfig", str(s.layout.kubeconfig("kube-proxy")),
        "--hostname-override", node.name,
        "--proxy-mode", "iptables", "--cluster-cidr", s.plan.pod_cidr,
        "--metrics-bind-address", "127.0.0.1:10249", "--healthz-bind-address", "127.0.0.1:10256",
        "--conntrack-max-per-core", "0", "--conntrack-tcp-timeout-established", "0",
        "--conntrack-tcp-timeout-close-wait", "0",
    ]))  # fmt: skip


def kube_router(s: Settings, node: Node) -> Proc:
    """The NetworkPolicy enforcer: kube-router's firewall alone (iptables + ipset in the
    node's namespace); routes and Services stay with the bridge and kube-proxy."""
    return Proc(f"{node.name}-kube-router", netns.in_ns(node.name, [
        str(s.bin / "kube-router"), "--kubeconfig", str(s.layout.kubeconfig("kube-router")),
        "--hostname-override", node.name,
        "--run-firewall=true", "--run-router=false", "--run-service-proxy=false",
        "--service-cluster-ip-range", s.plan.service_cidr,
        "--metrics-port", "0", "--health-port", str(KUBE_ROUTER_HEALTH_PORT),
    ]))  # fmt: skip


def kube_router_healthy(node: Node) -> list[str]:
    """A probe run inside the node's namespace (its health port listens on its loopback)."""
    url = f"http://127.0.0.1:{KUBE_ROUTER_HEALTH_PORT}/healthz"
    return netns.in_ns(node.name, ["curl", "-sf", "--max-time", "2", url])


def ctr(layout: Layout, node: str, *args: str) -> list[str]:
    """`ctr` talking to the node's containerd, in the namespace kubelet uses."""
    socket = layout.node_dir(node) / "containerd.sock"
    return ["ctr", "-a", str(socket), "-n", "k8s.io", *args]
