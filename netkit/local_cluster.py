"""The address plan of the local cluster (`scripts/cluster.sh`), read from a stack spec.

The cluster's Service range is the stack's `serviceCidr` and its pods' range the stack's
`podCidr`, so what the stack declares is what the cluster runs. Each node gets a /24 of
the pod range for its CNI bridge (the first /24s after the range's first one).
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from netkit.errors import NetkitError
from netkit.spec import StackSpec, load_stack_file, stack_file

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


def shell_assignments(spec: StackSpec, nodes: int) -> str:
    """`NAME=value` lines a shell script can `eval`."""
    return "\n".join(
        [
            f"SERVICE_CIDR={spec.kubernetes.service_cidr}",
            f"POD_CIDR={spec.kubernetes.pod_cidr}",
            f"API_SERVICE_IP={api_service_address(spec)}",
            f"NODE_POD_CIDRS='{' '.join(node_pod_cidrs(spec, nodes))}'",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--project-dir", type=Path, default=Path())
    parser.add_argument("--nodes", type=int, default=2)
    args = parser.parse_args(argv)
    path = stack_file(args.project_dir, args.stack)
    try:
        spec = load_stack_file(path)
    except NetkitError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        print(shell_assignments(spec, args.nodes))
    except NetkitError as error:
        print(f"{path.name}: netkit:{error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
