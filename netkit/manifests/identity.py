"""Workload identity, as netpol-analyzer reports it: pods merged into their controllers.

See the package docstring for the rules; `group_workloads` applies them to every pod and
workload object read, once all are known."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from netkit.model import (
    Container,
    ContainerPort,
    IPAddress,
    PodPlacement,
    PodVariant,
    Workload,
    frozen_labels,
)

# Where each workload kind keeps its pod template, and the field holding its replica count.
TEMPLATE_PATHS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "Deployment": (("spec", "template"), "replicas"),
    "ReplicaSet": (("spec", "template"), "replicas"),
    "StatefulSet": (("spec", "template"), "replicas"),
    "ReplicationController": (("spec", "template"), "replicas"),
    "DaemonSet": (("spec", "template"), None),
    "Job": (("spec", "template"), "parallelism"),
    "CronJob": (("spec", "jobTemplate", "spec", "template"), None),
    # OpenShift's DeploymentConfig (apps.openshift.io/v1): Routes are read, so the pods
    # they reach are too.
    "DeploymentConfig": (("spec", "template"), "replicas"),
}
WORKLOAD_KINDS = frozenset(TEMPLATE_PATHS)


@dataclass
class PodGroupMember:
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
    containers: tuple[Container, ...] = ()
    host_paths: tuple[str, ...] = ()
    service_account: str = "default"
    address: IPAddress | None = None
    """A listed pod's `status.podIP`."""
    node: str = ""
    """A listed pod's `spec.nodeName`."""


def group_workloads(members: list[PodGroupMember]) -> tuple[tuple[Workload, ...], list[str]]:
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

    groups: dict[tuple[str, str, str], list[PodGroupMember]] = {}
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
        shapes = {(_label_key(first.labels), first.ports): 0}
        placements: list[PodPlacement] = []
        for member in group:
            shape = (_label_key(member.labels), member.ports)
            if shape not in shapes:
                shapes[shape] = len(variants) + 1
                variants.append(PodVariant(member.name, frozen_labels(member.labels), member.ports))
            if member.address is not None or member.node:
                placements.append(PodPlacement(shapes[shape], member.address, member.node))
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
                containers=next((m.containers for m in group if m.containers), ()),
                host_paths=tuple(sorted({p for m in group for p in m.host_paths})),
                service_account=first.service_account,
                placements=tuple(placements),
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
