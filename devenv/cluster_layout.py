"""Where the local cluster lives: its names, fixed addresses, state folders and address plan.

The layout of the state folder is the one `scripts/cluster.sh` has always used, so a
cluster started by an earlier version is seen and stopped by this one:

    ~/.local/state/netkit/cluster/    ($XDG_STATE_HOME)
      pki/            the CA, every certificate and key, the service-account key pair
      logs/NAME.log   each process's output
      run/NAME.pid    each process's pid (the leader of its session)
      NAME.kubeconfig one per client (admin, controller-manager, scheduler, kube-proxy,
                      kube-router, each node)
      etcd/           etcd's data
      images/         the image archives every node's containerd imports
      nodes/NODE/     the node's containerd, kubelet and CNI configs and state

The Service range and the pod range come from the stack's spec (STACK, default dev):
`kubernetes.serviceCidr` and `kubernetes.podCidr`, through `netkit.local_cluster`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from devenv.paths import state_home

NODE_NAMES = ("netkit-k8s-node-1", "netkit-k8s-node-2")
LAN_NS = "netkit-k8s-lan"
LAN_NET = "10.213.0"
"""The nodes' LAN, 10.213.0.0/24: the bridge is .1, node i (from 0) is .11+i."""
HOST_IF = "netkit-k8s"
"""This namespace's end of the uplink into the LAN."""
API_IP = "10.213.255.1"
"""The API server's address, on HOST_IF (it listens there and nowhere else)."""
UPLINK_IP = "10.213.255.2"
"""The LAN's end of the uplink."""
API_PORT = 6443
ETCD_PORT = 23790
ETCD_PEER_PORT = 23800
CM_PORT = 10357
SCHED_PORT = 10359
KUBE_ROUTER_HEALTH_PORT = 20244
IMAGES = ("pause", "server")
"""Each is `netkit.local/NAME:1`, from `images/NAME.tar`."""


def image_ref(name: str) -> str:
    return f"netkit.local/{name}:1"


@dataclass(frozen=True)
class Node:
    """One node: its network namespace's name, its LAN address and its pods' /24."""

    name: str
    index: int
    pods: str

    @property
    def address(self) -> str:
        return f"{LAN_NET}.{11 + self.index}"

    @property
    def lan_if(self) -> str:
        """Its veth's name on the LAN's bridge."""
        return f"n{self.index + 1}"


@dataclass(frozen=True)
class Layout:
    """The state folder's paths."""

    root: Path

    @classmethod
    def default(cls) -> Layout:
        return cls(state_home() / "cluster")

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def etcd(self) -> Path:
        return self.root / "etcd"

    @property
    def images(self) -> Path:
        return self.root / "images"

    @property
    def admin_kubeconfig(self) -> Path:
        return self.kubeconfig("admin")

    def kubeconfig(self, client: str) -> Path:
        return self.root / f"{client}.kubeconfig"

    def node_dir(self, node: str) -> Path:
        return self.root / "nodes" / node


@dataclass(frozen=True)
class AddressPlan:
    """The stack's ranges the cluster runs with."""

    service_cidr: str
    pod_cidr: str
    api_service_ip: str
    """The `kubernetes` Service's ClusterIP (a SAN of the API server's certificate)."""
    node_pods: tuple[str, ...]

    def nodes(self) -> list[Node]:
        return [
            Node(name, i, pods)
            for i, (name, pods) in enumerate(zip(NODE_NAMES, self.node_pods, strict=True))
        ]


class PlanError(Exception):
    """The stack file is missing or wrong: one line, exit status 2 (as before)."""


def stack() -> str:
    return os.environ.get("STACK") or "dev"


def address_plan(project_dir: Path, stack_name: str) -> AddressPlan:
    """The plan read from `Pulumi.STACK.yaml` (netkit's spec: needs the virtualenv)."""
    from netkit.errors import NetkitError
    from netkit.local_cluster import api_service_address, node_pod_cidrs
    from netkit.spec import load_stack_file, stack_file

    path = stack_file(project_dir, stack_name)
    try:
        spec = load_stack_file(path)
    except NetkitError as error:
        raise PlanError(str(error)) from error
    try:
        pods = node_pod_cidrs(spec, len(NODE_NAMES))
    except NetkitError as error:
        raise PlanError(f"{path.name}: netkit:{error}") from error
    return AddressPlan(
        service_cidr=spec.kubernetes.service_cidr,
        pod_cidr=spec.kubernetes.pod_cidr,
        api_service_ip=api_service_address(spec),
        node_pods=tuple(pods),
    )
