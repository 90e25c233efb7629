"""Several partial models of one environment, read as one."""

from __future__ import annotations

from dataclasses import replace

from netkit.model import NetworkModel


def merge(first: NetworkModel, *others: NetworkModel) -> NetworkModel:
    """`first` (its intent and Calico) with the address spaces, Docker networks,
    containers and engines, and Kubernetes objects of `others` appended, in order."""
    models = (first, *others)
    return replace(
        first,
        address_spaces=tuple(s for m in models for s in m.address_spaces),
        docker_networks=tuple(n for m in models for n in m.docker_networks),
        docker_containers=tuple(c for m in models for c in m.docker_containers),
        docker_engines=tuple(e for m in models for e in m.docker_engines),
        namespaces=tuple(n for m in models for n in m.namespaces),
        workloads=tuple(w for m in models for w in m.workloads),
        services=tuple(s for m in models for s in m.services),
        ingresses=tuple(i for m in models for i in m.ingresses),
        network_policies=tuple(p for m in models for p in m.network_policies),
        unknown=tuple(u for m in models for u in m.unknown),
        notes=tuple(n for m in models for n in m.notes),
    )
