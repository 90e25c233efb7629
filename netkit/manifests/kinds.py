"""One reader per kind: Namespace, NetworkPolicy, Service, Ingress, Route, Pod, workloads."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from netkit import names
from netkit.digits import decimal
from netkit.errors import shown
from netkit.manifests.fields import FieldReader
from netkit.manifests.identity import TEMPLATE_PATHS, WORKLOAD_KINDS, PodGroupMember
from netkit.model import (
    CONTAINER_SECTIONS,
    Container,
    ContainerPort,
    Ingress,
    IngressPath,
    IngressTLS,
    IPAddress,
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
from netkit.shapes import describe as _describe

READ_KINDS = WORKLOAD_KINDS | {
    "Namespace",
    "Pod",
    "Service",
    "Ingress",
    "Route",
    "NetworkPolicy",
    "Node",
    "ServiceAccount",
}


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
    declared = reader.sequence(spec.get("policyTypes"), "spec.policyTypes")
    if len(declared) > 2:
        # The API server's count, before it looks at the values.
        reader.fail(
            "spec.policyTypes",
            f"{len(declared)} entries; the API server takes at most two (Ingress, Egress)",
        )
    types: list[str] = []
    for i, item in enumerate(declared):
        text = reader.string(item, f"spec.policyTypes[{i}]")
        if text not in ("Ingress", "Egress"):
            reader.fail(
                f"spec.policyTypes[{i}]", f"{shown(text)} is not a policy type (Ingress or Egress)"
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
                f"{shown(value)} is a string, so it would name a container port; "
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
    service_account: str = "default"
    """`serviceAccountName` (or the deprecated `serviceAccount`); the API's default."""


def _pod_spec(reader: FieldReader, spec: Mapping[str, Any], path: str) -> PodSpecReading:
    """Container ports, host networking, capabilities and hostPath volumes of a pod spec at
    `path`, from containers, initContainers and ephemeralContainers alike."""
    ports: list[ContainerPort] = []
    containers: list[Container] = []
    dropped: list[str] = []
    named: dict[str, str] = {}
    for section in CONTAINER_SECTIONS:
        items = reader.sequence(spec.get(section), f"{path}.{section}")
        for c, raw_container in enumerate(items):
            where = f"{path}.{section}[{c}]"
            container = reader.mapping(raw_container, where)
            # The API server wants every container named, by a DNS label unique in the pod.
            # The field's tools read pods without (the netpol-analyzer corpus has them,
            # Helm templates name containers RELEASE-NAME-...): a note, as for object names.
            name = reader.string(container.get("name"), f"{where}.name")
            if not name:
                reader.note(f"{where}.name", "is missing")
            else:
                reader.noted(names.dns_label, name, f"{where}.name", "a DNS-1123 label")
                if name in named:
                    reader.note(f"{where}.name", f"{shown(name)} also names {named[name]}")
                named[name] = where
            own_ports, host_ports = _container_ports(reader, container, where, dropped)
            if section == "containers":
                ports.extend(own_ports)
            add, drop = _capabilities(reader, container, where)
            containers.append(
                Container(
                    name=name,
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
    account = reader.string(
        spec.get("serviceAccountName"), f"{path}.serviceAccountName"
    ) or reader.string(spec.get("serviceAccount"), f"{path}.serviceAccount")
    return PodSpecReading(
        ports=tuple(ports),
        host_network=reader.boolean(spec.get("hostNetwork"), f"{path}.hostNetwork"),
        host_ports=tuple(p for c in containers for p in c.host_ports),
        containers=tuple(containers),
        host_paths=tuple(host_paths),
        dropped=dropped,
        service_account=account or "default",
    )


def _container_ports(
    reader: FieldReader, container: Mapping[str, Any], where: str, dropped: list[str]
) -> tuple[list[ContainerPort], tuple[int, ...]]:
    ports: list[ContainerPort] = []
    host_ports: list[int] = []
    port_names: set[str] = set()
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
        if name and name in port_names:
            reader.fail(
                f"{port_path}.name",
                f"{shown(name)} names another port of this container too; the API server "
                "refuses a port name used twice",
            )
        port_names.add(name)
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
    status = reader.mapping(reader.obj.get("status"), "status")
    address_text = reader.string(status.get("podIP"), "status.podIP")
    address = None
    if address_text:
        try:
            address = ipaddress.ip_address(address_text)
        except ValueError:
            reader.fail("status.podIP", f"{address_text!r} is not an IP address")
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
        service_account=pod.service_account,
        address=address,
        node=reader.string(spec.get("nodeName"), "spec.nodeName"),
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
        value = reader.integer(spec.get(replicas_field), f"spec.{replicas_field}", minimum=0)
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
        service_account=pod.service_account,
    )
    return member, pod.dropped


SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")


def read_service(reader: FieldReader) -> Service:
    """A Service, held to the API server's rules for what netkit reads (core/v1
    `validateService`): its type, each port's name, number, target and node port, the
    cluster IP and the external IPs."""
    spec = reader.mapping(reader.obj.get("spec"), "spec")
    kind = reader.string(spec.get("type"), "spec.type") or "ClusterIP"
    if kind not in SERVICE_TYPES:
        reader.fail(
            "spec.type", f"{shown(kind)} is not a Service type ({', '.join(SERVICE_TYPES)})"
        )
    cluster_ip = reader.string(spec.get("clusterIP"), "spec.clusterIP") or None
    if cluster_ip is not None and cluster_ip != "None":
        cluster_ip = str(reader.address(cluster_ip, "spec.clusterIP"))
    raw_ports = reader.sequence(spec.get("ports"), "spec.ports")
    ports: list[ServicePort] = []
    seen: dict[tuple[str, int], int] = {}
    seen_nodes: dict[tuple[str, int], int] = {}
    names_seen: dict[str, int] = {}
    for i, raw in enumerate(raw_ports):
        where = f"spec.ports[{i}]"
        entry = reader.mapping(raw, where)
        port = reader.port_number(entry.get("port"), f"{where}.port")
        protocol = reader.protocol(entry.get("protocol"), f"{where}.protocol")
        name = reader.string(entry.get("name"), f"{where}.name")
        if name:
            reader.checked(names.dns_label, name, f"{where}.name", "port name")
            if name in names_seen:
                reader.fail(
                    f"{where}.name",
                    f"{shown(name)} is also the name of spec.ports[{names_seen[name]}]",
                )
            names_seen[name] = i
        elif len(raw_ports) > 1:
            reader.fail(
                f"{where}.name",
                "is missing; the API server requires a name on every port of a Service "
                "with several",
            )
        if (protocol, port) in seen:
            reader.fail(
                f"{where}.port", f"{port}/{protocol} is also spec.ports[{seen[(protocol, port)]}]"
            )
        seen[(protocol, port)] = i
        target = _int_or_name(reader, entry.get("targetPort"), f"{where}.targetPort")
        node_port = reader.integer(entry.get("nodePort"), f"{where}.nodePort") or None
        if node_port is not None:
            # nodePort 0 is what the API server stores for "allocate one".
            reader.port_number(node_port, f"{where}.nodePort")
            if kind == "ClusterIP":
                # Policy linters' corpora hold such Services to test node-port rules on.
                reader.note(f"{where}.nodePort", "set on a Service of type ClusterIP")
            if (protocol, node_port) in seen_nodes:
                reader.fail(
                    f"{where}.nodePort",
                    f"{node_port}/{protocol} is also the node port of "
                    f"spec.ports[{seen_nodes[(protocol, node_port)]}]",
                )
            seen_nodes[(protocol, node_port)] = i
        ports.append(
            ServicePort(
                port=port,
                # The API server's default: no target port (or 0, or "") is the port itself.
                target_port=port if target is None else target,
                protocol=protocol,
                name=name,
                node_port=node_port,
            )
        )
    if not raw_ports and cluster_ip != "None" and kind != "ExternalName":
        # A Service without ports selects pods but reaches none; linters' corpora hold them.
        reader.note("spec.ports", "missing on a Service that is neither headless nor ExternalName")
    external: list[str] = []
    for i, item in enumerate(reader.sequence(spec.get("externalIPs"), "spec.externalIPs")):
        at = f"spec.externalIPs[{i}]"
        address = reader.address(item, at)
        if (
            address.is_unspecified
            or address.is_loopback
            or address.is_link_local
            or _link_local_multicast(address)
        ):
            reader.fail(
                at,
                f"{address} is unspecified, loopback or link-local, which the API server "
                "refuses for an external IP",
            )
        external.append(str(address))
    return Service(
        name=reader.name,
        namespace=reader.namespace,
        type=kind,
        selector=frozen_labels(reader.labels(spec.get("selector"), "spec.selector")),
        ports=tuple(ports),
        cluster_ip=cluster_ip,
        external_ips=tuple(external),
        source=reader.location,
    )


def _link_local_multicast(address: IPAddress) -> bool:
    """Go's `IsLinkLocalMulticast`: 224.0.0.0/24, or ffX2::/16 whatever the flags X."""
    if isinstance(address, ipaddress.IPv4Address):
        return address in ipaddress.IPv4Network("224.0.0.0/24")
    packed = address.packed
    return packed[0] == 0xFF and packed[1] & 0x0F == 0x02


def _int_or_name(reader: FieldReader, value: object, path: str) -> int | str | None:
    """An IntOrString port as the API server reads it: a number is a port (0 means
    none), a string a port name (an IANA service name, so it holds a letter: "8080" in
    quotes is refused, as the API server refuses it); "" means none."""
    if value is None:
        return None
    if isinstance(value, str):
        if value == "":
            return None
        number = decimal(value)
        if number is not None:
            reader.fail(
                path,
                f"{shown(value)} is a string, so it would name a port, and a port name holds "
                f"a letter (the API server refuses it); write the number {number} without "
                "quotes",
            )
        return reader.port_name(value, path, required=True)
    if value == 0 and not isinstance(value, bool):
        return None
    return reader.port_number(value, path)


def _backend(
    reader: FieldReader, raw: Mapping[str, Any], path: str
) -> tuple[str, int | str | None] | None:
    """(service, port) of an Ingress backend in v1 or extensions/v1beta1 shape."""
    service = raw.get("service")
    if service is not None:  # networking.k8s.io/v1
        if raw.get("resource") is not None:
            reader.fail(path, "has both a service and a resource backend; the API server takes one")
        spec = reader.mapping(service, f"{path}.service")
        name = reader.checked(
            names.dns_1035_label, spec.get("name"), f"{path}.service.name", "service name"
        )
        port_spec = reader.mapping(spec.get("port"), f"{path}.service.port")
        port_name, number = port_spec.get("name") or None, port_spec.get("number") or None
        if port_name is not None and number is not None:
            reader.fail(f"{path}.service.port", "has both a name and a number; give one")
        if port_name is not None:
            return name, reader.port_name(port_name, f"{path}.service.port.name")
        if number is None:
            reader.fail(
                f"{path}.service.port", "needs a name or a number (the API server requires one)"
            )
        return name, reader.port_number(number, f"{path}.service.port.number")
    if raw.get("serviceName") is not None:  # extensions/v1beta1, networking.k8s.io/v1beta1
        name = reader.string(raw.get("serviceName"), f"{path}.serviceName")
        return name, _int_or_name(reader, raw.get("servicePort"), f"{path}.servicePort")
    return None  # a `resource` backend: not a Service, nothing to reach


_PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")
_BAD_PATH_PARTS = ("//", "/./", "/../", "%2f", "%2F")


def _check_host(reader: FieldReader, host: str, path: str, *, rule: bool) -> None:
    """An Ingress host as the API server checks it: a DNS subdomain, or one under a
    leading `*.`; in a rule, not an IP address."""
    if rule and _is_address(host):
        reader.fail(path, f"{shown(host)} is an IP address; a rule's host is a DNS name")
    check = names.hostname if "*" in host else names.dns_subdomain
    reader.checked(check, host, path, "host")


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _check_path(reader: FieldReader, path_type: str, path: str, where: str) -> None:
    """pathType one of the three; an Exact or Prefix path absolute and free of the
    sequences the API server refuses."""
    if path_type and path_type not in _PATH_TYPES:
        reader.fail(
            f"{where}.pathType", f"{shown(path_type)} is not one of {', '.join(_PATH_TYPES)}"
        )
    if path and not path.startswith("/"):
        reader.fail(f"{where}.path", f"{shown(path)} must be an absolute path (start with '/')")
    if path_type in ("Exact", "Prefix"):
        if not path.startswith("/"):
            reader.fail(f"{where}.path", f"{shown(path)} must be an absolute path (start with '/')")
        bad = [part for part in _BAD_PATH_PARTS if part in path]
        bad += [end for end in ("/..", "/.") if path.endswith(end)]
        if bad:
            reader.fail(
                f"{where}.path", f"{shown(path)} holds {bad[0]!r}, which the API server refuses"
            )


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
        if host:
            _check_host(reader, host, f"{where}.host", rule=True)
        http = reader.mapping(rule.get("http"), f"{where}.http")
        for p, raw_path in enumerate(reader.sequence(http.get("paths"), f"{where}.http.paths")):
            path_where = f"{where}.http.paths[{p}]"
            entry = reader.mapping(raw_path, path_where)
            backend_raw = reader.mapping(
                entry.get("backend"), f"{path_where}.backend", required=True
            )
            path_type = reader.string(entry.get("pathType"), f"{path_where}.pathType")
            path_text = reader.string(entry.get("path"), f"{path_where}.path")
            _check_path(reader, path_type, path_text, path_where)
            backend = _backend(reader, backend_raw, f"{path_where}.backend")
            if backend is None:
                dropped.append(f"{reader.what}: {path_where}.backend is not a Service, ignored")
                continue
            paths.append(
                IngressPath(
                    host=host,
                    path=path_text,
                    path_type=path_type,
                    service=backend[0],
                    port=backend[1],
                )
            )
    tls: list[IngressTLS] = []
    for i, item in enumerate(reader.sequence(spec.get("tls"), "spec.tls")):
        entry = reader.mapping(item, f"spec.tls[{i}]")
        hosts = reader.sequence(entry.get("hosts"), f"spec.tls[{i}].hosts")
        host_names = tuple(
            reader.string(h, f"spec.tls[{i}].hosts[{j}]") for j, h in enumerate(hosts)
        )
        for j, tls_host in enumerate(host_names):
            _check_host(reader, tls_host, f"spec.tls[{i}].hosts[{j}]", rule=False)
        secret = reader.string(entry.get("secretName"), f"spec.tls[{i}].secretName")
        if secret:
            reader.checked(names.dns_subdomain, secret, f"spec.tls[{i}].secretName", "secret name")
        tls.append(IngressTLS(hosts=host_names, secret_name=secret))
    if not paths and default is None and not reader.sequence(spec.get("rules"), "spec.rules"):
        reader.fail("spec", "needs rules or a defaultBackend (the API server requires one)")
    metadata = reader.mapping(reader.obj.get("metadata"), "metadata")
    annotations = reader.mapping(metadata.get("annotations"), "metadata.annotations")
    for key, value in annotations.items():
        if not isinstance(value, str):
            reader.fail(
                f"metadata.annotations.{key}",
                f"annotation values are strings, got {_describe(value)}; quote it",
            )
    ingress = Ingress(
        name=reader.name,
        namespace=reader.namespace,
        kind="Ingress",
        ingress_class=reader.string(spec.get("ingressClassName"), "spec.ingressClassName") or None,
        paths=tuple(paths),
        default_backend=default,
        tls=tuple(tls),
        annotations=frozen_labels({str(k): v for k, v in annotations.items()}),
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
