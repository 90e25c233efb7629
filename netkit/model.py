"""The network model: plain data describing everything a stack declares.

Every front door (our Pulumi program run offline, Kubernetes manifests, the policy
pack's view of a preview) builds one `NetworkModel`, and every analysis reads it.
Nothing here imports Pulumi: the model must load in a plain interpreter.

All records are frozen dataclasses holding tuples and read-only mappings, so a model
can be shared between analyses without defensive copies.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from netkit.calico_selector import CalicoSelector
from netkit.portset import ConnectionSet

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

Labels = Mapping[str, str]


def frozen_labels(labels: Mapping[str, str] | None = None) -> Labels:
    """A read-only copy of `labels` (empty when None)."""
    return MappingProxyType(dict(labels or {}))


# --------------------------------------------------------------------------- addresses


class Layer(StrEnum):
    """Where an address range lives; overlap messages name both layers."""

    DOCKER_BRIDGE = "docker bridge"
    DOCKER_OVERLAY = "docker overlay"
    DOCKER_DEFAULT_POOL = "docker default pool"
    DOCKER_SWARM_POOL = "docker swarm pool"
    CALICO_POOL = "calico pool"
    POD_CIDR = "pod cidr"
    SERVICE_CIDR = "service cidr"
    NODE = "node network"
    HOST_ROUTE = "host route"
    RESERVED = "reserved"


@dataclass(frozen=True)
class AddressSpace:
    """One CIDR owned by one thing (a network, a pool, a reserved range)."""

    name: str
    layer: Layer
    cidr: IPNetwork
    source: str = ""
    """Where it was declared: a Pulumi URN or name, or `file#document`."""
    gateway: IPAddress | None = None
    ip_range: IPNetwork | None = None
    host: str = ""
    """The Docker host it lives on (a host's network or route), "" when not host-bound."""
    live: bool = False
    """Read from a running engine (it exists there), not declared by the stack."""

    def describe(self) -> str:
        where = f" on host {self.host!r}" if self.host else ""
        if self.live and self.layer is Layer.DOCKER_SWARM_POOL:
            where = f" of the swarm of host {self.host!r}"
        existing = "existing " if self.live and self.layer in _NETWORK_LAYERS else ""
        return f"{existing}{self.layer} {self.name!r} {self.cidr}{where}"


_NETWORK_LAYERS = frozenset({Layer.DOCKER_BRIDGE, Layer.DOCKER_OVERLAY})


# --------------------------------------------------------------------------- docker


@dataclass(frozen=True)
class DockerNetwork:
    """A Docker network as declared (bridge or overlay)."""

    name: str
    driver: str
    """"bridge" or "overlay"."""
    subnets: tuple[AddressSpace, ...] = ()
    internal: bool = False
    icc: bool = True
    """Inter-container communication (bridge option `enable_icc`)."""
    encrypted: bool = False
    attachable: bool = False
    multi_host: bool = False
    """The stack spec says this network carries traffic between hosts."""
    role: str = ""
    """Free-form tier from the spec (e.g. "backend"); rules may key on it."""
    source: str = ""
    host: str = ""
    """The Docker host it was created on (an overlay: the manager); "" when unknown."""
    bridge_name: str = ""
    """The Linux bridge device (`com.docker.network.bridge.name`); "" when Docker names it."""
    live: bool = False
    """Read from a running engine, not declared by the stack."""

    @property
    def spans_hosts(self) -> bool:
        """An overlay reaches containers on every host of the swarm; anything else only
        those of its own host."""
        return self.driver == "overlay"


@dataclass(frozen=True)
class PublishedPort:
    container_port: int
    host_port: int | None
    host_ip: str
    """The host address it is bound to: 127.0.0.1, 0.0.0.0, ::, a specific address, or
    "" (Docker's default: every IPv4 and IPv6 address)."""
    protocol: str = "tcp"


@dataclass(frozen=True)
class DockerAttachment:
    network: str
    aliases: tuple[str, ...] = ()
    address: str = ""
    """The container's IPv4 address on the network, when read from an engine."""


@dataclass(frozen=True)
class DockerContainer:
    name: str
    image: str = ""
    networks: tuple[DockerAttachment, ...] = ()
    published: tuple[PublishedPort, ...] = ()
    source: str = ""
    host: str = ""
    """The Docker host it runs on; "" when unknown."""
    ports: tuple[ContainerPort, ...] = ()
    """Ports it listens on (the stack's `ports`, the image's EXPOSE): what peers connect
    to, and what `netkit probe` tries."""
    id: str = ""
    """The Docker container ID, when read from an engine."""


@dataclass(frozen=True)
class DockerEngine:
    """A Docker engine a model was read from, or that a stack names."""

    name: str
    """The host's name (`host1`; `local` for a stack's single engine)."""
    url: str = ""
    """The engine URL as given (`unix://...`, `netkit-hosts://host1`)."""


# --------------------------------------------------------------------------- calico


@dataclass(frozen=True)
class CalicoPool:
    name: str
    cidr: IPNetwork
    block_size: int
    encapsulation: str = "IPIP"
    nat_outgoing: bool = True
    node_selector: str = "all()"
    source: str = ""


@dataclass(frozen=True)
class CniInstall:
    """A CNI plugin the stack installs (Calico, Flannel, ...)."""

    name: str
    plugin: str
    enforces_network_policy: bool
    source: str = ""


# --------------------------------------------------------------------------- kubernetes


class SelectorOperator(StrEnum):
    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"


@dataclass(frozen=True)
class SelectorRequirement:
    key: str
    operator: SelectorOperator
    values: frozenset[str] = frozenset()
    written: tuple[str, ...] = field(default=(), compare=False)
    """`values` in the order the manifest lists them, for messages (empty: unknown)."""


@dataclass(frozen=True)
class LabelSelector:
    """A Kubernetes label selector. The empty selector matches everything."""

    match_labels: Labels = field(default_factory=frozen_labels)
    match_expressions: tuple[SelectorRequirement, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: Labels) -> bool:
        """Kubernetes semantics: every matchLabels pair and every expression must hold."""
        for key, value in self.match_labels.items():
            if labels.get(key) != value:
                return False
        for req in self.match_expressions:
            present = req.key in labels
            if req.operator is SelectorOperator.IN:
                if not present or labels[req.key] not in req.values:
                    return False
            elif req.operator is SelectorOperator.NOT_IN:
                if present and labels[req.key] in req.values:
                    return False
            elif req.operator is SelectorOperator.EXISTS:
                if not present:
                    return False
            elif present:  # DOES_NOT_EXIST
                return False
        return True

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.match_labels.items())), self.match_expressions))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LabelSelector):
            return NotImplemented
        return (
            dict(self.match_labels) == dict(other.match_labels)
            and self.match_expressions == other.match_expressions
        )


NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class Namespace:
    name: str
    labels: Labels = field(default_factory=frozen_labels)
    declared: bool = True
    """False when only implied by a workload's namespace."""
    source: str = ""

    def effective_labels(self) -> Labels:
        """Labels as the API server sees them: the name label is always present."""
        return frozen_labels({**self.labels, NAMESPACE_NAME_LABEL: self.name})


@dataclass(frozen=True)
class ContainerPort:
    port: int
    protocol: str = "TCP"
    name: str = ""


CONTAINER_SECTIONS = ("containers", "initContainers", "ephemeralContainers")
"""The lists of a pod spec that hold containers; each can open host ports and keep
capabilities, so every least-privilege reading covers all three."""


@dataclass(frozen=True)
class Container:
    """One container of a pod template, as the least-privilege rules read it."""

    name: str
    section: str = "containers"
    """Which list of the pod spec holds it: one of `CONTAINER_SECTIONS`."""
    host_ports: tuple[int, ...] = ()
    """Host ports its ports bind (an unset or 0 hostPort binds none)."""
    capabilities_add: tuple[str, ...] = ()
    capabilities_drop: tuple[str, ...] = ()
    """`securityContext.capabilities`, as written (e.g. `NET_RAW`, `ALL`)."""


@dataclass(frozen=True)
class PodVariant:
    """One listed pod of a workload whose labels or ports differ from the workload's.

    Pods that share an owner usually share the template's labels, but a manifest dump can
    show a gap (a rollout in progress, per-pod labels such as a StatefulSet's pod name).
    The reachability analysis treats each variant as one more pod of the workload.
    """

    name: str
    labels: Labels = field(default_factory=frozen_labels)
    ports: tuple[ContainerPort, ...] = ()


@dataclass(frozen=True)
class PodPlacement:
    """Where one listed pod of a workload runs: its address and its node.

    Cluster-wide policies and Calico rules match pods by address (`networks`, `nets`) and
    host-networked pods by their node (`nodes`); NetworkPolicies never do.
    """

    shape: int
    """Which pod shape it is: 0 the workload's own labels and ports, i its pod_variants[i-1]."""
    address: IPAddress | None = None
    """`status.podIP`; None when not known (manifests from a repository)."""
    node: str = ""
    """`spec.nodeName`; "" when not known."""


@dataclass(frozen=True)
class Workload:
    """Pods that share a template: a Deployment, a bare Pod, a DaemonSet, ..."""

    kind: str
    name: str
    namespace: str
    labels: Labels = field(default_factory=frozen_labels)
    """Pod (template) labels: what policies and Services select."""
    ports: tuple[ContainerPort, ...] = ()
    replicas: int = 1
    host_network: bool = False
    host_ports: tuple[int, ...] = ()
    source: str = ""
    pod_variants: tuple[PodVariant, ...] = ()
    """Listed pods whose labels or ports differ from `labels`/`ports` (usually empty)."""
    containers: tuple[Container, ...] = ()
    """Every container of the pod template, init and ephemeral ones included."""
    host_paths: tuple[str, ...] = ()
    """Paths of the template's hostPath volumes."""
    service_account: str = "default"
    """`serviceAccountName` of the pod template (Calico rules select service accounts)."""
    placements: tuple[PodPlacement, ...] = ()
    """Address and node of each listed pod that has one (empty for templates)."""

    @property
    def ref(self) -> str:
        """`namespace/name[Kind]`, the connlist notation."""
        return f"{self.namespace}/{self.name}[{self.kind}]"


@dataclass(frozen=True)
class ServicePort:
    port: int
    target_port: int | str
    protocol: str = "TCP"
    name: str = ""
    node_port: int | None = None


@dataclass(frozen=True)
class Service:
    name: str
    namespace: str
    type: str = "ClusterIP"
    selector: Labels = field(default_factory=frozen_labels)
    ports: tuple[ServicePort, ...] = ()
    cluster_ip: str | None = None
    external_ips: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class IngressPath:
    host: str
    path: str
    path_type: str
    service: str
    port: int | str | None


@dataclass(frozen=True)
class IngressTLS:
    hosts: tuple[str, ...]
    secret_name: str


@dataclass(frozen=True)
class Ingress:
    """An Ingress or an OpenShift Route: traffic from the ingress controller to Services."""

    name: str
    namespace: str
    kind: str = "Ingress"
    ingress_class: str | None = None
    paths: tuple[IngressPath, ...] = ()
    default_backend: IngressPath | None = None
    tls: tuple[IngressTLS, ...] = ()
    annotations: Labels = field(default_factory=frozen_labels)
    source: str = ""

    def backends(self) -> tuple[IngressPath, ...]:
        extra = (self.default_backend,) if self.default_backend else ()
        return self.paths + extra


@dataclass(frozen=True)
class IPBlock:
    cidr: IPNetwork
    excepts: tuple[IPNetwork, ...] = ()


@dataclass(frozen=True)
class PolicyPeer:
    """One `from`/`to` entry. Exactly one of ip_block or a selector pair is set."""

    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None


@dataclass(frozen=True)
class PolicyPort:
    protocol: str = "TCP"
    port: int | str | None = None
    """None: every port of the protocol; str: a named container port."""
    end_port: int | None = None
    protocol_declared: bool = True
    """False when the manifest omitted `protocol` (defaults to TCP; hygiene rule)."""


@dataclass(frozen=True)
class PolicyRule:
    """One ingress or egress rule. Empty peers: any peer; empty ports: any port."""

    peers: tuple[PolicyPeer, ...] = ()
    ports: tuple[PolicyPort, ...] = ()


@dataclass(frozen=True)
class NetworkPolicy:
    name: str
    namespace: str
    pod_selector: LabelSelector = field(default_factory=LabelSelector)
    ingress: tuple[PolicyRule, ...] = ()
    egress: tuple[PolicyRule, ...] = ()
    affects_ingress: bool = True
    affects_egress: bool = False
    """policyTypes, resolved with the API defaults when omitted."""
    policy_types_declared: bool = True
    source: str = ""


@dataclass(frozen=True)
class Node:
    """A cluster node: what `nodes` peers select, and where host-networked pods run."""

    name: str
    labels: Labels = field(default_factory=frozen_labels)
    addresses: tuple[IPAddress, ...] = ()
    """IP addresses of `status.addresses`."""
    source: str = ""


@dataclass(frozen=True)
class NetworkSet:
    """A Calico NetworkSet (namespaced) or GlobalNetworkSet ("" namespace): labelled
    address ranges outside the cluster that Calico rule selectors take like endpoints."""

    name: str
    namespace: str
    labels: Labels = field(default_factory=frozen_labels)
    nets: tuple[IPNetwork, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class ServiceAccount:
    """A service account: Calico rules select pods by their account's name and labels."""

    name: str
    namespace: str
    labels: Labels = field(default_factory=frozen_labels)
    source: str = ""


# --------------------------------------------------------------------------- tiered policies

Selector = LabelSelector | CalicoSelector
"""A Kubernetes label selector or a Calico selector expression; both `matches(labels)`."""


class RuleAction(StrEnum):
    """What a tiered rule does to the traffic it matches (see docs/policy-tiers.md)."""

    ALLOW = "Allow"
    """Allowed: final for this direction (the network-policy API's v1alpha2 calls it Accept)."""
    DENY = "Deny"
    """Dropped: final."""
    PASS = "Pass"
    """Skips the rest of its tier: the next tier that applies decides."""
    LOG = "Log"
    """Calico: logged, and the next rule is tried."""


class TierEnd(StrEnum):
    """What a tier does with traffic none of its rules decided, once one of its policies
    selects the endpoint for the direction."""

    DENY = "Deny"
    PASS = "Pass"


@dataclass(frozen=True)
class PolicyTier:
    """An ordered group of policies: Calico's `Tier`, or one the APIs imply.

    Tiers run in `order` (lowest first; None last), then by name. netkit places
    NetworkPolicies in `default`, AdminNetworkPolicies and Admin ClusterNetworkPolicies in
    `Admin`, BaselineAdminNetworkPolicies and Baseline ClusterNetworkPolicies in `Baseline`.
    """

    name: str
    order: float | None
    end: TierEnd = TierEnd.DENY
    """What the tier does with traffic its rules leave undecided (Calico's defaultAction)."""
    source: str = ""


@dataclass(frozen=True)
class ServiceRef:
    """A Service by namespace and name (Calico's `services` match)."""

    namespace: str
    name: str


@dataclass(frozen=True)
class Entity:
    """Who one side of a tiered rule is (or whom a policy applies to).

    Every condition set must hold (Calico's EntityRule reads so; the network-policy API's
    peers set one). Pod conditions (`namespace` ... `service`) match pods only, never
    host-networked ones; address conditions (`nets`, `not_nets`) match addresses outside
    the cluster and pods whose address is known; `nodes` matches host-networked pods on
    the nodes it selects.
    """

    pods: bool = True
    """Pods may match (False: addresses only, e.g. a `networks` peer)."""
    addresses: bool = True
    """Addresses outside the cluster may match (False: pods only)."""
    namespace: str | None = None
    """Only pods of this namespace (a namespaced Calico policy's own)."""
    namespace_selector: Selector | None = None
    """Only pods whose namespace's labels match; None: no condition."""
    pod_selector: Selector | None = None
    """Only pods whose labels match; None: no condition."""
    not_pod_selector: Selector | None = None
    """Only pods whose labels do not match (Calico's notSelector)."""
    service_accounts: frozenset[str] | None = None
    """Only pods running as one of these service accounts (names)."""
    service_account_selector: Selector | None = None
    """Only pods whose service account's labels match."""
    service: ServiceRef | None = None
    """Only the pods behind this Service."""
    nets: tuple[IPNetwork, ...] | None = None
    """Only addresses inside one of these; None: no condition."""
    not_nets: tuple[IPNetwork, ...] = ()
    """Only addresses inside none of these."""
    nodes: LabelSelector | None = None
    """Only host-networked pods on nodes whose labels match (and nothing else)."""
    ip_version: int | None = None
    """Only addresses of this IP version (Calico's rule `ipVersion`); None: either."""
    network_sets: bool = False
    """Calico: the selectors also take the NetworkSets they match, whose addresses then match
    (`namespace_selector` global(): GlobalNetworkSets only)."""

    @property
    def has_pod_conditions(self) -> bool:
        return (
            self.namespace is not None
            or self.namespace_selector is not None
            or self.pod_selector is not None
            or self.not_pod_selector is not None
            or self.service_accounts is not None
            or self.service_account_selector is not None
            or self.service is not None
        )


@dataclass(frozen=True)
class NamedPort:
    """A port named in a rule, resolved on the destination pod's container ports."""

    name: str
    protocol: str | None = None
    """Only a container port of this protocol; None: whatever protocol the pod gives it."""


@dataclass(frozen=True)
class TieredRule:
    """One rule of a tiered policy, in the direction of the list holding it."""

    action: RuleAction
    peers: tuple[Entity, ...]
    """The other end (the source of ingress traffic, the destination of egress traffic):
    traffic matches when any of them does (a Calico rule has one). Empty: nothing."""
    local: Entity | None = None
    """A further condition on the policy's own endpoint (Calico: `destination` of an ingress
    rule, `source` of an egress rule); None: none."""
    conns: ConnectionSet = field(default_factory=ConnectionSet.all)
    """Ports and protocols matched by number (all: no port condition)."""
    named: tuple[NamedPort, ...] = ()
    """Ports matched by name, resolved on the destination pod."""
    not_conns: ConnectionSet = field(default_factory=ConnectionSet.none)
    """Ports and protocols excluded by number (Calico's notPorts, notProtocol, notICMP)."""
    not_named: tuple[NamedPort, ...] = ()
    """Ports excluded by name."""
    service_ports: ServiceRef | None = None
    """Only the target ports of this Service (Calico's destination `services`)."""
    name: str = ""
    """The rule's `name` (the network-policy API), for explanations."""
    path: str = ""
    """Where it is written, e.g. `spec.egress[2]`."""


class StagedAction(StrEnum):
    """What a staged Calico policy would do once enforced."""

    SET = "Set"
    """Create it, or replace the policy of the same name."""
    DELETE = "Delete"
    """Remove the policy of the same name."""


@dataclass(frozen=True)
class TieredPolicy:
    """A policy with a tier, an order and rules with actions, from any API.

    Read from AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy and
    Calico's NetworkPolicy, GlobalNetworkPolicy and their staged kinds. Kubernetes
    NetworkPolicies stay `NetworkPolicy` records; the engine places them in `default`.
    """

    kind: str
    """The manifest's kind (`AdminNetworkPolicy`, `GlobalNetworkPolicy`, ...)."""
    name: str
    namespace: str = ""
    """"" for cluster-scoped kinds."""
    tier: str = "default"
    order: float | None = None
    """Position in the tier (priority or Calico order), lowest first; None: after the rest."""
    subject: Entity = field(default_factory=Entity)
    """The pods it applies to (pod conditions only)."""
    ingress: tuple[TieredRule, ...] = ()
    egress: tuple[TieredRule, ...] = ()
    affects_ingress: bool = True
    affects_egress: bool = True
    """Whether it applies to each direction (Calico's `types`; the network-policy API: a
    direction with rules)."""
    staged: StagedAction | None = None
    """None: enforced; else a staged policy, never enforced (see `netkit.staged`)."""
    source: str = ""

    @property
    def ref(self) -> str:
        """How explanations name it: `anp/NAME`, `gnp/NAME`, `calico/NS/NAME`, ..."""
        prefix = _POLICY_PREFIXES.get(self.kind, self.kind.lower())
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{prefix}/{where}{self.name}" if prefix else f"{where}{self.name}"


@dataclass(frozen=True)
class StagedKubernetesPolicy:
    """A Calico StagedKubernetesNetworkPolicy: the NetworkPolicy it would set or delete."""

    action: StagedAction
    policy: NetworkPolicy


_POLICY_PREFIXES = {
    "AdminNetworkPolicy": "anp",
    "BaselineAdminNetworkPolicy": "banp",
    "ClusterNetworkPolicy": "cnp",
    "GlobalNetworkPolicy": "gnp",
    "NetworkPolicy": "calico",
    "StagedNetworkPolicy": "staged",
    "StagedGlobalNetworkPolicy": "staged-gnp",
    "StagedKubernetesNetworkPolicy": "staged-knp",
}


# --------------------------------------------------------------------------- intent


@dataclass(frozen=True)
class Endpoint:
    """A side of a declared connection: a workload, a whole namespace, or a CIDR."""

    namespace: str | None = None
    workload: str | None = None
    cidr: IPNetwork | None = None

    def describe(self) -> str:
        if self.cidr is not None:
            return str(self.cidr)
        if self.workload is not None:
            return f"{self.namespace}/{self.workload}"
        return f"namespace {self.namespace}"


@dataclass(frozen=True)
class DeclaredConnection:
    """Intent from the stack spec: `source` may reach `destination` on `ports`."""

    source: Endpoint
    destination: Endpoint
    ports: tuple[PolicyPort, ...] = ()


@dataclass(frozen=True)
class ExposurePolicy:
    """What the stack spec allows to be exposed outside the cluster or host."""

    allowed_service_types: frozenset[str] = frozenset({"ClusterIP"})
    allowed_external_ips: frozenset[str] = frozenset()
    allow_public_publish: bool = False
    require_overlay_encryption: bool = False
    plaintext_hosts: frozenset[str] = frozenset()
    """Ingress hosts the spec explicitly allows without TLS."""


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class NetworkModel:
    """Everything a stack declares, from any front door."""

    address_spaces: tuple[AddressSpace, ...] = ()
    docker_networks: tuple[DockerNetwork, ...] = ()
    docker_containers: tuple[DockerContainer, ...] = ()
    docker_engines: tuple[DockerEngine, ...] = ()
    """Engines the model was read from (`--docker`), or that a stack names (`docker.hosts`)."""
    calico_pools: tuple[CalicoPool, ...] = ()
    cni: tuple[CniInstall, ...] = ()
    namespaces: tuple[Namespace, ...] = ()
    workloads: tuple[Workload, ...] = ()
    services: tuple[Service, ...] = ()
    ingresses: tuple[Ingress, ...] = ()
    network_policies: tuple[NetworkPolicy, ...] = ()
    tiered_policies: tuple[TieredPolicy, ...] = ()
    """AdminNetworkPolicies, ClusterNetworkPolicies, Calico policies (staged ones too)."""
    policy_tiers: tuple[PolicyTier, ...] = ()
    """Tiers declared (Calico `Tier`s); the implied ones are added by the engine."""
    staged_kubernetes_policies: tuple[StagedKubernetesPolicy, ...] = ()
    nodes: tuple[Node, ...] = ()
    service_accounts: tuple[ServiceAccount, ...] = ()
    network_sets: tuple[NetworkSet, ...] = ()
    connections: tuple[DeclaredConnection, ...] | None = None
    """Declared intent; None when the front door has none (plain manifests)."""
    exposure: ExposurePolicy = field(default_factory=ExposurePolicy)
    pod_cidr: IPNetwork | None = None
    docker_hosts: int = 1
    """How many Docker hosts the stack spans (bridges cannot carry traffic between them)."""
    dns_namespace: str = "kube-system"
    """Namespace of the cluster DNS pods, the target every egress-isolated pod needs."""
    dns_labels: Labels = field(default_factory=lambda: frozen_labels({"k8s-app": "kube-dns"}))
    """Labels of the cluster DNS pods."""
    ingress_controller_namespace: str = "ingress-nginx"
    """Namespace of the ingress controller pods (outside the stack, named by policies)."""
    ingress_controller_labels: Labels = field(
        default_factory=lambda: frozen_labels({"app.kubernetes.io/name": "ingress-nginx"})
    )
    """Labels of the ingress controller pods."""
    unknown: tuple[str, ...] = ()
    """Values that were unknown at preview, as `resource: field` notes."""
    notes: tuple[str, ...] = ()
    """Things a loader skipped (unknown kinds, ...), for the user to see."""

    def namespace(self, name: str) -> Namespace:
        """The namespace `name`; implied (labels: name only) when undeclared."""
        for ns in self.namespaces:
            if ns.name == name:
                return ns
        return Namespace(name=name, declared=False)

    def all_namespaces(self) -> tuple[Namespace, ...]:
        """Declared namespaces plus those implied by workloads, policies and services."""
        seen = {ns.name: ns for ns in self.namespaces}
        used = [w.namespace for w in self.workloads]
        used += [p.namespace for p in self.network_policies]
        used += [p.namespace for p in self.tiered_policies if p.namespace]
        used += [s.namespace for s in self.services]
        for name in used:
            if name not in seen:
                seen[name] = Namespace(name=name, declared=False)
        return tuple(seen[name] for name in sorted(seen))
