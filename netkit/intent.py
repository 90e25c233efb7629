"""The stack's intent as plain data on the `NetworkStack` resource, and back.

What a stack *means* (who may talk to whom, which ranges are reserved, what may be
exposed) is not visible on any single Kubernetes or Docker resource. `NetworkStack`
registers it as its own inputs with `stack_props`; the policy pack and `netkit synth`
read it back with `intent_from_props`, so the same rules see the same intent from
either front door.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netkit import shapes
from netkit.cidr import parse_cidr
from netkit.errors import InvalidValue
from netkit.model import (
    AddressSpace,
    DeclaredConnection,
    DockerEngine,
    Endpoint,
    ExposurePolicy,
    IPNetwork,
    Layer,
    PolicyPort,
)
from netkit.ports import format_port, parse_port_spec

if TYPE_CHECKING:  # the spec's pydantic models are slow to build; readers never need them
    from netkit.spec import StackSpec

STACK_TYPE = "netkit:stack:NetworkStack"


def _endpoint_text(endpoint: Endpoint) -> str:
    if endpoint.cidr is not None:
        return str(endpoint.cidr)
    return f"{endpoint.namespace}/{endpoint.workload or '*'}"


def stack_props(spec: StackSpec) -> dict[str, Any]:
    """JSON-ready intent for the `NetworkStack` component's inputs."""
    k8s = spec.kubernetes
    return {
        "reserved": [{"name": r.name, "cidr": r.cidr} for r in spec.reserved],
        "podCidr": k8s.pod_cidr,
        "serviceCidr": k8s.service_cidr,
        "nodeCidrs": list(k8s.node_cidrs),
        "clusterCni": k8s.cluster_cni or "",
        "dockerHosts": spec.docker.host_count(),
        # The engines the stack names, so the pack can read what already runs there.
        "dockerEngines": [{"name": h.name, "url": h.url} for h in spec.docker.hosts],
        "dns": {"namespace": k8s.dns.namespace, "podLabels": dict(k8s.dns.pod_labels)},
        "ingressController": {
            "namespace": k8s.ingress_controller.namespace,
            "podLabels": dict(k8s.ingress_controller.pod_labels),
        },
        "connections": [
            {
                "from": _endpoint_text(c.source),
                "to": _endpoint_text(c.destination),
                "ports": [format_port(p) for p in c.ports],
            }
            for c in k8s.connections
        ],
        "exposure": {
            "serviceTypes": list(spec.exposure.service_types),
            "externalIPs": list(spec.exposure.external_ips),
            "publicPublish": spec.exposure.public_publish,
            "overlayEncryption": spec.exposure.overlay_encryption,
            "plaintextHosts": sorted(
                {host for ingress in k8s.ingresses for host in ingress.allow_plaintext_hosts}
            ),
        },
    }


@dataclass(frozen=True)
class StackIntent:
    """What `intent_from_props` recovers."""

    address_spaces: tuple[AddressSpace, ...]
    connections: tuple[DeclaredConnection, ...]
    exposure: ExposurePolicy
    pod_cidr: IPNetwork | None
    docker_hosts: int
    dns_namespace: str
    dns_labels: Mapping[str, str]
    ingress_controller_namespace: str
    ingress_controller_labels: Mapping[str, str]
    cluster_cni: str = ""
    """The plugin the cluster already runs (`kubernetes.clusterCni`), if declared."""
    docker_engines: tuple[DockerEngine, ...] = ()
    """The Docker hosts the stack names (`docker.hosts`), with their engine URLs."""


def _parse_endpoint(text: str) -> Endpoint:
    namespace, _slash, workload = text.partition("/")
    try:
        return Endpoint(cidr=ipaddress.ip_network(text))
    except ValueError:
        pass
    return Endpoint(namespace=namespace, workload=None if workload in {"*", ""} else workload)


def _ports(values: list[str]) -> tuple[PolicyPort, ...]:
    return tuple(parse_port_spec(v) for v in values)


def _port_texts(value: object, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidValue(
            f"{field}: expected a list like ['8080/TCP'], got {shapes.describe(value)}"
        )
    return [str(port) for port in value]


def intent_from_props(props: object, source: str = "") -> StackIntent:
    """Rebuild the intent from `stack_props` output (as the engine echoes it). Raises
    `InvalidValue` naming the field (`intent.reserved[0].cidr`) when it is malformed,
    as a resource list written by hand may be."""
    props = shapes.mapping(props, "intent")
    spaces: list[AddressSpace] = []
    for i, entry in enumerate(shapes.mappings(props.get("reserved"), "intent.reserved")):
        at = f"intent.reserved[{i}]"
        name = str(shapes.required(entry, "name", at))
        cidr = parse_cidr(shapes.required(entry, "cidr", at), f"{at}.cidr")
        spaces.append(AddressSpace(name, Layer.RESERVED, cidr, source))
    pod_cidr = parse_cidr(props["podCidr"], "intent.podCidr") if props.get("podCidr") else None
    if pod_cidr is not None:
        spaces.append(AddressSpace("pods", Layer.POD_CIDR, pod_cidr, source))
    if props.get("serviceCidr"):
        service_cidr = parse_cidr(props["serviceCidr"], "intent.serviceCidr")
        spaces.append(AddressSpace("services", Layer.SERVICE_CIDR, service_cidr, source))
    for index, cidr in enumerate(props.get("nodeCidrs") or []):
        spaces.append(
            AddressSpace(
                f"nodes-{index}", Layer.NODE, parse_cidr(cidr, f"intent.nodeCidrs[{index}]"), source
            )
        )
    connections: list[DeclaredConnection] = []
    for i, entry in enumerate(shapes.mappings(props.get("connections"), "intent.connections")):
        at = f"intent.connections[{i}]"
        connections.append(
            DeclaredConnection(
                _parse_endpoint(str(shapes.required(entry, "from", at))),
                _parse_endpoint(str(shapes.required(entry, "to", at))),
                _ports(_port_texts(entry.get("ports"), f"{at}.ports")),
            )
        )
    exp = shapes.mapping(props.get("exposure"), "intent.exposure")
    exposure = ExposurePolicy(
        allowed_service_types=frozenset(exp.get("serviceTypes") or ["ClusterIP", "Headless"]),
        allowed_external_ips=frozenset(exp.get("externalIPs") or []),
        allow_public_publish=bool(exp.get("publicPublish", False)),
        require_overlay_encryption=bool(exp.get("overlayEncryption", False)),
        plaintext_hosts=frozenset(exp.get("plaintextHosts") or []),
    )
    controller = shapes.mapping(props.get("ingressController"), "intent.ingressController")
    dns = shapes.mapping(props.get("dns"), "intent.dns")
    hosts = shapes.integer(props.get("dockerHosts"), "intent.dockerHosts")
    return StackIntent(
        address_spaces=tuple(spaces),
        connections=tuple(connections),
        exposure=exposure,
        pod_cidr=pod_cidr,
        docker_hosts=hosts or 1,
        dns_namespace=str(dns.get("namespace") or "kube-system"),
        dns_labels=dict(
            shapes.mapping(dns.get("podLabels"), "intent.dns.podLabels") or {"k8s-app": "kube-dns"}
        ),
        ingress_controller_namespace=str(controller.get("namespace") or "ingress-nginx"),
        ingress_controller_labels=dict(
            shapes.mapping(controller.get("podLabels"), "intent.ingressController.podLabels")
            or {"app.kubernetes.io/name": "ingress-nginx"}
        ),
        cluster_cni=str(props.get("clusterCni") or ""),
        docker_engines=tuple(
            DockerEngine(
                str(shapes.required(e, "name", f"intent.dockerEngines[{i}]")),
                str(shapes.required(e, "url", f"intent.dockerEngines[{i}]")),
            )
            for i, e in enumerate(
                shapes.mappings(props.get("dockerEngines"), "intent.dockerEngines")
            )
        ),
    )
