"""One reader per kind: Namespace, NetworkPolicy, Service, Ingress, Route, Pod, workloads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from netkit.digits import decimal
from netkit.manifests.fields import FieldReader
from netkit.manifests.identity import TEMPLATE_PATHS, WORKLOAD_KINDS, PodGroupMember
from netkit.model import (
    CONTAINER_SECTIONS,
    Container,
    ContainerPort,
    Ingress,
    IngressPath,
    IngressTLS,
    IPBlock,
    Namespace,
    NetworkPolicy,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
    Service,
    ServicePort,
    frozen_labels,
)

READ_KINDS = WORKLOAD_KINDS | {"Namespace", "Pod", "Service", "Ingress", "Route", "NetworkPolicy"}


def read_namespace(reader: FieldReader) -> Namespace:
    metadata = reader.mapping(reader.obj.get("metadata"), "metadata")
    labels = reader.labels(metadata.get("labels"), "metadata.labels")
    return Namespace(reader.name, frozen_labels(labels), declared=True, source=reader.location)


def read_network_policy(reader: FieldReader) -> NetworkPolicy:
    spec = reader.mapping(reader.obj.get("spec"), "spec")
    pod_selector = reader.selector(spec.get("podSelector"), "spec.podSelector")
    ingress = tuple(
        _rule(reader, raw, f"spec.ingress[{i}]", "from")
        for i, raw in enumerate(reader.sequence(spec.get("ingress"), "spec.ingress"))
    )
    egress = tuple(
        _rule(reader, raw, f"spec.egress[{i}]", "to")
        for i, raw in enumerate(reader.sequence(spec.get("egress"), "spec.egress"))
    )
    declared = spec.get("policyTypes")
    types: list[str] = []
    for i, item in enumerate(reader.sequence(declared, "spec.policyTypes")):
        text = reader.string(item, f"spec.policyTypes[{i}]")
        if text not in ("Ingress", "Egress"):
            reader.fail(
                f"spec.policyTypes[{i}]", f"{text!r} is not a policy type (Ingress or Egress)"
            )
        types.append(text)
    if types:
        affects_ingress, affects_egress = "Ingress" in types, "Egress" in types
    else:
        # API defaults: every policy isolates ingress; egress only when it has egress rules.
        affects_ingress, affects_egress = True, bool(egress)
    return NetworkPolicy(
        name=reader.name,
        namespace=reader.namespace,
        pod_selector=pod_selector,
        ingress=ingress,
        egress=egress,
        affects_ingress=affects_ingress,
        affects_egress=affects_egress,
        policy_types_declared=bool(types),
        source=reader.location,
    )


def _rule(reader: FieldReader, raw: object, path: str, peers_key: str) -> PolicyRule:
    rule = reader.mapping(raw, path)
    peers = tuple(
        _peer(reader, item, f"{path}.{peers_key}[{i}]")
        for i, item in enumerate(reader.sequence(rule.get(peers_key), f"{path}.{peers_key}"))
    )
    ports = tuple(
        _policy_port(reader, item, f"{path}.ports[{i}]")
        for i, item in enumerate(reader.sequence(rule.get("ports"), f"{path}.ports"))
    )
    return PolicyRule(peers=peers, ports=ports)


def _peer(reader: FieldReader, raw: object, path: str) -> PolicyPeer:
    peer = reader.mapping(raw, path, required=True)
    pod = peer.get("podSelector")
    namespace = peer.get("namespaceSelector")
    block = peer.get("ipBlock")
    if block is not None:
        if pod is not None or namespace is not None:
            reader.fail(path, "ipBlock cannot be combined with podSelector or namespaceSelector")
        spec = reader.mapping(block, f"{path}.ipBlock")
        cidr = reader.cidr(spec.get("cidr"), f"{path}.ipBlock.cidr")
        excepts = tuple(
            reader.cidr(item, f"{path}.ipBlock.except[{i}]")
            for i, item in enumerate(reader.sequence(spec.get("except"), f"{path}.ipBlock.except"))
        )
        for i, hole in enumerate(excepts):
            if hole.version != cidr.version:
                reader.fail(
                    f"{path}.ipBlock.except[{i}]",
                    f"{hole} is not in the same IP family as the cidr {cidr}",
                )
            # The API server's rule: each except is a strict subset of the cidr (an except
            # outside it would make netkit admit the whole cidr while the cluster refuses
            # the policy).
            if not hole.subnet_of(cidr):  # type: ignore[arg-type]
                reader.fail(
                    f"{path}.ipBlock.except[{i}]",
                    f"{hole} is not inside the cidr {cidr}; the API server refuses an except "
                    "outside its cidr",
                )
            if hole == cidr:
                reader.fail(
                    f"{path}.ipBlock.except[{i}]",
                    f"{hole} is the whole cidr; an except must be smaller than the cidr (the "
                    "API server refuses it); remove the peer if nothing should pass",
                )
        return PolicyPeer(ip_block=IPBlock(cidr, excepts))
    if pod is None and namespace is None:
        reader.fail(path, "a peer needs a podSelector, a namespaceSelector or an ipBlock")
    return PolicyPeer(
        pod_selector=None if pod is None else reader.selector(pod, f"{path}.podSelector"),
        namespace_selector=(
            None if namespace is None else reader.selector(namespace, f"{path}.namespaceSelector")
        ),
    )


def _policy_port(reader: FieldReader, raw: object, path: str) -> PolicyPort:
    spec = reader.mapping(raw, path)
    declared = spec.get("protocol") is not None
    protocol = reader.protocol(spec.get("protocol"), f"{path}.protocol")
    value = spec.get("port")
    end_port = spec.get("endPort")
    port: int | str | None
    if value is None:
        port = None
    elif isinstance(value, str):
        number = decimal(value)
        if number is not None:
            reader.fail(
                f"{path}.port",
                f"{value!r} is a string, so it would name a container port; "
                f"write the number {number} without quotes",
            )
        port = reader.port_name(value, f"{path}.port", required=True)
    else:
        port = reader.port_number(value, f"{path}.port")
    end: int | None = None
    if end_port is not None:
        end = reader.port_number(end_port, f"{path}.endPort")
        if not isinstance(port, int):
            reader.fail(f"{path}.endPort", "needs a numeric port to start the range")
        if end < port:
            reader.fail(f"{path}.endPort", f"{end} is below port {port}")
    return PolicyPort(protocol=protocol, port=port, end_port=end, protocol_declared=declared)


@dataclass(frozen=True)
class PodSpecReading:
    """What the model keeps of a pod spec."""

    ports: tuple[ContainerPort, ...]
    """Ports of `containers` (what Services and policies reach)."""
    host_network: bool
    host_ports: tuple[int, ...]
    """Host ports of every container list, init and ephemeral containers included."""
    containers: tuple[Container, ...]
    host_paths: tuple[str, ...]
    dropped: list[str]


def _pod_spec(reader: FieldReader, spec: Mapping[str, Any], path: str) -> PodSpecReading:
    """Container ports, host networking, capabilities and hostPath volumes of a pod spec at
    `path`, from containers, initContainers and ephemeralContainers alike."""
    ports: list[ContainerPort] = []
    containers: list[Container] = []
    dropped: list[str] = []
    for section in CONTAINER_SECTIONS:
        items = reader.sequence(spec.get(section), f"{path}.{section}")
        for c, raw_container in enumerate(items):
            where = f"{path}.{section}[{c}]"
            container = reader.mapping(raw_container, where)
            own_ports, host_ports = _container_ports(reader, container, where, dropped)
            if section == "containers":
                ports.extend(own_ports)
            add, drop = _capabilities(reader, container, where)
            containers.append(
                Container(
                    name=reader.string(container.get("name"), f"{where}.name"),
                    section=section,
                    host_ports=host_ports,
                    capabilities_add=add,
                    capabilities_drop=drop,
                )
            )
    host_paths: list[str] = []
    for v, raw_volume in enumerate(reader.sequence(spec.get("volumes"), f"{path}.volumes")):
        volume = reader.mapping(raw_volume, f"{path}.volumes[{v}]")
        if volume.get("hostPath") is not None:
            host_path = reader.mapping(volume.get("hostPath"), f"{path}.volumes[{v}].hostPath")
            where = f"{path}.volumes[{v}].hostPath.path"
            host_paths.append(reader.string(host_path.get("path"), where, required=True))
    return PodSpecReading(
        ports=tuple(ports),
        host_network=reader.boolean(spec.get("hostNetwork"), f"{path}.hostNetwork"),
        host_ports=tuple(p for c in containers for p in c.host_ports),
        containers=tuple(containers),
        host_paths=tuple(host_paths),
        dropped=dropped,
    )


def _container_ports(
    reader: FieldReader, container: Mapping[str, Any], where: str, dropped: list[str]
) -> tuple[list[ContainerPort], tuple[int, ...]]:
    ports: list[ContainerPort] = []
    host_ports: list[int] = []
    for p, raw_port in enumerate(reader.sequence(container.get("ports"), f"{where}.ports")):
        port_path = f"{where}.ports[{p}]"
        entry = reader.mapping(raw_port, port_path)
        if entry.get("containerPort") is None:
            # The API would reject it; netpol-analyzer reads on. Keep going, but say so.
            dropped.append(
                f"{reader.location} ({reader.what}): {reader.prefix}{port_path}: "
                "no containerPort, entry ignored"
            )
            continue
        number = reader.port_number(entry.get("containerPort"), f"{port_path}.containerPort")
        protocol = reader.protocol(entry.get("protocol"), f"{port_path}.protocol")
        name = reader.port_name(entry.get("name"), f"{port_path}.name")
        ports.append(ContainerPort(number, protocol, name))
        host = entry.get("hostPort")
        # hostPort 0 is what the API server stores for "unset": it binds nothing.
        if host is not None and host != 0:
            host_ports.append(reader.port_number(host, f"{port_path}.hostPort"))
    return ports, tuple(host_ports)


def _capabilities(
    reader: FieldReader, container: Mapping[str, Any], where: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    context = reader.mapping(container.get("securityContext"), f"{where}.securityContext")
    path = f"{where}.securityContext.capabilities"
    capabilities = reader.mapping(context.get("capabilities"), path)
    add, drop = (
        tuple(
            reader.string(item, f"{path}.{key}[{i}]")
            for i, item in enumerate(reader.sequence(capabilities.get(key), f"{path}.{key}"))
        )
        for key in ("add", "drop")
    )
    return add, drop


def _controller_owner(reader: FieldReader, metadata: Mapping[str, Any]) -> tuple[str, str] | None:
    references = reader.sequence(metadata.get("ownerReferences"), "metadata.ownerReferences")
    for i, raw in enumerate(references):
        where = f"metadata.ownerReferences[{i}]"
        reference = reader.mapping(raw, where)
        if reference.get("controller") is True:
            kind = reader.string(reference.get("kind"), f"{where}.kind")
            name = reader.string(reference.get("name"), f"{where}.name", required=True)
            return kind, name
    return None


def read_pod(reader: FieldReader) -> tuple[PodGroupMember, list[str]]:
    metadata = reader.mapping(reader.obj.get("metadata"), "metadata")
    labels = reader.labels(metadata.get("labels"), "metadata.labels")
    spec = reader.mapping(reader.obj.get("spec"), "spec")
    pod = _pod_spec(reader, spec, "spec")
    owner = _controller_owner(reader, metadata)
    if owner is not None and owner[0] == "Node":
        owner = None  # a static pod: the kubelet's mirror pod is the workload itself
    member = PodGroupMember(
        kind="Pod",
        name=reader.name,
        namespace=reader.namespace,
        labels=labels,
        ports=pod.ports,
        host_network=pod.host_network,
        host_ports=pod.host_ports,
        source=reader.location,
        owner=owner,
        is_pod=True,
        containers=pod.containers,
        host_paths=pod.host_paths,
    )
    return member, pod.dropped


def read_workload_object(reader: FieldReader) -> tuple[PodGroupMember, list[str]]:
    template_path, replicas_field = TEMPLATE_PATHS[reader.kind]
    node: Mapping[str, Any] = reader.obj
    path = ""
    for part in template_path:
        path = f"{path}.{part}" if path else part
        node = reader.mapping(node.get(part), path, required=True)
    template_metadata = reader.mapping(node.get("metadata"), f"{path}.metadata")
    labels = reader.labels(template_metadata.get("labels"), f"{path}.metadata.labels")
    pod_spec = reader.mapping(node.get("spec"), f"{path}.spec")
    pod = _pod_spec(reader, pod_spec, f"{path}.spec")
    replicas = 1
    if replicas_field is not None:
        spec = reader.mapping(reader.obj.get("spec"), "spec")
        value = reader.integer(spec.get(replicas_field), f"spec.{replicas_field}")
        replicas = 1 if value is None else value
    metadata = reader.mapping(reader.obj.get("metadata"), "metadata")
    member = PodGroupMember(
        kind=reader.kind,
        name=reader.name,
        namespace=reader.namespace,
        labels=labels,
        ports=pod.ports,
        host_network=pod.host_network,
        host_ports=pod.host_ports,
        source=reader.location,
        owner=_controller_owner(reader, metadata),
        replicas=replicas,
        containers=pod.containers,
        host_paths=pod.host_paths,
    )
    return member, pod.dropped


def read_service(reader: FieldReader) -> Service:
    spec = reader.mapping(reader.obj.get("spec"), "spec")
    ports: list[ServicePort] = []
    for i, raw in enumerate(reader.sequence(spec.get("ports"), "spec.ports")):
        where = f"spec.ports[{i}]"
        entry = reader.mapping(raw, where)
        port = reader.port_number(entry.get("port"), f"{where}.port")
        target = _int_or_name(reader, entry.get("targetPort"), f"{where}.targetPort")
        node_port = entry.get("nodePort")
        ports.append(
            ServicePort(
                port=port,
                target_port=port if target is None else target,
                protocol=reader.protocol(entry.get("protocol"), f"{where}.protocol"),
                name=reader.string(entry.get("name"), f"{where}.name"),
                node_port=(
                    None
                    if node_port is None
                    else reader.port_number(node_port, f"{where}.nodePort")
                ),
            )
        )
    external = tuple(
        reader.string(item, f"spec.externalIPs[{i}]")
        for i, item in enumerate(reader.sequence(spec.get("externalIPs"), "spec.externalIPs"))
    )
    return Service(
        name=reader.name,
        namespace=reader.namespace,
        type=reader.string(spec.get("type"), "spec.type") or "ClusterIP",
        selector=frozen_labels(reader.labels(spec.get("selector"), "spec.selector")),
        ports=tuple(ports),
        cluster_ip=reader.string(spec.get("clusterIP"), "spec.clusterIP") or None,
        external_ips=external,
        source=reader.location,
    )


def _int_or_name(reader: FieldReader, value: object, path: str) -> int | str | None:
    if value is None:
        return None
    if isinstance(value, str):
        # An IntOrString written as "8080" means the number; a name otherwise.
        number = decimal(value)
        if number is not None:
            return reader.port_number(number, path)
        return reader.port_name(value, path, required=True)
    return reader.port_number(value, path)


def _backend(
    reader: FieldReader, raw: Mapping[str, Any], path: str
) -> tuple[str, int | str | None] | None:
    """(service, port) of an Ingress backend in v1 or extensions/v1beta1 shape."""
    service = raw.get("service")
    if service is not None:  # networking.k8s.io/v1
        spec = reader.mapping(service, f"{path}.service")
        name = reader.string(spec.get("name"), f"{path}.service.name", required=True)
        port_spec = reader.mapping(spec.get("port"), f"{path}.service.port")
        if port_spec.get("name") is not None:
            return name, reader.port_name(port_spec.get("name"), f"{path}.service.port.name")
        number = port_spec.get("number")
        return name, None if number is None else reader.port_number(
            number, f"{path}.service.port.number"
        )
    if raw.get("serviceName") is not None:  # extensions/v1beta1, networking.k8s.io/v1beta1
        name = reader.string(raw.get("serviceName"), f"{path}.serviceName")
        return name, _int_or_name(reader, raw.get("servicePort"), f"{path}.servicePort")
    return None  # a `resource` backend: not a Service, nothing to reach


def read_ingress(reader: FieldReader) -> tuple[Ingress, list[str]]:
    spec = reader.mapping(reader.obj.get("spec"), "spec")
    dropped: list[str] = []
    default: IngressPath | None = None
    for key in ("defaultBackend", "backend"):
        raw = spec.get(key)
        if raw is not None:
            backend = _backend(reader, reader.mapping(raw, f"spec.{key}"), f"spec.{key}")
            if backend is None:
                dropped.append(f"{reader.what}: spec.{key} is not a Service, ignored")
            else:
                default = IngressPath("", "", "", backend[0], backend[1])
    paths: list[IngressPath] = []
    for r, raw_rule in enumerate(reader.sequence(spec.get("rules"), "spec.rules")):
        where = f"spec.rules[{r}]"
        rule = reader.mapping(raw_rule, where)
        host = reader.string(rule.get("host"), f"{where}.host")
        http = reader.mapping(rule.get("http"), f"{where}.http")
        for p, raw_path in enumerate(reader.sequence(http.get("paths"), f"{where}.http.paths")):
            path_where = f"{where}.http.paths[{p}]"
            entry = reader.mapping(raw_path, path_where)
            backend_raw = reader.mapping(
                entry.get("backend"), f"{path_where}.backend", required=True
            )
            backend = _backend(reader, backend_raw, f"{path_where}.backend")
            if backend is None:
                dropped.append(f"{reader.what}: {path_where}.backend is not a Service, ignored")
                continue
            paths.append(
                IngressPath(
                    host=host,
                    path=reader.string(entry.get("path"), f"{path_where}.path"),
                    path_type=reader.string(entry.get("pathType"), f"{path_where}.pathType"),
                    service=backend[0],
                    port=backend[1],
                )
            )
    tls = tuple(
        IngressTLS(
            hosts=tuple(
                reader.string(h, f"spec.tls[{i}].hosts[{j}]")
                for j, h in enumerate(
                    reader.sequence(
                        reader.mapping(item, f"spec.tls[{i}]").get("hosts"), f"spec.tls[{i}].hosts"
                    )
                )
            ),
            secret_name=reader.string(
                reader.mapping(item, f"spec.tls[{i}]").get("secretName"),
                f"spec.tls[{i}].secretName",
            ),
        )
        for i, item in enumerate(reader.sequence(spec.get("tls"), "spec.tls"))
    )
    metadata = reader.mapping(reader.obj.get("metadata"), "metadata")
    annotations = reader.mapping(metadata.get("annotations"), "metadata.annotations")
    ingress = Ingress(
        name=reader.name,
        namespace=reader.namespace,
        kind="Ingress",
        ingress_class=reader.string(spec.get("ingressClassName"), "spec.ingressClassName") or None,
        paths=tuple(paths),
        default_backend=default,
        tls=tls,
        annotations=frozen_labels({str(k): str(v) for k, v in annotations.items()}),
        source=reader.location,
    )
    return ingress, dropped


def read_route(reader: FieldReader) -> tuple[Ingress, list[str]]:
    """An OpenShift Route: `spec.to` plus `spec.alternateBackends`, on `spec.port.targetPort`."""
    spec = reader.mapping(reader.obj.get("spec"), "spec")
    host = reader.string(spec.get("host"), "spec.host")
    path = reader.string(spec.get("path"), "spec.path")
    port_spec = reader.mapping(spec.get("port"), "spec.port")
    target = _int_or_name(reader, port_spec.get("targetPort"), "spec.port.targetPort")
    dropped: list[str] = []
    paths: list[IngressPath] = []
    targets = [("spec.to", spec.get("to"))] + [
        (f"spec.alternateBackends[{i}]", item)
        for i, item in enumerate(
            reader.sequence(spec.get("alternateBackends"), "spec.alternateBackends")
        )
    ]
    for where, raw in targets:
        if raw is None:
            continue
        backend = reader.mapping(raw, where)
        kind = reader.string(backend.get("kind"), f"{where}.kind") or "Service"
        if kind != "Service":
            dropped.append(f"{reader.what}: {where} targets a {kind}, not a Service; ignored")
            continue
        service = reader.string(backend.get("name"), f"{where}.name", required=True)
        paths.append(IngressPath(host, path, "", service, target))
    route = Ingress(
        name=reader.name,
        namespace=reader.namespace,
        kind="Route",
        paths=tuple(paths),
        source=reader.location,
    )
    return route, dropped
