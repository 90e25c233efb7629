"""The address plan of the local cluster (`scripts/cluster.sh`, devenv/cluster_layout.py), read
from a stack spec.

The cluster's Service range is the stack's `serviceCidr` and its pods' range the stack's
`podCidr`, so what the stack declares is what the cluster runs. Each node gets a /24 of
the pod range for its CNI bridge (the first /24s after the range's first one).
"""

from __future__ import annotations

import ipaddress

from netkit.errors import NetkitError
from netkit.spec import StackSpec

NODE_POD_PREFIX = 24
"""Each node's share of the pod range (a /24: 254 pods, far more than a test needs)."""


def node_pod_cidrs(spec: StackSpec, nodes: int) -> list[str]:
    """The pod range of each of `nodes` nodes: /24s of `podCidr`, skipping the first."""
    pods = ipaddress.ip_network(spec.kubernetes.pod_cidr)
    if pods.version != 4 or pods.prefixlen > NODE_POD_PREFIX - 3:
        raise NetkitError(
            f"kubernetes.podCidr: {spec.kubernetes.pod_cidr!r} is too small for the local "
            f"cluster's {nodes} nodes (one /{NODE_POD_PREFIX} each); use an IPv4 /{NODE_POD_PREFIX - 3} or larger"
        )
    subnets = pods.subnets(new_prefix=NODE_POD_PREFIX)
    next(subnets)
    return [str(next(subnets)) for _ in range(nodes)]


def api_service_address(spec: StackSpec) -> str:
    """The `kubernetes` Service's ClusterIP: the first address of the Service range."""
    return str(next(ipaddress.ip_network(spec.kubernetes.service_cidr).hosts()))
