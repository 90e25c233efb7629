"""How declared endpoints become Kubernetes selectors and peers.

One place decides that a service's pods carry `app: <name>` and that a namespace is
selected by its immutable name label, so policies and Deployments always agree.
"""

from __future__ import annotations

import pulumi_kubernetes as k8s

from netkit.model import NAMESPACE_NAME_LABEL, Endpoint, PolicyPort

APP_LABEL = "app"


def pod_labels(service: str) -> dict[str, str]:
    """Labels every pod of `service` carries, and its Service selects."""
    return {APP_LABEL: service}


def namespace_selector(namespace: str) -> k8s.meta.v1.LabelSelectorArgsDict:
    return {"match_labels": {NAMESPACE_NAME_LABEL: namespace}}


def pod_selector(endpoint: Endpoint) -> k8s.meta.v1.LabelSelectorArgsDict:
    """The policy's own podSelector for the pods of `endpoint` (all pods for a namespace)."""
    if endpoint.workload is None:
        return {}
    return {"match_labels": pod_labels(endpoint.workload)}


def peer(endpoint: Endpoint) -> k8s.networking.v1.NetworkPolicyPeerArgsDict:
    """A `from`/`to` entry selecting `endpoint` from any namespace."""
    if endpoint.cidr is not None:
        return {"ip_block": {"cidr": str(endpoint.cidr)}}
    assert endpoint.namespace is not None  # an Endpoint is a CIDR or has a namespace
    selected: k8s.networking.v1.NetworkPolicyPeerArgsDict = {
        "namespace_selector": namespace_selector(endpoint.namespace)
    }
    if endpoint.workload is not None:
        selected["pod_selector"] = {"match_labels": pod_labels(endpoint.workload)}
    return selected


def policy_ports(
    ports: tuple[PolicyPort, ...] | list[PolicyPort],
) -> list[k8s.networking.v1.NetworkPolicyPortArgsDict]:
    """NetworkPolicy ports, always with an explicit protocol."""
    result: list[k8s.networking.v1.NetworkPolicyPortArgsDict] = []
    for port in ports:
        entry: k8s.networking.v1.NetworkPolicyPortArgsDict = {"protocol": port.protocol}
        if port.port is not None:
            entry["port"] = port.port
        if port.end_port is not None:
            entry["end_port"] = port.end_port
        result.append(entry)
    return result
