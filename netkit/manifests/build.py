"""Objects -> model: each object to its kind's reader, then workloads by identity."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from netkit import cni
from netkit.manifests.admin_policy import is_admin_kind, read_admin_policy
from netkit.manifests.calico import (
    is_calico_kind,
    read_calico_policy,
    read_network_set,
    read_staged_kubernetes_policy,
    read_tier,
)
from netkit.manifests.cluster import read_node, read_service_account
from netkit.manifests.fields import FieldReader
from netkit.manifests.flatten import flatten
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
from netkit.manifests.tiered_checks import check_tiered_policies
from netkit.model import (
    CniInstall,
    Ingress,
    Namespace,
    NetworkModel,
    NetworkPolicy,
    NetworkSet,
    Node,
    PolicyTier,
    Service,
    ServiceAccount,
    StagedKubernetesPolicy,
    TieredPolicy,
    Workload,
)


def model_from_objects(objects: Iterable[tuple[str, Mapping[str, Any]]]) -> NetworkModel:
    """Build the model from `(source label, object)` pairs.

    The source label says where the object came from (`db.yaml, document 2`, a Pulumi
    URN); error messages and the records' `source` fields use it. Lists are expanded
    as kubectl expands them, nested ones included (`netkit.manifests.flatten`).
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
    tiered: list[TieredPolicy] = field(default_factory=list)
    tiers: list[PolicyTier] = field(default_factory=list)
    staged_kubernetes: list[StagedKubernetesPolicy] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    service_accounts: list[ServiceAccount] = field(default_factory=list)
    network_sets: list[NetworkSet] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    seen: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def add(self, source: str, obj: object) -> None:
        """The objects of one document, as kubectl flattens it (`netkit.manifests.flatten`)."""
        for item in flatten(source, obj):
            self._add_object(FieldReader(item.source, item.obj, item.kind, item.prefix))

    def _add_object(self, reader: FieldReader) -> None:
        kind = reader.kind
        api_version = reader.obj.get("apiVersion")
        if is_calico_kind(kind, api_version):
            self._add_calico(reader)
            return
        if is_admin_kind(kind, api_version):
            self._identify(reader, kind)
            policy, notes = read_admin_policy(reader)
            self.tiered.append(policy)
            self.notes.extend(notes)
            return
        if kind not in READ_KINDS:
            self.skipped[kind] += 1
            return
        self._identify(reader, kind)
        if kind == "Node":
            self.nodes.append(read_node(reader))
        elif kind == "ServiceAccount":
            self.service_accounts.append(read_service_account(reader))
        elif kind == "Namespace":
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

    def _identify(self, reader: FieldReader, key_kind: str) -> None:
        """Name the object; refuse a second object of the same kind, namespace and name."""
        reader.identify()
        self.notes.extend(reader.notes)
        key = (key_kind, reader.namespace, reader.name)
        if key in self.seen:
            reader.fail("metadata.name", f"{reader.what} is also declared in {self.seen[key]}")
        self.seen[key] = reader.location

    def _add_calico(self, reader: FieldReader) -> None:
        # Calico's NetworkPolicy shares its kind with Kubernetes': keep their names apart.
        self._identify(reader, f"{reader.kind}.projectcalico.org")
        if reader.kind == "Tier":
            self.tiers.append(read_tier(reader))
        elif reader.kind in ("NetworkSet", "GlobalNetworkSet"):
            self.network_sets.append(read_network_set(reader))
        elif reader.kind == "StagedKubernetesNetworkPolicy":
            action, staged = read_staged_kubernetes_policy(reader, read_network_policy)
            self.staged_kubernetes.append(StagedKubernetesPolicy(action, staged))
        else:
            policy, notes = read_calico_policy(reader)
            self.notes.extend(notes)
            if policy is not None:
                self.tiered.append(policy)

    def build(self) -> NetworkModel:
        notes = list(self.notes)
        if self.skipped:
            counted = ", ".join(f"{n} {kind}" for kind, n in sorted(self.skipped.items()))
            notes.append(f"ignored {counted} (kinds outside the network model)")
        workloads, owner_notes = group_workloads(self.members)
        notes.extend(owner_notes)
        model = NetworkModel(
            namespaces=tuple(self.namespaces.values()),
            workloads=workloads,
            cni=tuple(cni_agents(workloads)),
            services=tuple(self.services),
            ingresses=tuple(self.ingresses),
            network_policies=tuple(self.policies),
            tiered_policies=tuple(self.tiered),
            policy_tiers=tuple(self.tiers),
            staged_kubernetes_policies=tuple(self.staged_kubernetes),
            nodes=tuple(self.nodes),
            service_accounts=tuple(self.service_accounts),
            network_sets=tuple(self.network_sets),
            notes=tuple(notes),
        )
        return check_tiered_policies(model)


def cni_agents(workloads: Iterable[Workload]) -> Iterator[CniInstall]:
    """The CNI plugins whose agent DaemonSets are among the workloads."""
    for workload in workloads:
        plugin = cni.plugin_of_daemonset(workload.name) if workload.kind == "DaemonSet" else None
        if plugin is not None:
            yield cni.install(workload.name, plugin, workload.source)
