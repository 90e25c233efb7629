"""Kubernetes manifests → `NetworkModel`.

Two entry points:

- `load_manifests(paths)` reads files and folders (recursively: `.yaml`, `.yml`, `.json`;
  multi-document YAML; `kind: List` and typed lists such as `PodList` whose items may omit
  `kind`).
- `model_from_objects(objects)` builds the model from `(source label, object)` pairs. It
  knows nothing about files: our Pulumi front door feeds it pulumi-kubernetes resource
  inputs, which have the same camelCase shape as manifests.

Kinds read: Namespace, Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
ReplicationController, Service, Ingress (networking.k8s.io/v1 and extensions/v1beta1),
OpenShift Route and NetworkPolicy. Other kinds are counted in `model.notes`.

Workload identity follows netpol-analyzer, whose conformance corpus we match:

- a pod with a controller owner is reported as that owner (`name[ReplicaSet]`,
  `name[DaemonSet]`, ...); an owner reference without a kind as `name[Pod]`; a static pod
  owned by a Node as itself; pods with one owner collapse into one workload;
- a ReplicaSet (or Job) is reported as its own controller (a Deployment, a CronJob) when
  that ownership is known: the ReplicaSet object is loaded with its owner reference, or the
  Deployment is loaded and the ReplicaSet's name is `<deployment>-<pod-template-hash>`.
  Pods owned by a ReplicaSet that is not loaded stay `name-hash[ReplicaSet]`, as in the
  corpus: the name alone does not prove a Deployment exists.

A malformed manifest raises `ManifestError` naming the file, the document (1-based), the
object and the field, e.g. `db.yaml, document 2 (NetworkPolicy default/deny):
spec.ingress[0].ports[1].port: 70000 is not a port (1-65535)`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn

from netkit import cni
from netkit.cidr import parse_cidr
from netkit.documents import (
    MANIFEST_SUFFIXES,
    load_yaml_documents,
    manifest_files,
    read_documents,
)
from netkit.errors import InvalidValue, ManifestError
from netkit.model import (
    CniInstall,
    ContainerPort,
    Ingress,
    IngressPath,
    IngressTLS,
    IPBlock,
    IPNetwork,
    LabelSelector,
    Namespace,
    NetworkModel,
    NetworkPolicy,
    PodVariant,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
    SelectorOperator,
    SelectorRequirement,
    Service,
    ServicePort,
    Workload,
    frozen_labels,
)
from netkit.shapes import describe as _describe

__all__ = ["MANIFEST_SUFFIXES", "load_manifests", "load_yaml_documents", "model_from_objects"]

"""File name endings read when walking a folder."""

PROTOCOLS = ("TCP", "UDP", "SCTP")
DEFAULT_NAMESPACE = "default"

# Where each workload kind keeps its pod template, and the field holding its replica count.
_TEMPLATE_PATHS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "Deployment": (("spec", "template"), "replicas"),
    "ReplicaSet": (("spec", "template"), "replicas"),
    "StatefulSet": (("spec", "template"), "replicas"),
    "ReplicationController": (("spec", "template"), "replicas"),
    "DaemonSet": (("spec", "template"), None),
    "Job": (("spec", "template"), "parallelism"),
    "CronJob": (("spec", "jobTemplate", "spec", "template"), None),
}
WORKLOAD_KINDS = frozenset(_TEMPLATE_PATHS)
READ_KINDS = WORKLOAD_KINDS | {"Namespace", "Pod", "Service", "Ingress", "Route", "NetworkPolicy"}


# --------------------------------------------------------------------------- files


def load_manifests(paths: Sequence[Path]) -> NetworkModel:
    """Read manifests from files and folders into one model.

    A folder is walked recursively (hidden folders skipped) for `.yaml`, `.yml` and
    `.json` files; a file in it with no Kubernetes object at all (say a JSON report) is
    skipped with a note. A file named explicitly must hold Kubernetes objects only.
    Raises `ManifestError` for a missing path, a folder without manifests, or a
    malformed manifest.
    """
    objects: list[tuple[str, Mapping[str, Any]]] = []
    notes: list[str] = []
    for path in paths:
        if not path.exists():
            raise ManifestError(f"{path}: no such file or folder")
        if path.is_dir():
            files = manifest_files(path)
            if not files:
                raise ManifestError(
                    f"{path}: no manifests found (looked for {', '.join(MANIFEST_SUFFIXES)} "
                    "files in the folder and its sub-folders)"
                )
            for file in files:
                documents = read_documents(file)
                if not any(_looks_like_object(doc) for doc in documents):
                    if any(doc is not None for doc in documents):
                        notes.append(f"{file}: skipped, it holds no Kubernetes object")
                    continue
                objects.extend(_sourced(file, documents))
        else:
            objects.extend(_sourced(path, read_documents(path)))
    if not any(doc is not None for _, doc in objects):
        shown = ", ".join(str(path) for path in paths)
        raise ManifestError(f"{shown}: no Kubernetes objects found")
    model = model_from_objects(objects)
    if notes:
        model = _with_notes(model, notes)
    return model


def _looks_like_object(document: object) -> bool:
    return isinstance(document, Mapping) and "kind" in document


def _sourced(path: Path, documents: list[Any]) -> Iterator[tuple[str, Any]]:
    for index, document in enumerate(documents, start=1):
        if document is not None:  # `---` at the end of a file, an empty document
            yield f"{path}, document {index}", document


def _with_notes(model: NetworkModel, notes: list[str]) -> NetworkModel:
    return replace(model, notes=(*notes, *model.notes))


# --------------------------------------------------------------------------- objects


def model_from_objects(objects: Iterable[tuple[str, Mapping[str, Any]]]) -> NetworkModel:
    """Build the model from `(source label, object)` pairs.

    The source label says where the object came from (`db.yaml, document 2`, a Pulumi
    URN); error messages and the records' `source` fields use it. Objects of kind `List`
    or `<Kind>List` are expanded (items of a typed list may omit `kind`).
    """
    builder = _Builder()
    for source, obj in objects:
        builder.add(source, obj)
    return builder.build()


@dataclass
class _PodGroupMember:
    """One pod (or one workload object's template) before owners are resolved."""

    kind: str
    name: str
    namespace: str
    labels: dict[str, str]
    ports: tuple[ContainerPort, ...]
    host_network: bool
    host_ports: tuple[int, ...]
    source: str
    owner: tuple[str, str] | None = None
    """(kind, name) of the controller owner reference; kind "" when it has none."""
    replicas: int | None = None
    """Replica count of a workload object; None for a listed pod."""
    is_pod: bool = False


@dataclass
class _Builder:
    namespaces: dict[str, Namespace] = field(default_factory=dict)
    members: list[_PodGroupMember] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    ingresses: list[Ingress] = field(default_factory=list)
    policies: list[NetworkPolicy] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    seen: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def add(self, source: str, obj: object) -> None:
        if not isinstance(obj, Mapping):
            raise ManifestError(
                f"{source}: expected a Kubernetes object (a mapping with apiVersion and kind),"
                f" got {_describe(obj)}"
            )
        kind = obj.get("kind")
        if kind is None and isinstance(obj.get("config"), Mapping):
            raise ManifestError(
                f"{source}: a Pulumi stack file, not Kubernetes manifests; give its stack "
                "with --stack NAME (netkit diff: stack:NAME)"
            )
        if kind is None:
            raise ManifestError(f"{source}: kind is missing (a Kubernetes object needs one)")
        if not isinstance(kind, str):
            raise ManifestError(f"{source}: kind: expected a string, got {_describe(kind)}")
        if kind.endswith("List") and "items" in obj:
            self._add_list(source, kind, obj)
        else:
            self._add_object(_Reader(source, obj, kind))

    def _add_list(self, source: str, kind: str, obj: Mapping[str, Any]) -> None:
        items = obj.get("items")
        if items is None:
            return
        if not isinstance(items, list):
            raise ManifestError(
                f"{source} ({kind}): items: expected a list, got {_describe(items)}"
            )
        implied = kind[: -len("List")] or None  # `PodList` items are Pods; `List` implies none
        for index, item in enumerate(items):
            prefix = f"items[{index}]."
            if not isinstance(item, Mapping):
                raise ManifestError(
                    f"{source} ({kind}): items[{index}]: expected a Kubernetes object, "
                    f"got {_describe(item)}"
                )
            item_kind = item.get("kind", implied)
            if not isinstance(item_kind, str):
                raise ManifestError(
                    f"{source} ({kind}): items[{index}].kind: "
                    + (
                        "is missing"
                        if item_kind is None
                        else f"expected a string, got {item_kind!r}"
                    )
                )
            self._add_object(_Reader(source, item, item_kind, prefix))

    def _add_object(self, reader: _Reader) -> None:
        kind = reader.kind
        if kind not in READ_KINDS:
            self.skipped[kind] += 1
            return
        reader.identify()
        key = (kind, reader.namespace, reader.name)
        if key in self.seen:
            reader.fail("metadata.name", f"{reader.what} is also declared in {self.seen[key]}")
        self.seen[key] = reader.location
        if kind == "Namespace":
            self.namespaces[reader.name] = _namespace(reader)
        elif kind == "NetworkPolicy":
            self.policies.append(_network_policy(reader))
        elif kind == "Service":
            self.services.append(_service(reader))
        elif kind == "Ingress":
            ingress, dropped = _ingress(reader)
            self.ingresses.append(ingress)
            self.notes.extend(dropped)
        elif kind == "Route":
            route, dropped = _route(reader)
            self.ingresses.append(route)
            self.notes.extend(dropped)
        elif kind == "Pod":
            member, dropped = _pod(reader)
            self.members.append(member)
            self.notes.extend(dropped)
        else:
            member, dropped = _workload_object(reader)
            self.members.append(member)
            self.notes.extend(dropped)

    def build(self) -> NetworkModel:
        notes = list(self.notes)
        if self.skipped:
            counted = ", ".join(f"{n} {kind}" for kind, n in sorted(self.skipped.items()))
            notes.append(f"ignored {counted} (kinds outside the network model)")
        workloads, owner_notes = _group_workloads(self.members)
        notes.extend(owner_notes)
        return NetworkModel(
            namespaces=tuple(self.namespaces.values()),
            workloads=workloads,
            cni=tuple(_cni_agents(workloads)),
            services=tuple(self.services),
            ingresses=tuple(self.ingresses),
            network_policies=tuple(self.policies),
            notes=tuple(notes),
        )


def _cni_agents(workloads: Iterable[Workload]) -> Iterator[CniInstall]:
    """The CNI plugins whose agent DaemonSets are among the workloads."""
    for workload in workloads:
        plugin = cni.plugin_of_daemonset(workload.name) if workload.kind == "DaemonSet" else None
        if plugin is not None:
            yield cni.install(workload.name, plugin, workload.source)


# --------------------------------------------------------------------------- owners


def _group_workloads(members: list[_PodGroupMember]) -> tuple[tuple[Workload, ...], list[str]]:
    """Resolve each pod's and workload object's reported identity and merge by identity."""
    objects = {(m.kind, m.namespace, m.name): m for m in members if not m.is_pod}

    def resolve(kind: str, namespace: str, name: str, labels: Mapping[str, str]) -> tuple[str, str]:
        seen: set[tuple[str, str]] = set()
        while (kind, name) not in seen:
            seen.add((kind, name))
            loaded = objects.get((kind, namespace, name))
            if loaded is not None and loaded.owner and loaded.owner[0] in WORKLOAD_KINDS:
                kind, name = loaded.owner
                continue
            if loaded is None and kind == "ReplicaSet":
                deployment = _deployment_of_replicaset(name, labels)
                if deployment and ("Deployment", namespace, deployment) in objects:
                    kind, name = "Deployment", deployment
                    continue
            break
        return kind, name

    groups: dict[tuple[str, str, str], list[_PodGroupMember]] = {}
    for member in members:
        if member.is_pod and member.owner is not None:
            owner_kind, owner_name = member.owner
            kind, name = resolve(owner_kind or "Pod", member.namespace, owner_name, member.labels)
        elif not member.is_pod:
            kind, name = resolve(member.kind, member.namespace, member.name, member.labels)
        else:
            kind, name = "Pod", member.name
        groups.setdefault((member.namespace, kind, name), []).append(member)

    workloads: list[Workload] = []
    notes: list[str] = []
    for (namespace, kind, name), group in groups.items():
        # The reported object's own template describes the pods best (a Deployment's rather
        # than its ReplicaSet's); other objects' templates and listed pods follow.
        group.sort(key=lambda m: (m.is_pod, m.kind != kind))
        first = group[0]
        variants: list[PodVariant] = []
        seen_shapes = {(_label_key(first.labels), first.ports)}
        for member in group[1:]:
            shape = (_label_key(member.labels), member.ports)
            if shape not in seen_shapes:
                seen_shapes.add(shape)
                variants.append(PodVariant(member.name, frozen_labels(member.labels), member.ports))
        declared = [m.replicas for m in group if m.replicas is not None]
        replicas = declared[0] if declared else len(group)
        ref = f"{namespace}/{name}[{kind}]"
        if any(_user_labels(m.labels) != _user_labels(first.labels) for m in group):
            notes.append(
                f"{ref}: its pods do not all have the same labels; each label set is "
                "analyzed as a pod of the workload and the results are combined"
            )
        workloads.append(
            Workload(
                kind=kind,
                name=name,
                namespace=namespace,
                labels=frozen_labels(first.labels),
                ports=first.ports,
                replicas=replicas,
                host_network=any(m.host_network for m in group),
                host_ports=tuple(sorted({p for m in group for p in m.host_ports})),
                source=first.source,
                pod_variants=tuple(variants),
            )
        )
    return tuple(workloads), notes


def _deployment_of_replicaset(name: str, labels: Mapping[str, str]) -> str | None:
    """`web` for ReplicaSet `web-5d8f7c9b6` when the pod's pod-template-hash is 5d8f7c9b6."""
    suffix = labels.get("pod-template-hash")
    if suffix and name.endswith(f"-{suffix}") and len(name) > len(suffix) + 1:
        return name[: -len(suffix) - 1]
    return None


# Labels that controllers stamp on the pods they create: a pod differing from its template
# only by these is expected, not a label gap worth a note.
_CONTROLLER_LABELS = frozenset(
    {
        "pod-template-hash",
        "controller-revision-hash",
        "pod-template-generation",
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "controller-uid",
        "job-name",
        "batch.kubernetes.io/controller-uid",
        "batch.kubernetes.io/job-name",
    }
)


def _user_labels(labels: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in labels.items() if k not in _CONTROLLER_LABELS}


def _label_key(labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


# --------------------------------------------------------------------------- field reader


class _Reader:
    """Typed access to one object's fields; every failure names source, object and field."""

    def __init__(self, source: str, obj: Mapping[str, Any], kind: str, prefix: str = "") -> None:
        self.source = source
        self.obj = obj
        self.kind = kind
        self.prefix = prefix
        self.name = ""
        self.namespace = ""
        self.what = kind

    @property
    def location(self) -> str:
        return f"{self.source}{' ' + self.prefix.rstrip('.') if self.prefix else ''}"

    def identify(self) -> None:
        """Read metadata.name and metadata.namespace (defaulted) for messages and keys."""
        metadata = self.mapping(self.obj.get("metadata"), "metadata", required=True)
        self.name = self.string(metadata.get("name"), "metadata.name", required=True)
        if self.kind == "Namespace":
            self.what = f"Namespace {self.name}"
            return
        namespace = self.string(metadata.get("namespace"), "metadata.namespace")
        self.namespace = namespace or DEFAULT_NAMESPACE
        self.what = f"{self.kind} {self.namespace}/{self.name}"

    def fail(self, path: str, problem: str) -> NoReturn:
        raise ManifestError(f"{self.source} ({self.what}): {self.prefix}{path}: {problem}")

    # -- typed getters: `value` is the raw field, `path` its dotted path for messages

    def mapping(self, value: object, path: str, *, required: bool = False) -> Mapping[str, Any]:
        if value is None:
            if required:
                self.fail(path, "is missing")
            return {}
        if not isinstance(value, Mapping):
            self.fail(path, f"expected a mapping, got {_describe(value)}")
        return value

    def sequence(self, value: object, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, f"expected a list, got {_describe(value)}")
        return value

    def string(self, value: object, path: str, *, required: bool = False) -> str:
        if value is None:
            if required:
                self.fail(path, "is missing")
            return ""
        if not isinstance(value, str):
            self.fail(path, f"expected a string, got {_describe(value)}")
        return value

    def integer(self, value: object, path: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"expected a number, got {_describe(value)}")
        return value

    def boolean(self, value: object, path: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(path, f"expected true or false, got {_describe(value)}")
        return value

    def port_number(self, value: object, path: str) -> int:
        number = self.integer(value, path)
        if number is None:
            self.fail(path, "is missing")
        if not 1 <= number <= 65535:
            self.fail(path, f"{number} is not a port (1-65535)")
        return number

    def protocol(self, value: object, path: str) -> str:
        text = self.string(value, path) or "TCP"
        if text not in PROTOCOLS:
            self.fail(path, f"{text!r} is not a protocol (TCP, UDP or SCTP)")
        return text

    def labels(self, value: object, path: str) -> dict[str, str]:
        result: dict[str, str] = {}
        for key, item in self.mapping(value, path).items():
            if not isinstance(item, str):
                self.fail(
                    f"{path}.{key}",
                    f"label values are strings, got {_describe(item)}; quote it: {str(item)!r}",
                )
            result[str(key)] = item
        return result

    def selector(self, value: object, path: str) -> LabelSelector:
        spec = self.mapping(value, path)
        match_labels = self.labels(spec.get("matchLabels"), f"{path}.matchLabels")
        requirements: list[SelectorRequirement] = []
        expressions = self.sequence(spec.get("matchExpressions"), f"{path}.matchExpressions")
        for index, raw in enumerate(expressions):
            where = f"{path}.matchExpressions[{index}]"
            expression = self.mapping(raw, where, required=True)
            key = self.string(expression.get("key"), f"{where}.key", required=True)
            operator_text = self.string(
                expression.get("operator"), f"{where}.operator", required=True
            )
            try:
                operator = SelectorOperator(operator_text)
            except ValueError:
                self.fail(
                    f"{where}.operator",
                    f"{operator_text!r} is not an operator (In, NotIn, Exists, DoesNotExist)",
                )
            values = [
                self.string(item, f"{where}.values[{i}]")
                for i, item in enumerate(self.sequence(expression.get("values"), f"{where}.values"))
            ]
            if operator in (SelectorOperator.IN, SelectorOperator.NOT_IN) and not values:
                self.fail(f"{where}.values", f"{operator} needs at least one value")
            if operator in (SelectorOperator.EXISTS, SelectorOperator.DOES_NOT_EXIST) and values:
                self.fail(f"{where}.values", f"{operator} takes no values")
            requirements.append(SelectorRequirement(key, operator, frozenset(values)))
        return LabelSelector(frozen_labels(match_labels), tuple(requirements))

    def cidr(self, value: object, path: str) -> IPNetwork:
        text = self.string(value, path, required=True)
        try:
            # Kubernetes accepts host bits in ipBlock CIDRs and masks them; so do we.
            return parse_cidr(text, strict=False)
        except InvalidValue as error:
            self.fail(path, str(error).removeprefix("subnet "))


# --------------------------------------------------------------------------- kinds


def _namespace(reader: _Reader) -> Namespace:
    metadata = reader.mapping(reader.obj.get("metadata"), "metadata")
    labels = reader.labels(metadata.get("labels"), "metadata.labels")
    return Namespace(reader.name, frozen_labels(labels), declared=True, source=reader.location)


def _network_policy(reader: _Reader) -> NetworkPolicy:
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


def _rule(reader: _Reader, raw: object, path: str, peers_key: str) -> PolicyRule:
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


def _peer(reader: _Reader, raw: object, path: str) -> PolicyPeer:
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
        return PolicyPeer(ip_block=IPBlock(cidr, excepts))
    if pod is None and namespace is None:
        reader.fail(path, "a peer needs a podSelector, a namespaceSelector or an ipBlock")
    return PolicyPeer(
        pod_selector=None if pod is None else reader.selector(pod, f"{path}.podSelector"),
        namespace_selector=(
            None if namespace is None else reader.selector(namespace, f"{path}.namespaceSelector")
        ),
    )


def _policy_port(reader: _Reader, raw: object, path: str) -> PolicyPort:
    spec = reader.mapping(raw, path)
    declared = spec.get("protocol") is not None
    protocol = reader.protocol(spec.get("protocol"), f"{path}.protocol")
    value = spec.get("port")
    end_port = spec.get("endPort")
    port: int | str | None
    if value is None:
        port = None
    elif isinstance(value, str):
        if value.isdigit():
            reader.fail(
                f"{path}.port",
                f"{value!r} is a string, so it would name a container port; "
                f"write the number {int(value)} without quotes",
            )
        if not value:
            reader.fail(f"{path}.port", "an empty string is not a port name")
        port = value
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


def _pod_spec(
    reader: _Reader, spec: Mapping[str, Any], path: str
) -> tuple[tuple[ContainerPort, ...], bool, tuple[int, ...], list[str]]:
    """Container ports, hostNetwork and host ports of a pod spec at `path`."""
    ports: list[ContainerPort] = []
    host_ports: list[int] = []
    dropped: list[str] = []
    containers = reader.sequence(spec.get("containers"), f"{path}.containers")
    for c, raw_container in enumerate(containers):
        where = f"{path}.containers[{c}]"
        container = reader.mapping(raw_container, where)
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
            name = reader.string(entry.get("name"), f"{port_path}.name")
            ports.append(ContainerPort(number, protocol, name))
            host = entry.get("hostPort")
            if host is not None:
                host_ports.append(reader.port_number(host, f"{port_path}.hostPort"))
    host_network = reader.boolean(spec.get("hostNetwork"), f"{path}.hostNetwork")
    return tuple(ports), host_network, tuple(host_ports), dropped


def _controller_owner(reader: _Reader, metadata: Mapping[str, Any]) -> tuple[str, str] | None:
    references = reader.sequence(metadata.get("ownerReferences"), "metadata.ownerReferences")
    for i, raw in enumerate(references):
        where = f"metadata.ownerReferences[{i}]"
        reference = reader.mapping(raw, where)
        if reference.get("controller") is True:
            kind = reader.string(reference.get("kind"), f"{where}.kind")
            name = reader.string(reference.get("name"), f"{where}.name", required=True)
            return kind, name
    return None


def _pod(reader: _Reader) -> tuple[_PodGroupMember, list[str]]:
    metadata = reader.mapping(reader.obj.get("metadata"), "metadata")
    labels = reader.labels(metadata.get("labels"), "metadata.labels")
    spec = reader.mapping(reader.obj.get("spec"), "spec")
    ports, host_network, host_ports, dropped = _pod_spec(reader, spec, "spec")
    owner = _controller_owner(reader, metadata)
    if owner is not None and owner[0] == "Node":
        owner = None  # a static pod: the kubelet's mirror pod is the workload itself
    member = _PodGroupMember(
        kind="Pod",
        name=reader.name,
        namespace=reader.namespace,
        labels=labels,
        ports=ports,
        host_network=host_network,
        host_ports=host_ports,
        source=reader.location,
        owner=owner,
        is_pod=True,
    )
    return member, dropped


def _workload_object(reader: _Reader) -> tuple[_PodGroupMember, list[str]]:
    template_path, replicas_field = _TEMPLATE_PATHS[reader.kind]
    node: Mapping[str, Any] = reader.obj
    path = ""
    for part in template_path:
        path = f"{path}.{part}" if path else part
        node = reader.mapping(node.get(part), path, required=True)
    template_metadata = reader.mapping(node.get("metadata"), f"{path}.metadata")
    labels = reader.labels(template_metadata.get("labels"), f"{path}.metadata.labels")
    pod_spec = reader.mapping(node.get("spec"), f"{path}.spec")
    ports, host_network, host_ports, dropped = _pod_spec(reader, pod_spec, f"{path}.spec")
    replicas = 1
    if replicas_field is not None:
        spec = reader.mapping(reader.obj.get("spec"), "spec")
        value = reader.integer(spec.get(replicas_field), f"spec.{replicas_field}")
        replicas = 1 if value is None else value
    metadata = reader.mapping(reader.obj.get("metadata"), "metadata")
    member = _PodGroupMember(
        kind=reader.kind,
        name=reader.name,
        namespace=reader.namespace,
        labels=labels,
        ports=ports,
        host_network=host_network,
        host_ports=host_ports,
        source=reader.location,
        owner=_controller_owner(reader, metadata),
        replicas=replicas,
    )
    return member, dropped


def _service(reader: _Reader) -> Service:
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


def _int_or_name(reader: _Reader, value: object, path: str) -> int | str | None:
    if value is None:
        return None
    if isinstance(value, str):
        # An IntOrString written as "8080" means the number; a name otherwise.
        return int(value) if value.isdigit() else value
    return reader.port_number(value, path)


def _backend(
    reader: _Reader, raw: Mapping[str, Any], path: str
) -> tuple[str, int | str | None] | None:
    """(service, port) of an Ingress backend in v1 or extensions/v1beta1 shape."""
    service = raw.get("service")
    if service is not None:  # networking.k8s.io/v1
        spec = reader.mapping(service, f"{path}.service")
        name = reader.string(spec.get("name"), f"{path}.service.name", required=True)
        port_spec = reader.mapping(spec.get("port"), f"{path}.service.port")
        if port_spec.get("name") is not None:
            return name, reader.string(port_spec.get("name"), f"{path}.service.port.name")
        number = port_spec.get("number")
        return name, None if number is None else reader.port_number(
            number, f"{path}.service.port.number"
        )
    if raw.get("serviceName") is not None:  # extensions/v1beta1, networking.k8s.io/v1beta1
        name = reader.string(raw.get("serviceName"), f"{path}.serviceName")
        return name, _int_or_name(reader, raw.get("servicePort"), f"{path}.servicePort")
    return None  # a `resource` backend: not a Service, nothing to reach


def _ingress(reader: _Reader) -> tuple[Ingress, list[str]]:
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


def _route(reader: _Reader) -> tuple[Ingress, list[str]]:
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
