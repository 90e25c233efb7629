"""Docker reachability: containers, their hosts and the outside, as Docker connects them.

`analyze_docker(model)` reads the model's Docker networks and containers and answers, with
the same result types as the Kubernetes half (`netkit.reachability`), which container
reaches which (over which network), which containers reach their host and the outside,
who reaches their published ports, and which names each container resolves. Endpoints
are `host/name[Container]`, `host[Host]` and `FIRST-LAST[External]`.
"""

from __future__ import annotations

from netkit.docker_reach.analysis import (
    EXTERNAL_V4,
    EXTERNAL_V6,
    DockerReachability,
    NameAnswer,
    analyze_docker,
    container_ref,
    host_ref,
)
from netkit.docker_reach.topology import SINGLE_HOST, Segment, Topology, host_of

__all__ = [
    "EXTERNAL_V4",
    "EXTERNAL_V6",
    "SINGLE_HOST",
    "DockerReachability",
    "NameAnswer",
    "Segment",
    "Topology",
    "analyze_docker",
    "container_ref",
    "host_of",
    "host_ref",
]
