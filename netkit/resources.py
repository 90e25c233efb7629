"""Pulumi resources -> network model: the adapter both front doors share.

`netkit synth` records resources under mocks; the policy pack receives them from the
engine. Either way each is a type token, a name, a URN and its properties with engine
(camelCase) names, and this module turns a list of them into one `NetworkModel`.
Kubernetes resources have the same shape as manifests, so they go through the
manifest reader; Docker networks, containers, Calico and our stack intent are read here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from netkit import calico, cni, shapes
from netkit.cidr import parse_cidr, parse_ip
from netkit.errors import InvalidValue, ManifestError
from netkit.intent import STACK_TYPE, intent_from_props
from netkit.model import (
    AddressSpace,
    CalicoPool,
    CniInstall,
    ContainerPort,
    DockerAttachment,
    DockerContainer,
    DockerNetwork,
    Layer,
    NetworkModel,
    PublishedPort,
)
from netkit.ports import port_number

# What the components write and this reader reads back: one definition for both.
ICC_OPTION = "com.docker.network.bridge.enable_icc"
ENCRYPTED_OPTION = "encrypted"
ROLE_LABEL = "netkit.role"
MULTI_HOST_LABEL = "netkit.multi-host"
HOST_LABEL = "netkit.host"
"""On networks and containers: the stack's name of the Docker host they were placed on."""
PROJECT_LABEL = "netkit.project"
STACK_LABEL = "netkit.stack"
"""On every Docker network and container and every Kubernetes namespace a stack creates:
the Pulumi project and stack whose state owns it (`netkit preflight` names them)."""
PORTS_LABEL = "netkit.ports"
"""On containers: the ports they listen on, e.g. `8080/tcp,5353/udp` (Docker has no field
for a container's listening ports besides its image's EXPOSE)."""
BRIDGE_NAME_OPTION = "com.docker.network.bridge.name"
NETWORK_TYPE = "docker:index/network:Network"
CONTAINER_TYPE = "docker:index/container:Container"
INSTALLATION_TYPE = "kubernetes:operator.tigera.io/v1:Installation"
CHART_TYPES = (
    "kubernetes:helm.sh/v4:Chart",
    "kubernetes:helm.sh/v3:Chart",
    "kubernetes:helm.sh/v3:Release",
)

# The properties the readers below use, for the types whose
# outputs are mostly unknown until the resource exists (`id`, `scope`, `networkDatas`,
# ...). An unknown value elsewhere cannot change a rule's decision, so it must not hold
# the rule back at preview, where a new or replaced resource has unknown outputs.
READ_PROPERTIES = {
    NETWORK_TYPE: frozenset(
        {"name", "driver", "internal", "ipamConfigs", "options", "labels", "attachable"}
    ),
    CONTAINER_TYPE: frozenset({"name", "image", "networksAdvanced", "ports", "labels"}),
}
# Without these a Kubernetes object cannot be placed; the whole object waits for update.
KUBERNETES_IDENTITY = frozenset(
    {"kind", "apiVersion", "metadata", "metadata.name", "metadata.namespace"}
)


class ResourceLike(Protocol):
    """What the adapter needs of a resource (a `ResourceRecord` or the pack's view)."""

    @property
    def type(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def urn(self) -> str: ...

    @property
    def inputs(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Resource:
    """A plain `ResourceLike`, for callers that hold dictionaries."""

    type: str
    name: str
    urn: str = ""
    inputs: Mapping[str, Any] = field(default_factory=dict)


class UnknownValue:
    """Marker for a property whose value is unknown during preview."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = UnknownValue()


def plain_properties(value: Any) -> Any:
    """Properties as plain JSON-ready data.

    The engine carries numbers as protobuf doubles, so a port arrives as 53.0; whole
    numbers become ints again. SDK wrapper types become their string form, except the
    unknown-value marker, which is kept so rules can say what they could not verify.
    """
    if isinstance(value, Mapping):
        return {str(k): plain_properties(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_properties(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str | int | float | bool | UnknownValue) or value is None:
        return value
    return str(value)


def _is_unknown(value: Any) -> bool:
    return isinstance(value, UnknownValue) or (
        isinstance(value, str) and value == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    )


def _labels(items: Any) -> dict[str, str]:
    if items is None or isinstance(items, Mapping):
        return {str(k): str(v) for k, v in shapes.mapping(items, "labels").items()}
    result: dict[str, str] = {}
    for item in shapes.mappings(items, "labels"):
        if isinstance(item, Mapping) and "label" in item:
            result[str(item["label"])] = str(item.get("value", ""))
    return result


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in {"true", "1", "yes"})


class _Builder:
    def __init__(self) -> None:
        self.spaces: list[AddressSpace] = []
        self.networks: list[DockerNetwork] = []
        self.containers: list[DockerContainer] = []
        self.pools: list[CalicoPool] = []
        self.cni: list[CniInstall] = []
        self.unknown: list[str] = []
        self.kubernetes: list[tuple[str, Mapping[str, Any]]] = []
        self.intent: Mapping[str, Any] | None = None
        self.intent_source = ""

    def note_unknown(self, resource: ResourceLike, what: str) -> None:
        self.unknown.append(f"{resource.type} {resource.name!r}: {what}")

    def network(self, res: ResourceLike) -> None:
        inputs = res.inputs
        name = inputs.get("name")
        if _is_unknown(name) or not isinstance(name, str):
            name = res.name
        driver = str(inputs.get("driver") or "bridge")
        layer = Layer.DOCKER_OVERLAY if driver == "overlay" else Layer.DOCKER_BRIDGE
        options = shapes.mapping(inputs.get("options"), "options")
        labels = _labels(inputs.get("labels"))
        subnets: list[AddressSpace] = []
        for index, config in enumerate(shapes.mappings(inputs.get("ipamConfigs"), "ipamConfigs")):
            at = f"ipamConfigs[{index}]"
            subnet = config.get("subnet")
            if _is_unknown(subnet):
                self.note_unknown(res, "ipamConfigs.subnet")
                continue
            if not subnet:
                continue
            gateway = config.get("gateway")
            ip_range = config.get("ipRange")
            space = AddressSpace(
                name=name,
                layer=layer,
                cidr=parse_cidr(subnet, f"{at}.subnet", strict=False),
                source=res.urn or res.name,
                gateway=parse_ip(gateway, f"{at}.gateway")
                if gateway and not _is_unknown(gateway)
                else None,
                ip_range=parse_cidr(ip_range, f"{at}.ipRange", strict=False)
                if ip_range and not _is_unknown(ip_range)
                else None,
                # An overlay spans every host: its range is not one host's.
                host=labels.get(HOST_LABEL, "") if driver != "overlay" else "",
            )
            subnets.append(space)
        self.spaces.extend(subnets)
        self.networks.append(
            DockerNetwork(
                name=name,
                driver=driver,
                subnets=tuple(subnets),
                internal=_truthy(inputs.get("internal")),
                icc=str(options.get(ICC_OPTION, "true")).lower() != "false",
                encrypted=ENCRYPTED_OPTION in options
                and str(options[ENCRYPTED_OPTION]).lower() != "false",
                attachable=_truthy(inputs.get("attachable")),
                multi_host=_truthy(labels.get(MULTI_HOST_LABEL)),
                role=labels.get(ROLE_LABEL, ""),
                source=res.urn or res.name,
                host=labels.get(HOST_LABEL, ""),
                bridge_name=str(options.get(BRIDGE_NAME_OPTION) or ""),
            )
        )

    def container(self, res: ResourceLike) -> None:
        inputs = res.inputs
        attachments = tuple(
            DockerAttachment(
                network=str(n.get("name")), aliases=tuple(str(a) for a in n.get("aliases") or [])
            )
            for n in shapes.mappings(inputs.get("networksAdvanced"), "networksAdvanced")
        )
        published = tuple(
            PublishedPort(
                container_port=port_number(p.get("internal"), f"ports[{i}].internal"),
                host_port=port_number(p["external"], f"ports[{i}].external")
                if p.get("external") is not None
                else None,
                host_ip=str(p.get("ip") or "0.0.0.0"),
                protocol=str(p.get("protocol") or "tcp"),
            )
            for i, p in enumerate(shapes.mappings(inputs.get("ports"), "ports"))
        )
        labels = _labels(inputs.get("labels"))
        self.containers.append(
            DockerContainer(
                name=str(inputs.get("name") or res.name),
                image=str(inputs.get("image") or ""),
                networks=attachments,
                published=published,
                source=res.urn or res.name,
                host=labels.get(HOST_LABEL, ""),
                ports=parse_ports_label(labels.get(PORTS_LABEL, ""), PORTS_LABEL),
            )
        )

    def installation(self, res: ResourceLike) -> None:
        spec = shapes.mapping(res.inputs.get("spec"), "spec")
        network = shapes.mapping(spec.get("calicoNetwork"), "spec.calicoNetwork")
        pools = shapes.mappings(network.get("ipPools"), "spec.calicoNetwork.ipPools")
        for index, pool in enumerate(pools):
            cidr = pool.get("cidr")
            if _is_unknown(cidr) or not cidr:
                self.note_unknown(res, f"ipPools[{index}].cidr")
                continue
            net = parse_cidr(cidr, f"spec.calicoNetwork.ipPools[{index}].cidr", strict=False)
            block = shapes.integer(
                pool.get("blockSize"), f"spec.calicoNetwork.ipPools[{index}].blockSize"
            )
            self.pools.append(
                CalicoPool(
                    name=str(pool.get("name") or f"pool-{index}"),
                    cidr=net,
                    block_size=calico.block_size(net, block or None),
                    encapsulation=calico.encapsulation(
                        net, str(pool.get("encapsulation") or "") or None
                    ),
                    nat_outgoing=str(pool.get("natOutgoing", "Enabled")) != "Disabled",
                    node_selector=str(pool.get("nodeSelector") or "all()"),
                    source=res.urn or res.name,
                )
            )
            self.spaces.append(
                AddressSpace(f"pool-{index}", Layer.CALICO_POOL, net, res.urn or res.name)
            )
        self.cni.append(cni.install(res.name, "calico", res.urn or res.name))

    def chart(self, res: ResourceLike) -> None:
        plugin = cni.plugin_of_chart(str(res.inputs.get("chart") or ""))
        if plugin is not None:
            self.cni.append(cni.install(res.name, plugin, res.urn or res.name))


def ports_label(ports: Iterable[tuple[int, str]]) -> str:
    """The `netkit.ports` label for (port, protocol) pairs: `8080/tcp,5353/udp`."""
    return ",".join(f"{port}/{protocol.lower()}" for port, protocol in ports)


def parse_ports_label(text: str, where: str) -> tuple[ContainerPort, ...]:
    """The inverse of `ports_label`; raises `InvalidValue` naming `where`."""
    ports: list[ContainerPort] = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        number, _, proto = item.partition("/")
        proto = (proto or "tcp").lower()
        if proto not in ("tcp", "udp", "sctp"):
            raise InvalidValue(f"{where}: {item!r}: expected PORT/tcp, PORT/udp or PORT/sctp")
        ports.append(ContainerPort(port_number(number, where), proto.upper()))
    return tuple(ports)


def model_from_resources(resources: Iterable[ResourceLike]) -> NetworkModel:
    """One model of every resource; Kubernetes objects read as manifests."""
    from netkit.manifests import model_from_objects

    builder = _Builder()
    readers = {
        NETWORK_TYPE: builder.network,
        CONTAINER_TYPE: builder.container,
        INSTALLATION_TYPE: builder.installation,
        **dict.fromkeys(CHART_TYPES, builder.chart),
    }
    for res in resources:
        if not isinstance(res.inputs, Mapping):
            raise ManifestError(
                f"{res.type} {res.name!r}: inputs: expected a mapping of properties, got "
                f"{shapes.describe(res.inputs)}"
            )
        if res.type in readers:
            try:
                readers[res.type](res)
            except InvalidValue as error:
                # A resource list written by hand (`netkit check resources.json`) may hold
                # anything: name the resource, the field and the value, not a traceback.
                raise ManifestError(f"{res.type} {res.name!r}: {error}") from None
        elif res.type == STACK_TYPE:
            builder.intent = res.inputs.get("intent") or {}
            builder.intent_source = res.urn or res.name
        elif res.type.startswith("kubernetes:") and "kind" in res.inputs:
            builder.kubernetes.append((f"{res.type}::{res.name}", res.inputs))
    k8s_model = model_from_objects(builder.kubernetes)
    spaces = list(builder.spaces)
    extra: dict[str, Any] = {}
    if builder.intent is not None:
        try:
            intent = intent_from_props(builder.intent, builder.intent_source)
        except InvalidValue as error:
            raise ManifestError(f"{STACK_TYPE} {builder.intent_source!r}: {error}") from None
        spaces.extend(intent.address_spaces)
        if intent.cluster_cni in cni.ENFORCES_NETWORK_POLICY:
            # Declared in the stack file: running already, so no resource installs it.
            builder.cni.append(cni.install("clusterCni", intent.cluster_cni, builder.intent_source))
        extra = {
            "connections": intent.connections,
            "exposure": intent.exposure,
            "pod_cidr": intent.pod_cidr,
            "docker_hosts": intent.docker_hosts,
            "docker_engines": intent.docker_engines,
            "dns_namespace": intent.dns_namespace,
            "dns_labels": intent.dns_labels,
            "ingress_controller_namespace": intent.ingress_controller_namespace,
            "ingress_controller_labels": intent.ingress_controller_labels,
        }
    return replace(
        k8s_model,
        address_spaces=tuple(spaces) + k8s_model.address_spaces,
        docker_networks=tuple(builder.networks),
        docker_containers=tuple(builder.containers),
        calico_pools=tuple(builder.pools),
        cni=tuple(builder.cni) + k8s_model.cni,
        unknown=tuple(builder.unknown) + k8s_model.unknown,
        **extra,
    )
