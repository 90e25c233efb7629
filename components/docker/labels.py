"""Docker labels that carry netkit's intent onto real resources.

The policy pack reads Docker networks as the engine sees them; what the engine cannot
know (the tier, whether a network is meant to span hosts) travels as labels.
"""

from __future__ import annotations

import pulumi_docker as docker

from netkit.resources import HOST_LABEL, MULTI_HOST_LABEL, ROLE_LABEL

ROLE = ROLE_LABEL
MULTI_HOST = MULTI_HOST_LABEL
HOST = HOST_LABEL
COMPONENT = "netkit.component"


def network_labels(
    labels: dict[str, str],
    *,
    component: str,
    role: str = "",
    multi_host: bool = False,
    host: str | None = None,
) -> list[docker.NetworkLabelArgs]:
    merged = {**labels, COMPONENT: component}
    if host:
        merged[HOST] = host
    if role:
        merged[ROLE] = role
    if multi_host:
        merged[MULTI_HOST] = "true"
    return [
        docker.NetworkLabelArgs(label=key, value=value) for key, value in sorted(merged.items())
    ]
