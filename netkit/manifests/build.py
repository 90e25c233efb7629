"""Objects -> model: each object to its kind's reader, then workloads by identity."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from netkit import cni
from netkit.errors import ManifestError
from netkit.manifests.fields import FieldReader
from netkit.manifests.identity import PodGroupMember, group_workloads
from netkit.manifests.kinds import (
    READ_KINDS,
    read_ingress,
    read_namespace,
    read_network_policy,
    read_pod,
    read_route,
    read_service,
    read_workload_object,
)
from netkit.model import (
    CniInstall,
    Ingress,
    Namespace,
    NetworkModel,
    NetworkPolicy,
    Service,
    Workload,
)
from netkit.shapes import describe as _describe


def model_from_objects(objects: Iterable[tuple[str, Mapping[str, Any]]]) -> NetworkModel:
    """Build the model from `(source label, object)` pairs.

    The source label says where the object came from (`db.yaml, document 2`, a Pulumi
    URN); error messages and the records' `source` fields use it. Objects of kind `List`
    or `<Kind>List` are expanded (items of a typed list may omit `kind`).
    """
    builder = Builder()
    for source, obj in objects:
        builder.add(source, obj)
    return builder.build()


@dataclass
class Builder:
    namespaces: dict[str, Namespace] = field(default_factory=dict)
    members: list[PodGroupMember] = field(default_factory=list)
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
            self._add_object(FieldReader(source, obj, kind))

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
            self._add_object(FieldReader(source, item, item_kind, prefix))

    def _add_object(self, reader: FieldReader) -> None:
        kind = reader.kind
        if kind not in READ_KINDS:
            self.skipped[kind] += 1
            return
        reader.identify()
        self.notes.extend(reader.notes)
        key = (kind, reader.namespace, reader.name)
        if key in self.seen:
            reader.fail("metadata.name", f"{reader.what} is also declared in {self.seen[key]}")
        self.seen[key] = reader.location
        if kind == "Namespace":
            self.namespaces[reader.name] = read_namespace(reader)
        elif kind == "NetworkPolicy":
            self.policies.append(read_network_policy(reader))
        elif kind == "Service":
            self.services.append(read_service(reader))
        elif kind == "Ingress":
            ingress, dropped = read_ingress(reader)
            self.ingresses.append(ingress)
            self.notes.extend(dropped)
        elif kind == "Route":
            route, dropped = read_route(reader)
            self.ingresses.append(route)
            self.notes.extend(dropped)
        elif kind == "Pod":
            member, dropped = read_pod(reader)
            self.members.append(member)
            self.notes.extend(dropped)
        else:
            member, dropped = read_workload_object(reader)
            self.members.append(member)
            self.notes.extend(dropped)

    def build(self) -> NetworkModel:
        notes = list(self.notes)
        if self.skipped:
            counted = ", ".join(f"{n} {kind}" for kind, n in sorted(self.skipped.items()))
            notes.append(f"ignored {counted} (kinds outside the network model)")
        workloads, owner_notes = group_workloads(self.members)
        notes.extend(owner_notes)
        return NetworkModel(
            namespaces=tuple(self.namespaces.values()),
            workloads=workloads,
            cni=tuple(cni_agents(workloads)),
            services=tuple(self.services),
            ingresses=tuple(self.ingresses),
            network_policies=tuple(self.policies),
            notes=tuple(notes),
        )


def cni_agents(workloads: Iterable[Workload]) -> Iterator[CniInstall]:
    """The CNI plugins whose agent DaemonSets are among the workloads."""
    for workload in workloads:
        plugin = cni.plugin_of_daemonset(workload.name) if workload.kind == "DaemonSet" else None
        if plugin is not None:
            yield cni.install(workload.name, plugin, workload.source)
