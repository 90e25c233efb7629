"""The typed stack spec: what a `Pulumi.<stack>.yaml` declares under the `netkit:` keys.

The spec is plain data (pydantic models), parsed and cross-checked before any Pulumi
resource exists. Keys are camelCase in the stack file, as in Kubernetes manifests; every
field documents its default. `load_stack_file` and `parse_stack_config` raise
`InvalidStackConfig` with one line per mistake:

    Pulumi.dev.yaml: netkit:docker.bridges[1].subnets[0].subnet: subnet '10.0.0.0/33': prefix must be 0-32
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from netkit import calico, docker_hosts, names
from netkit.cidr import parse_cidr, parse_ip
from netkit.digits import decimal
from netkit.documents import read_documents
from netkit.errors import MAX_SHOWN, InvalidStackConfig, InvalidValue, NetkitError, shown
from netkit.model import Endpoint, IPNetwork, PolicyPort
from netkit.ports import parse_port_spec, port_number
from netkit.structured import DocumentProblem, load_json

PROJECT = "netkit"
"""The Pulumi project name, and so the namespace of every config key."""

LOCAL_HOST = "local"
"""Name of the one host of a stack that declares no `docker.hosts`."""

DEFAULT_IMAGE = "netkit/busybox:local"
"""Made locally from Debian's busybox-static (`scripts/docker-image.sh`); never pulled."""


def _check(func: Callable[..., Any], *args: Any) -> Callable[[Any], Any]:
    def validate(value: Any) -> Any:
        return func(value, *args)

    return validate


def _pulumi_int(value: object) -> object:
    """Pulumi's documented coercion for config values: a whole number written as text
    ("8080", as `pulumi config set` stores it) is that number. Nothing else is turned into
    an integer: true is not 1, and 2.0 is not 2 (the spec is strict, see `Spec`)."""
    if isinstance(value, str):
        number = decimal(value.removeprefix("-"))
        if number is not None:
            return -number if value.startswith("-") else number
    return value


def _pulumi_bool(value: object) -> object:
    """Pulumi's `get_bool` reading of config text: "true"/"True" and "false"/"False"."""
    return (
        {"true": True, "True": True, "false": False, "False": False}.get(value, value)
        if isinstance(value, str)
        else value
    )


ConfigInt = Annotated[int, BeforeValidator(_pulumi_int)]
"""A whole number: an int, or its decimal text (Pulumi's config coercion); never a
boolean or a float."""
ConfigBool = Annotated[bool, BeforeValidator(_pulumi_bool)]
"""true or false, or Pulumi's text for them; never 1, 0 or "yes"."""

# Every user-facing scalar goes through one of these, so messages stay uniform.
Cidr = Annotated[str, AfterValidator(lambda v: str(parse_cidr(v)))]
IpAddress = Annotated[str, AfterValidator(lambda v: str(parse_ip(v)))]
DockerName = Annotated[str, AfterValidator(_check(names.docker_name))]
K8sName = Annotated[str, AfterValidator(_check(names.dns_label))]
ServiceName = Annotated[str, AfterValidator(_check(names.dns_1035_label, "service name"))]
"""A Service's name: an RFC 1035 label, as the API server (and the manifest reader) want."""
PortName = Annotated[str, AfterValidator(_check(names.iana_service_name))]
"""A named port: an IANA service name, the manifest reader's rule for container ports."""
HostName = Annotated[str, AfterValidator(_check(names.hostname))]


def _rule_host(value: object) -> str:
    if isinstance(value, str) and "*" in value:
        raise InvalidValue(
            f"host {value!r}: wildcards are not allowed in a rule's host (a wildcard answers "
            "for every name under it, each needing its own TLS); name each host, like "
            f"{value.replace('*', 'shop', 1)!r}"
        )
    return names.dns_subdomain(value, "host")


RuleHost = Annotated[str, AfterValidator(_rule_host)]
Port = Annotated[int, BeforeValidator(_check(port_number))]
LabelMap = Annotated[dict[str, str], BeforeValidator(_check(names.labels))]


class Spec(BaseModel):
    """Base of every spec record: camelCase keys, unknown keys refused, immutable."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        use_attribute_docstrings=True,
        # No silent conversion: true is no replica count, 2.0 no port, 1 no boolean. The
        # one coercion Pulumi documents for config values (text to a number or boolean)
        # is ConfigInt's and ConfigBool's.
        strict=True,
    )


# --------------------------------------------------------------------------- docker


class SubnetSpec(Spec):
    subnet: Cidr
    """IPv4 or IPv6 CIDR owned by the network, e.g. "10.10.0.0/24"."""
    gateway: IpAddress | None = None
    """Gateway address inside `subnet`. Default: Docker picks the first address."""
    ip_range: Cidr | None = None
    """Sub-range containers are allocated from. Default: the whole subnet."""

    @model_validator(mode="after")
    def _inside_subnet(self) -> SubnetSpec:
        subnet = ipaddress.ip_network(self.subnet)
        if self.gateway is not None and ipaddress.ip_address(self.gateway) not in subnet:
            raise InvalidValue(
                f"gateway {self.gateway!r} is outside subnet {self.subnet!r}; "
                f"use an address inside it, e.g. '{next(subnet.hosts(), subnet[0])}'"
            )
        ip_range = ipaddress.ip_network(self.ip_range) if self.ip_range is not None else None
        if ip_range is not None and not (
            ip_range.version == subnet.version and ip_range.subnet_of(subnet)  # type: ignore[arg-type]
        ):
            raise InvalidValue(
                f"ipRange {self.ip_range!r} is not inside subnet {self.subnet!r}; "
                "use a range inside it"
            )
        return self


def _one_subnet_per_family(subnets: list[SubnetSpec]) -> list[SubnetSpec]:
    versions = [ipaddress.ip_network(s.subnet).version for s in subnets]
    if len(versions) != len(set(versions)):
        raise InvalidValue("at most one IPv4 and one IPv6 subnet per network")
    return subnets


Subnets = Annotated[list[SubnetSpec], Field(min_length=1), AfterValidator(_one_subnet_per_family)]


class HostSpec(Spec):
    """A Docker engine the stack places networks and containers on."""

    name: K8sName
    """Host name the stack uses (`host:` of bridges and containers), e.g. "host1"."""
    url: Annotated[str, AfterValidator(docker_hosts.check_url)]
    """Engine URL: `unix://`, `tcp://`, `ssh://`, or `netkit-hosts://hostN` for an engine of
    `scripts/docker-hosts.sh` (resolved to its socket on this machine)."""


def _host_list(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        raise InvalidValue(
            f"{value!r}: expected a list of hosts with their engine URLs (a bare count is no "
            "longer read), e.g. [{name: host1, url: 'ssh://deploy@docker1.example.com'}, ...]"
        )
    return value


HostRef = Annotated[str, AfterValidator(_check(names.dns_label, "host"))]
"""A `host:` reference: the name of one of `docker.hosts`."""


class BridgeSpec(Spec):
    """A user-defined Docker bridge network on one host."""

    name: DockerName
    """Docker network name."""
    host: HostRef | None = None
    """The host (of `docker.hosts`) the bridge lives on. Default: the first host."""
    subnets: Subnets
    """IPAM config: one IPv4 and optionally one IPv6 subnet."""
    internal: ConfigBool = True
    """No route out of the host. Default: True (backends stay private)."""
    icc: ConfigBool = True
    """Inter-container communication on this bridge. Default: True (needed for DNS peers)."""
    mtu: Annotated[ConfigInt, Field(ge=68, le=65535)] | None = None
    """Bridge MTU. Default: the engine's (1500)."""
    bridge_name: Annotated[str, Field(max_length=15, pattern=r"^[a-zA-Z0-9_.-]+$")] | None = None
    """Linux interface name (at most 15 characters). Default: `br-<id>`."""
    labels: LabelMap = Field(default_factory=dict)
    """Docker labels on the network."""
    multi_host: ConfigBool = False
    """Meant to carry traffic between hosts (a bridge cannot: use an overlay)."""
    role: str = ""
    """Free-form tier ("frontend", "backend"); policy rules may key on it."""


class OverlaySpec(Spec):
    """A swarm-scope overlay network spanning hosts."""

    name: DockerName
    """Docker network name."""
    subnets: Subnets
    """IPAM config: one IPv4 and optionally one IPv6 subnet."""
    encrypted: ConfigBool = False
    """IPsec between hosts. Default: False; prod stacks require it through the pack."""
    attachable: ConfigBool = True
    """Standalone containers may join (not only swarm services). Default: True."""
    vxlan_id: Annotated[ConfigInt, Field(ge=4097, le=16777215)] | None = None
    """VXLAN network identifier. Default: derived from the name, so it is stable across runs."""
    internal: ConfigBool = False
    """No route out. Default: False."""
    labels: LabelMap = Field(default_factory=dict)
    """Docker labels on the network."""
    role: str = ""
    """Free-form tier, as for bridges."""


class AttachmentSpec(Spec):
    network: DockerName
    """Name of a bridge or overlay declared in this stack."""
    aliases: list[Annotated[str, AfterValidator(_check(names.dns_subdomain, "alias"))]] = Field(
        default_factory=list
    )
    """Extra DNS names on this network. The container name always resolves."""


class PublishSpec(Spec):
    port: Port
    """Container port."""
    host_port: Port | None = None
    """Host port. Default: the same as `port`."""
    host_ip: IpAddress = "127.0.0.1"
    """Host address to bind. Default: 127.0.0.1 (loopback only, never all interfaces)."""
    protocol: Literal["tcp", "udp"] = "tcp"
    """tcp or udp. Default: tcp."""


class ListenSpec(Spec):
    """A port the container listens on."""

    port: Port
    """Container port, e.g. 8080."""
    protocol: Literal["tcp", "udp"] = "tcp"
    """tcp or udp. Default: tcp."""


DEFAULT_COMMAND = ["httpd", "-f", "-p", "8080"]
"""A container's command unless the stack gives one: busybox httpd on 8080."""


class ContainerSpec(Spec):
    """A container attached to declared networks with DNS aliases (service discovery)."""

    name: DockerName
    """Container name; always resolvable by peers on its networks."""
    host: HostRef | None = None
    """The host (of `docker.hosts`) the container runs on. Default: the first host."""
    image: str | None = None
    """Image reference. Default: `docker.image`."""
    command: list[str] = Field(default_factory=lambda: list(DEFAULT_COMMAND))
    """Command. Default: busybox httpd on 8080, so peers have something to reach."""
    networks: Annotated[list[AttachmentSpec], Field(min_length=1)]
    """Networks to join (at least one), each with optional aliases."""
    publish: list[PublishSpec] = Field(default_factory=list)
    """Published ports. Default: none."""
    ports: list[ListenSpec] | None = None
    """Ports it listens on (`netkit probe` tries them). Default: 8080/tcp with the default command, else the published container ports."""

    def listening(self) -> list[ListenSpec]:
        """`ports`, or what the default says the container listens on."""
        if self.ports is not None:
            return self.ports
        if self.command == DEFAULT_COMMAND:
            return [ListenSpec(port=8080)]
        seen = {(p.port, p.protocol) for p in self.publish}
        return [ListenSpec(port=port, protocol=proto) for port, proto in sorted(seen)]


class DockerSpec(Spec):
    image: str = DEFAULT_IMAGE
    """Default image for containers. Default: the locally built busybox image."""
    hosts: Annotated[list[HostSpec], BeforeValidator(_host_list)] = Field(default_factory=list)
    """The Docker hosts, the first one a swarm manager (overlays are created there). Default:
    one host, `local`, at `host`; more than one makes multiHost bridges an error."""
    host: str | None = None
    """Engine URL of the only host when `hosts` is empty. Default: the local engine
    (DOCKER_HOST or the default socket)."""
    bridges: list[BridgeSpec] = Field(default_factory=list)
    """Bridge networks (one host each)."""
    overlays: list[OverlaySpec] = Field(default_factory=list)
    """Overlay networks (span the swarm's hosts)."""
    containers: list[ContainerSpec] = Field(default_factory=list)
    """Containers attached to the declared networks."""

    def host_names(self) -> list[str]:
        """The hosts' names in order; `local` when the stack declares none."""
        return [h.name for h in self.hosts] or [LOCAL_HOST]

    def host_count(self) -> int:
        return max(1, len(self.hosts))

    def host_of(self, thing: BridgeSpec | ContainerSpec | OverlaySpec) -> str:
        """Where a bridge or container lives (an overlay: the first host, the manager)."""
        explicit = None if isinstance(thing, OverlaySpec) else thing.host
        return explicit or self.host_names()[0]


# --------------------------------------------------------------------------- kubernetes


class ChartSpec(Spec):
    """Where the tigera-operator Helm chart comes from: a repository or a local path."""

    repository: str | None = None
    """Chart repository URL, e.g. https://docs.tigera.io/calico/charts."""
    version: str | None = None
    """Chart version, e.g. v3.29.1. Required with `repository`."""
    path: str | None = None
    """Local chart folder, for air-gapped installs."""

    @model_validator(mode="after")
    def _one_source(self) -> ChartSpec:
        if (self.path is None) == (self.repository is None):
            raise InvalidValue("give either 'repository' (with 'version') or 'path'")
        if self.repository is not None and not self.version:
            raise InvalidValue(f"chart repository {self.repository!r} needs a 'version'")
        return self


Encapsulation = Literal["IPIP", "IPIPCrossSubnet", "VXLAN", "VXLANCrossSubnet", "None"]


class IpPoolSpec(Spec):
    cidr: Cidr
    """Pod addresses for this pool, inside the pod CIDR."""
    block_size: ConfigInt | None = None
    """Per-node block prefix. Default: 26 (IPv4) or 122 (IPv6), as Calico's."""
    encapsulation: Encapsulation = "VXLANCrossSubnet"
    """Default: VXLANCrossSubnet (encapsulate only between subnets; works on IPv6 too)."""
    nat_outgoing: ConfigBool = True
    """SNAT traffic leaving the pool. Default: True."""
    node_selector: str = "all()"
    """Calico selector of the nodes that use the pool. Default: all()."""


class CalicoSpec(Spec):
    """The Calico CNI: the Tigera operator and its `Installation`."""

    chart: ChartSpec | None = None
    """The operator's chart. None: the operator is already installed (manage only the Installation)."""
    namespace: K8sName = "tigera-operator"
    """Namespace of the operator. Default: tigera-operator."""
    mtu: Annotated[ConfigInt, Field(ge=576, le=9000)] | None = None
    """Pod network MTU. Default: Calico auto-detects."""
    ip_pools: Annotated[list[IpPoolSpec], Field(min_length=1)]
    """IP pools (Calico allows at most 25; checked with Calico's other rules)."""


class ServicePortSpec(Spec):
    name: PortName = "http"
    """Port name (container port and Service targetPort). Default: http."""
    port: Port = 8080
    """Service and container port. Default: 8080."""
    protocol: Literal["TCP", "UDP", "SCTP"] = "TCP"
    """TCP, UDP or SCTP. Default: TCP."""


ServiceType = Literal["ClusterIP", "Headless", "NodePort", "LoadBalancer"]
_INTERNAL_SERVICE_TYPES: tuple[ServiceType, ...] = ("ClusterIP", "Headless")


class AppServiceSpec(Spec):
    """One workload of a namespace: a Deployment and the Service in front of it."""

    name: ServiceName
    """Deployment and Service name; pods carry `app: <name>`."""
    image: str = "registry.local/netkit/app:1.0"
    """Container image. Default: a placeholder (manifests are rendered, not run, in dev)."""
    replicas: Annotated[ConfigInt, Field(ge=0)] = 2
    """Pod replicas. Default: 2."""
    ports: Annotated[list[ServicePortSpec], Field(min_length=1)] = Field(
        default_factory=lambda: [ServicePortSpec()]
    )
    """Ports. Default: one TCP port 8080 named http."""
    type: ServiceType = "ClusterIP"
    """Service type. Default: ClusterIP (nothing exposed outside the cluster)."""
    labels: LabelMap = Field(default_factory=dict)
    """Extra pod labels. The pods always carry `app: <name>`."""


class NamespaceSpec(Spec):
    name: K8sName
    """Namespace name."""
    labels: LabelMap = Field(default_factory=dict)
    """Namespace labels (the name label is always added by Kubernetes)."""
    services: list[AppServiceSpec] = Field(default_factory=list)
    """Workloads of the namespace."""
    default_deny: ConfigBool | None = None
    """Deny all ingress and egress not declared as a connection, with a NetworkPolicy of its own. Default: True, or False when `kubernetes.baseline` denies by default for every namespace."""
    allow_dns: ConfigBool = True
    """With default deny, still allow DNS egress to the cluster DNS. Default: True."""


class IngressPathSpec(Spec):
    path: str = "/"
    """Must start with "/". Default: "/"."""
    path_type: Literal["Prefix", "Exact"] = "Prefix"
    """Prefix or Exact. Default: Prefix."""
    service: ServiceName
    """A service declared in the ingress's namespace."""
    port: Port | None = None
    """Service port. Default: the service's first port."""

    @model_validator(mode="after")
    def _absolute(self) -> IngressPathSpec:
        if not self.path.startswith("/"):
            raise InvalidValue(
                f"path {self.path!r} must start with '/'; did you mean '/{self.path}'?"
            )
        return self


class IngressRuleSpec(Spec):
    host: RuleHost
    """Host name routed by this rule (no wildcards: every host gets TLS)."""
    paths: Annotated[list[IngressPathSpec], Field(min_length=1)]
    """Paths on this host, each to a service."""


class IngressTlsSpec(Spec):
    hosts: Annotated[list[HostName], Field(min_length=1)]
    """Hosts served with this certificate."""
    secret_name: K8sName
    """Secret holding the certificate and key."""


class IngressSpec(Spec):
    name: K8sName
    """Ingress name."""
    namespace: K8sName
    """Namespace of the Ingress and of its backend services."""
    class_name: K8sName = "nginx"
    """ingressClassName. Default: nginx."""
    rules: Annotated[list[IngressRuleSpec], Field(min_length=1)]
    """Host rules (at least one)."""
    tls: list[IngressTlsSpec] = Field(default_factory=list)
    """TLS entries; every rule host must appear in one unless allowPlaintextHosts lists it."""
    allow_plaintext_hosts: list[HostName] = Field(default_factory=list)
    """Hosts explicitly allowed without TLS. Default: none (every host needs TLS)."""


class IngressControllerSpec(Spec):
    """Where the ingress controller's pods run, so policies can admit its traffic."""

    namespace: K8sName = "ingress-nginx"
    """Namespace of the controller pods. Default: ingress-nginx."""
    pod_labels: LabelMap = Field(
        default_factory=lambda: {"app.kubernetes.io/name": "ingress-nginx"}
    )
    """Labels of the controller pods. Default: app.kubernetes.io/name: ingress-nginx."""


class DnsSpec(Spec):
    """The cluster DNS, the target of the DNS egress every default deny keeps."""

    namespace: K8sName = "kube-system"
    """Namespace of the cluster DNS. Default: kube-system."""
    pod_labels: LabelMap = Field(default_factory=lambda: {"k8s-app": "kube-dns"})
    """Labels of the DNS pods. Default: k8s-app: kube-dns."""


def _endpoint(value: object) -> Endpoint:
    """`ns/workload`, `ns/*` (every pod of a namespace) or a CIDR."""
    if not isinstance(value, str) or not value:
        raise InvalidValue(
            f"endpoint {value!r}: expected 'namespace/service', 'namespace/*' or a CIDR"
        )
    text = value.strip()
    if (
        "/" in text
        and text.split("/", 1)[0].replace(".", "").replace(":", "").isalnum()
        and ("." in text or ":" in text)
    ):
        return Endpoint(cidr=parse_cidr(text))
    namespace, slash, workload = text.partition("/")
    if not slash:
        raise InvalidValue(
            f"endpoint {value!r}: name the namespace too: '<namespace>/{value}' for one "
            "service, or '<namespace>/*' for every pod of a namespace"
        )
    names.dns_label(namespace, f"namespace in endpoint {value!r}")
    if workload == "*":
        return Endpoint(namespace=namespace)
    names.dns_1035_label(workload, f"service in endpoint {value!r}")
    return Endpoint(namespace=namespace, workload=workload)


EndpointSpec = Annotated[Endpoint, BeforeValidator(_endpoint)]
PortSpec = Annotated[PolicyPort, BeforeValidator(_check(parse_port_spec))]


class ConnectionSpec(Spec):
    """Intent: `from` may open connections to `to` on `ports`; nothing else may."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        frozen=True,
        arbitrary_types_allowed=True,
        use_attribute_docstrings=True,
        strict=True,
    )
    source: EndpointSpec = Field(alias="from")
    """`from`: 'namespace/service', 'namespace/*' or a CIDR."""
    destination: EndpointSpec = Field(alias="to")
    """`to`: 'namespace/service', 'namespace/*' or a CIDR."""
    ports: Annotated[list[PortSpec], Field(min_length=1)]
    """'8080', '8080/TCP', '53/UDP', '8000-8100/TCP'. Required: least privilege."""


class ExposureSpec(Spec):
    service_types: list[ServiceType] = Field(default_factory=lambda: list(_INTERNAL_SERVICE_TYPES))
    """Service types allowed. Default: ClusterIP and headless only."""
    external_ips: list[IpAddress] = Field(default_factory=list)
    """Service externalIPs allowed. Default: none."""
    public_publish: ConfigBool = False
    """Docker may publish ports on 0.0.0.0. Default: False."""
    overlay_encryption: ConfigBool = False
    """Every overlay must be encrypted. Default: False (prod sets it)."""


BaselineKind = Literal["GlobalNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"]

BASELINE_EXEMPT = [
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "calico-system",
    "calico-apiserver",
    "tigera-operator",
]


class BaselineSpec(Spec):
    """One cluster-wide policy that denies by default and keeps DNS, for every namespace."""

    kind: BaselineKind
    """The API that writes it: Calico's `GlobalNetworkPolicy` (needs Calico), the network-policy API's `BaselineAdminNetworkPolicy` (v1alpha1) or a Baseline-tier `ClusterNetworkPolicy` (v1alpha2)."""
    name: K8sName = "netkit-baseline"
    """Object name. Default: netkit-baseline (a BaselineAdminNetworkPolicy is always `default`, the one the API allows)."""
    exempt_namespaces: list[K8sName] = Field(default_factory=lambda: list(BASELINE_EXEMPT))
    """Namespaces it leaves alone (the cluster's own). The DNS and ingress controller namespaces are always left alone too. Default: kube-system, kube-public, kube-node-lease and Calico's."""
    allow_dns: bool = True
    """Still allow DNS to the cluster DNS (UDP and TCP 53). Default: True."""
    order: Annotated[float, Field(ge=0)] = 2000
    """GlobalNetworkPolicy only: its order in the default tier, after Kubernetes NetworkPolicies (1000). Default: 2000."""


ClusterCni = Literal["calico", "cilium", "canal", "kube-router", "antrea", "weave", "flannel"]
"""The plugins netkit.cni recognises (a test keeps the two lists equal)."""


class KubernetesSpec(Spec):
    mode: Literal["render", "cluster"] = "render"
    """render: write manifests to `renderDirectory` (no cluster). cluster: apply to a cluster."""
    render_directory: str = "rendered/{stack}"
    """Where manifests are written in render mode; `{stack}` is the stack name."""
    kubeconfig: str | None = None
    """Path to a kubeconfig in cluster mode. Default: the usual lookup (KUBECONFIG, ~/.kube/config)."""
    context: str | None = None
    """kubeconfig context in cluster mode. Default: the current context."""
    cluster_domain: HostName = "cluster.local"
    """Cluster DNS domain. Default: cluster.local."""
    pod_cidr: Cidr = "10.244.0.0/16"
    """The cluster's pod network. Default: 10.244.0.0/16."""
    service_cidr: Cidr = "10.96.0.0/12"
    """The cluster's Service network. Default: 10.96.0.0/12."""
    node_cidrs: list[Cidr] = Field(default_factory=list)
    """Node (host) networks, checked for overlap with everything else."""
    calico: CalicoSpec | None = None
    """Install Calico as CNI. Default: none (not managed by this stack)."""
    baseline: BaselineSpec | None = None
    """One cluster-wide policy denying by default and keeping DNS, instead of a default deny per namespace (docs/policy-tiers.md). Default: none."""
    cluster_cni: ClusterCni | None = None
    """The CNI plugin the cluster already runs (not installed by this stack), e.g. kube-router on the local cluster; the CNI rule counts it. Default: none."""
    dns: DnsSpec = Field(default_factory=DnsSpec)
    """The cluster DNS that default-deny namespaces keep reaching."""
    ingress_controller: IngressControllerSpec = Field(default_factory=IngressControllerSpec)
    """The ingress controller's pods, admitted to Ingress backends."""
    namespaces: list[NamespaceSpec] = Field(default_factory=list)
    """Namespaces with their services."""
    ingresses: list[IngressSpec] = Field(default_factory=list)
    """Ingresses routing hosts and paths to services."""
    connections: list[ConnectionSpec] = Field(default_factory=list)
    """Declared connections: the only traffic the policies allow."""

    def default_deny(self, namespace: NamespaceSpec) -> bool:
        """Whether `namespace` gets a default-deny NetworkPolicy of its own: as declared,
        else unless a cluster baseline denies by default."""
        if namespace.default_deny is not None:
            return namespace.default_deny
        return self.baseline is None

    def baseline_exempt(self) -> list[str]:
        """The namespaces the baseline leaves alone: the declared ones, the DNS's and the
        ingress controller's."""
        assert self.baseline is not None
        extra = [self.dns.namespace, self.ingress_controller.namespace]
        return list(dict.fromkeys([*self.baseline.exempt_namespaces, *extra]))


class ReservedSpec(Spec):
    name: str
    """A name for messages, e.g. corp-vpn."""
    cidr: Cidr
    """A range the stack must never use: a VPN, an on-prem network."""


class StackSpec(Spec):
    """Everything under the `netkit:` keys of one stack file."""

    reserved: list[ReservedSpec] = Field(default_factory=list)
    """Ranges the stack must never use (VPN, on-prem)."""
    docker: DockerSpec = Field(default_factory=DockerSpec)
    """Docker networks and containers."""
    kubernetes: KubernetesSpec = Field(default_factory=KubernetesSpec)
    """Kubernetes networking."""
    exposure: ExposureSpec = Field(default_factory=ExposureSpec)
    """What may be exposed outside the cluster or host."""

    @model_validator(mode="after")
    def _cross_references(self) -> StackSpec:
        check_cross_references(self)
        return self


# --------------------------------------------------------------------------- cross checks


class _Problem(InvalidValue):
    """A cross-reference mistake located at a key path."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


def _unique(items: list[str], path: str, what: str) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item in seen:
            raise _Problem(
                f"{path}[{index}].name", f"duplicate {what} {item!r}; names must be unique"
            )
        seen.add(item)


def check_cross_references(spec: StackSpec) -> None:
    """Checks that span records: unique names, references to declared things. Each area
    is checked in turn, so the first problem reported is the first in the file's order."""
    for check in (
        _check_docker,
        _check_services,
        _check_ingresses,
        _check_connections,
        _check_calico,
        _check_baseline,
    ):
        check(spec)


def _check_baseline(spec: StackSpec) -> None:
    """A GlobalNetworkPolicy baseline needs Calico to exist (its CRDs) and to enforce it."""
    k8s = spec.kubernetes
    baseline = k8s.baseline
    if baseline is None or baseline.kind != "GlobalNetworkPolicy":
        return
    if k8s.calico is None and k8s.cluster_cni not in ("calico", "canal"):
        raise _Problem(
            "kubernetes.baseline.kind",
            "a GlobalNetworkPolicy is Calico's; install Calico (kubernetes.calico) or name it "
            "as the cluster's CNI (kubernetes.clusterCni: calico), or choose "
            "BaselineAdminNetworkPolicy or ClusterNetworkPolicy",
        )


def _check_docker(spec: StackSpec) -> None:
    """Unique network and container names; attachments to declared networks; bridges on
    one host; published ports reachable from outside."""
    docker = spec.docker
    _unique([b.name for b in docker.bridges], "docker.bridges", "network")
    _unique([o.name for o in docker.overlays], "docker.overlays", "network")
    for index, overlay in enumerate(docker.overlays):
        if any(b.name == overlay.name for b in docker.bridges):
            raise _Problem(
                f"docker.overlays[{index}].name",
                f"network {overlay.name!r} is declared as a bridge too; give the overlay a name "
                "of its own",
            )
    _unique([c.name for c in docker.containers], "docker.containers", "container")
    networks = {b.name for b in docker.bridges} | {o.name for o in docker.overlays}
    _check_hosts(docker)
    for index, bridge in enumerate(docker.bridges):
        if bridge.multi_host and docker.host_count() > 1:
            raise _Problem(
                f"docker.bridges[{index}].multiHost",
                f"bridge {bridge.name!r} is meant to carry traffic between "
                f"{docker.host_count()} hosts, but a bridge network only spans one host; "
                "declare it under docker.overlays",
            )
    for index, container in enumerate(docker.containers):
        for n, attachment in enumerate(container.networks):
            if attachment.network not in networks:
                raise _Problem(
                    f"docker.containers[{index}].networks[{n}].network",
                    f"network {attachment.network!r} is not declared; declared: {sorted(networks)}",
                )
        internal_only = all(_is_internal(spec, a.network) for a in container.networks)
        if container.publish and internal_only:
            raise _Problem(
                f"docker.containers[{index}].publish",
                f"container {container.name!r} publishes ports but is only on internal networks; "
                "attach it to a non-internal network too",
            )


def _declared_services(spec: StackSpec) -> dict[tuple[str, str], AppServiceSpec]:
    """(namespace, name) -> the service declared there."""
    return {(ns.name, svc.name): svc for ns in spec.kubernetes.namespaces for svc in ns.services}


def _check_services(spec: StackSpec) -> None:
    """Unique namespace and service names; service types the stack's exposure allows."""
    k8s = spec.kubernetes
    _unique([ns.name for ns in k8s.namespaces], "kubernetes.namespaces", "namespace")
    for n_index, ns in enumerate(k8s.namespaces):
        _unique(
            [s.name for s in ns.services], f"kubernetes.namespaces[{n_index}].services", "service"
        )
        for s_index, svc in enumerate(ns.services):
            if svc.type not in spec.exposure.service_types:
                allowed = ", ".join(spec.exposure.service_types)
                raise _Problem(
                    f"kubernetes.namespaces[{n_index}].services[{s_index}].type",
                    f"service type {svc.type!r} is not allowed in this stack (allowed: {allowed}); "
                    "add it to exposure.serviceTypes if it is intended",
                )


def _check_ingresses(spec: StackSpec) -> None:
    """Unique ingress names; each ingress's namespace, backends and TLS hosts."""
    k8s = spec.kubernetes
    namespaces = {ns.name for ns in k8s.namespaces}
    services = _declared_services(spec)
    _unique([i.name for i in k8s.ingresses], "kubernetes.ingresses", "ingress")
    for i_index, ingress in enumerate(k8s.ingresses):
        _check_ingress(ingress, f"kubernetes.ingresses[{i_index}]", namespaces, services)


def _check_connections(spec: StackSpec) -> None:
    """Each connection names declared namespaces and services, one side in the cluster,
    and ports its destination serves."""
    k8s = spec.kubernetes
    namespaces = {ns.name for ns in k8s.namespaces}
    services = _declared_services(spec)
    named: dict[str, int] = {}
    for c_index, conn in enumerate(k8s.connections):
        _check_connection_named_once(conn, c_index, named, k8s.connections)
        for side, endpoint in (("from", conn.source), ("to", conn.destination)):
            where = f"kubernetes.connections[{c_index}].{side}"
            if endpoint.namespace is not None and endpoint.namespace not in namespaces:
                raise _Problem(
                    where,
                    f"namespace {endpoint.namespace!r} is not declared in kubernetes.namespaces",
                )
            if (
                endpoint.workload is not None
                and (endpoint.namespace, endpoint.workload) not in services
            ):
                raise _Problem(
                    where,
                    f"service {endpoint.namespace}/{endpoint.workload} is not declared; "
                    f"add it to the services of namespace {endpoint.namespace!r}",
                )
        if conn.source.cidr is not None and conn.destination.cidr is not None:
            raise _Problem(
                f"kubernetes.connections[{c_index}]",
                "one side of a connection must be in the cluster; name a namespace or a service "
                "(namespace/service) on one side",
            )
        if conn.destination.workload is not None:
            _check_ports_served(conn, services, f"kubernetes.connections[{c_index}].ports")


def _check_calico(spec: StackSpec) -> None:
    """Each IP pool's own rules, and Calico's limit on their number."""
    calico = spec.kubernetes.calico
    if calico is None:
        return
    for p_index, pool in enumerate(calico.ip_pools):
        _check_pool(pool, f"kubernetes.calico.ipPools[{p_index}]")
    if len(calico.ip_pools) > 25:
        raise _Problem("kubernetes.calico.ipPools", "Calico supports at most 25 IP pools")


def _check_hosts(docker: DockerSpec) -> None:
    """Hosts named once and declared where used; a container only joins bridges of its own
    host; no two networks on different hosts share addresses (an overlay reaches every host,
    and a host routes a shared range to one network only)."""
    _unique([h.name for h in docker.hosts], "docker.hosts", "host")
    if docker.hosts and docker.host is not None:
        raise _Problem(
            "docker.host",
            f"{docker.host!r} is the URL of a stack's only engine, and this stack lists "
            "docker.hosts; give each engine's URL there and remove docker.host",
        )
    declared = docker.host_names()
    placed: list[tuple[str, BridgeSpec | ContainerSpec]] = [
        *((f"docker.bridges[{i}]", b) for i, b in enumerate(docker.bridges)),
        *((f"docker.containers[{i}]", c) for i, c in enumerate(docker.containers)),
    ]
    for where, thing in placed:
        if thing.host is not None and thing.host not in declared:
            raise _Problem(
                f"{where}.host",
                f"host {thing.host!r} is not declared; declared: {declared} (docker.hosts)",
            )
    bridges = {b.name: docker.host_of(b) for b in docker.bridges}
    for index, container in enumerate(docker.containers):
        host = docker.host_of(container)
        for n, attachment in enumerate(container.networks):
            bridge_host = bridges.get(attachment.network)
            if bridge_host is not None and bridge_host != host:
                raise _Problem(
                    f"docker.containers[{index}].networks[{n}].network",
                    f"container {container.name!r} on host {host!r} cannot join bridge "
                    f"{attachment.network!r} of host {bridge_host!r}: a bridge only connects "
                    "containers on its own host; use an overlay (docker.overlays)",
                )
    if docker.host_count() < 2:
        return
    networks: list[tuple[str, str, str, str]] = [
        (f"docker.bridges[{i}].subnets[{j}].subnet", b.name, docker.host_of(b), s.subnet)
        for i, b in enumerate(docker.bridges)
        for j, s in enumerate(b.subnets)
    ] + [
        (f"docker.overlays[{i}].subnets[{j}].subnet", o.name, "every host", s.subnet)
        for i, o in enumerate(docker.overlays)
        for j, s in enumerate(o.subnets)
    ]
    for a_index, (where, name, host, subnet) in enumerate(networks):
        for _other_where, other, other_host, other_subnet in networks[:a_index]:
            if host == other_host or not ipaddress.ip_network(subnet).overlaps(
                ipaddress.ip_network(other_subnet)
            ):
                continue
            raise _Problem(
                where,
                f"subnet {subnet!r} of {name!r} ({host}) overlaps {other_subnet!r} of "
                f"{other!r} ({other_host}); networks on different hosts need ranges of their "
                "own (`netkit plan` finds free ones)",
            )


def _check_connection_named_once(
    conn: ConnectionSpec, index: int, named: dict[str, int], every: Sequence[ConnectionSpec]
) -> None:
    """Each connection becomes policies named after its endpoints (`connection_id`):
    two with the same name would be one Pulumi resource declared twice."""
    ident = names.connection_id(conn.source, conn.destination)
    first = named.setdefault(ident, index)
    if first == index:
        return
    this = f"{conn.source.describe()} -> {conn.destination.describe()}"
    earlier = every[first]
    if (earlier.source, earlier.destination) == (conn.source, conn.destination):
        fix = f"is already declared in connections[{first}]; merge the ports into one entry"
    else:
        fix = (
            f"gets the same policy names ({ident!r}) as connections[{first}] "
            f"({earlier.source.describe()} -> {earlier.destination.describe()}); rename a "
            "namespace or service so their names differ"
        )
    raise _Problem(f"kubernetes.connections[{index}]", f"{this} {fix}")


def _is_internal(spec: StackSpec, network: str) -> bool:
    for bridge in spec.docker.bridges:
        if bridge.name == network:
            return bridge.internal
    return any(o.name == network and o.internal for o in spec.docker.overlays)


def _check_ports_served(
    conn: ConnectionSpec, services: Mapping[tuple[str, str], AppServiceSpec], where: str
) -> None:
    dest = conn.destination
    svc = services[(dest.namespace or "", dest.workload or "")]
    served = {(p.protocol, p.port) for p in svc.ports}
    for port in conn.ports:
        start = port.port if isinstance(port.port, int) else 0
        end = port.end_port or start
        if not any(proto == port.protocol and start <= num <= end for proto, num in served):
            listed = ", ".join(f"{p.port}/{p.protocol}" for p in svc.ports)
            raise _Problem(
                where,
                f"{dest.namespace}/{dest.workload} serves {listed}, not {start}/{port.protocol}; "
                "connect to a port the service declares",
            )


def _check_ingress(
    ingress: IngressSpec,
    where: str,
    namespaces: set[str],
    services: Mapping[tuple[str, str], AppServiceSpec],
) -> None:
    if ingress.namespace not in namespaces:
        raise _Problem(f"{where}.namespace", f"namespace {ingress.namespace!r} is not declared")
    seen: set[tuple[str, str]] = set()
    rule_hosts = {rule.host for rule in ingress.rules}
    for r_index, rule in enumerate(ingress.rules):
        for p_index, path in enumerate(rule.paths):
            at = f"{where}.rules[{r_index}].paths[{p_index}]"
            if (rule.host, path.path) in seen:
                raise _Problem(at, f"host {rule.host!r} path {path.path!r} is routed twice")
            seen.add((rule.host, path.path))
            svc = services.get((ingress.namespace, path.service))
            if svc is None:
                raise _Problem(
                    f"{at}.service",
                    f"service {path.service!r} is not declared in namespace {ingress.namespace!r}",
                )
            if path.port is not None and path.port not in {p.port for p in svc.ports}:
                ports = ", ".join(str(p.port) for p in svc.ports)
                raise _Problem(
                    f"{at}.port",
                    f"service {path.service!r} has no port {path.port} (it has {ports})",
                )
    tls_hosts = {host for tls in ingress.tls for host in tls.hosts}
    for t_index, tls in enumerate(ingress.tls):
        for host in tls.hosts:
            if host not in rule_hosts:
                raise _Problem(
                    f"{where}.tls[{t_index}].hosts",
                    f"TLS host {host!r} has no rule; add a rule for it or remove it",
                )
    for r_index, rule in enumerate(ingress.rules):
        if rule.host not in tls_hosts and rule.host not in ingress.allow_plaintext_hosts:
            raise _Problem(
                f"{where}.rules[{r_index}].host",
                f"host {rule.host!r} has no TLS; add it to a tls entry, or to "
                "allowPlaintextHosts if plain HTTP is intended",
            )


def calico_block_size(pool: IpPoolSpec) -> int:
    """The block size in force: the declared one, or Calico's default for the family."""
    return calico.block_size(ipaddress.ip_network(pool.cidr), pool.block_size)


def _check_pool(pool: IpPoolSpec, where: str) -> None:
    network: IPNetwork = ipaddress.ip_network(pool.cidr)
    problems = calico.pool_problems(
        f"pool {pool.cidr}", network, calico_block_size(pool), pool.encapsulation
    )
    if problems:
        field, message = problems[0]
        raise _Problem(f"{where}.{field}", message)


# --------------------------------------------------------------------------- loading

RecordT = TypeVar("RecordT", bound=Spec)


def _format_location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in {"function-after[_check(), str]", "function-before[_check(), int]"}:
            continue
        elif not part.startswith(("function-", "list[", "dict[")):
            # A key with a line break or another unprintable character is shown quoted,
            # so the message stays on its one line.
            key = part if part.isprintable() and len(part) <= MAX_SHOWN else shown(part)
            path += f".{key}" if path else key
    return path


def _clean(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for item in error.errors():
        loc = _format_location(tuple(item["loc"]))
        ctx_error = (item.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _Problem):
            loc = ctx_error.path
        message = _clean(item["msg"])
        if item["type"] == "extra_forbidden":
            message = f"unknown key {str(item['loc'][-1])!r}; check the spelling against the stack-file reference (docs/reference.md)"
        elif item["type"] == "missing":
            message = "required key is missing"
        elif item["type"] in _TYPE_WORDS:
            message = _wrong_type(item["input"], _TYPE_WORDS[item["type"]])
        elif item["type"] != "value_error":
            message = f"{shown(item['input'])}: {message}"
        found.append((loc, message))
    return found


_TYPE_WORDS = {
    "int_type": "a whole number",
    "bool_type": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
}


def _yaml_text(value: object) -> str:
    """How the value reads in the stack file (YAML), for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    return shown(value)


def _wrong_type(value: object, wanted: str) -> str:
    """What was written instead of `wanted`, and the fix; the spec converts no type into
    another (but Pulumi's text for numbers and booleans)."""
    found = _yaml_text(value)
    if wanted == "a whole number" and isinstance(value, bool):
        return f"{found} is a boolean, not a whole number; write the number, like 2"
    if wanted == "a whole number" and isinstance(value, float):
        fix = f"write {int(value)}" if value.is_integer() else "write a whole number"
        return f"{found} is not a whole number; {fix}"
    if wanted == "true or false" and isinstance(value, int | float):
        return f"{found} is a number, not true or false; write true or false"
    if wanted == "text" and isinstance(value, bool | int | float):
        return f"{found} is not text; quote it if it is meant as text: '{found}'"
    return f"{found}: expected {wanted}"


def parse_stack_config(config: Mapping[str, Any], source: str) -> StackSpec:
    """Build the spec from `netkit:`-namespaced config values (as Pulumi holds them).

    `config` maps keys like `netkit:docker` to values (already decoded or JSON text);
    keys of other namespaces (`docker:host`, `kubernetes:context`) are left alone.
    """
    data: dict[str, Any] = {}
    for key, value in config.items():
        namespace, _, name = key.partition(":")
        if namespace != PROJECT:
            if name in StackSpec.model_fields:
                # `infra:docker`: a stack key under another project's name would be
                # ignored, and the stack would pass every check with nothing declared.
                raise InvalidStackConfig(
                    f"{source}: {key}: netkit reads its stack keys under {PROJECT}: "
                    f"(the project name); rename it to {PROJECT}:{name}"
                )
            continue
        if isinstance(value, str):
            # The engine hands objects over as JSON text: read with the same limits as
            # a file (depth, keys written twice).
            with contextlib.suppress(json.JSONDecodeError):
                try:
                    value = load_json(value)
                except DocumentProblem as problem:
                    raise InvalidStackConfig(f"{source}: {key}: {problem.message}") from None
        data[name] = value
    if not data:
        # A stack file holding only its encryption salt (`pulumi stack select --create`
        # of a mistyped name) would deploy an empty stack and report success.
        raise InvalidStackConfig(
            f"{source}: no netkit configuration; add netkit:docker and/or netkit:kubernetes "
            "under config: (docs/reference.md lists every key), or pick an "
            "existing stack"
        )
    unknown = sorted(set(data) - set(StackSpec.model_fields))
    if unknown:
        raise InvalidStackConfig(
            f"{source}: {PROJECT}:{unknown[0]}: unknown key; the stack keys are "
            + ", ".join(f"{PROJECT}:{key}" for key in StackSpec.model_fields)
        )
    try:
        return StackSpec.model_validate(data)
    except ValidationError as error:
        lines = [f"{source}: {PROJECT}:{loc}: {message}" for loc, message in _problems(error)]
        raise InvalidStackConfig(*lines) from None


def from_wire(value: Any) -> Any:
    """Inputs as a component provider receives them from the engine, which carries every
    number as a float (a YAML program's `replicas: 3` arrives as 3.0): whole floats read
    as the integers they were written as; nothing else changes."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {key: from_wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_wire(item) for item in value]
    return value


def validate_record(record: type[RecordT], data: Any, source: str) -> RecordT:
    """One spec record (a bridge, a container) from plain data given outside a stack file,
    e.g. a component's inputs from another language (`from_wire`); mistakes read as the
    stack file's do, one line each, prefixed with `source`."""
    try:
        return record.model_validate(from_wire(data))
    except ValidationError as error:
        lines = [f"{source}: {loc}: {message}" for loc, message in _problems(error)]
        raise InvalidStackConfig(*lines) from None


def read_stack_file(path: Path) -> dict[str, Any]:
    """The `config:` mapping of a stack file, with a clear error when it is unreadable."""
    if not path.is_file():
        found = sorted(p.name for p in path.parent.glob("Pulumi.*.yaml"))
        there = f"{', '.join(found)} in {path.parent}" if found else f"none in {path.parent}"
        raise InvalidStackConfig(
            f"{path.name}: no such stack file ({there}); create it, pick another --stack, "
            "or give the project folder with --project-dir"
        )
    # The hardened reader: depth, aliases and keys written twice are refused in one line.
    documents = read_documents(path, InvalidStackConfig, path.name)
    if len(documents) > 1:
        raise InvalidStackConfig(
            f"{path.name}: holds {len(documents)} YAML documents; a stack file is one mapping"
        )
    document = (documents[0] if documents else None) or {}
    if not isinstance(document, dict):
        raise InvalidStackConfig(f"{path.name}: expected a mapping with a 'config:' key")
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise InvalidStackConfig(f"{path.name}: 'config' must be a mapping of key: value")
    return {str(key): value for key, value in config.items()}


def load_stack_file(path: Path) -> StackSpec:
    """Parse `Pulumi.<stack>.yaml` into a spec; errors name the file and the key path."""
    return parse_stack_config(read_stack_file(path), path.name)


def stack_file(project_dir: Path, stack: str) -> Path:
    """`Pulumi.<stack>.yaml`; for `org/stack` or `org/project/stack`, as Pulumi names
    the file, only the stack's own name counts."""
    return project_dir / f"Pulumi.{stack.rsplit('/', 1)[-1]}.yaml"


__all__ = [
    "DEFAULT_IMAGE",
    "PROJECT",
    "AppServiceSpec",
    "BridgeSpec",
    "CalicoSpec",
    "ConnectionSpec",
    "ContainerSpec",
    "DockerSpec",
    "IngressSpec",
    "KubernetesSpec",
    "NamespaceSpec",
    "NetkitError",
    "OverlaySpec",
    "StackSpec",
    "load_stack_file",
    "parse_stack_config",
    "validate_record",
]
