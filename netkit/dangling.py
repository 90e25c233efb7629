"""References between Kubernetes objects that lead nowhere.

A Service whose selector matches no pod, a Service port whose `targetPort` names a port
no selected container declares, an Ingress backend naming a Service (or a Service port)
that does not exist: each is accepted by the API server and silently routes nothing.
These are the checks of kube-linter's `dangling-service` and `dangling-ingress`, read on
the network model; the policy rules only format what is found here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from netkit.model import Ingress, IngressPath, NetworkModel, Service, ServicePort, Workload

__all__ = [
    "DanglingBackend",
    "UnmatchedTargetPort",
    "dangling_ingress_backends",
    "dangling_services",
    "selected_workloads",
    "unmatched_target_ports",
]


def _selects(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def selected_workloads(model: NetworkModel, service: Service) -> list[Workload]:
    """The workloads of the Service's namespace with a pod its selector matches."""
    if not service.selector:
        return []
    return [
        workload
        for workload in model.workloads
        if workload.namespace == service.namespace
        and any(
            _selects(service.selector, labels)
            for labels in (workload.labels, *(v.labels for v in workload.pod_variants))
        )
    ]


def _routes_to_pods(service: Service) -> bool:
    # An ExternalName Service is a DNS alias: it has no selector by design.
    return service.type != "ExternalName"


def dangling_services(model: NetworkModel) -> Iterator[Service]:
    """Services (other than ExternalName) without a selector, or whose selector matches
    no pod of their namespace."""
    for service in model.services:
        if _routes_to_pods(service) and not selected_workloads(model, service):
            yield service


@dataclass(frozen=True)
class UnmatchedTargetPort:
    service: Service
    port: ServicePort
    workloads: tuple[Workload, ...]
    """The selected workloads, none of which declares the named port."""


def unmatched_target_ports(model: NetworkModel) -> Iterator[UnmatchedTargetPort]:
    """Service ports whose `targetPort` is a name that no selected pod declares for the
    port's protocol (a numbered targetPort needs no declaration: it is left alone)."""
    for service in model.services:
        workloads = selected_workloads(model, service)
        if not workloads:
            continue  # a dangling Service: reported as such
        for port in service.ports:
            if not isinstance(port.target_port, str):
                continue
            declared = any(
                container_port.name == port.target_port and container_port.protocol == port.protocol
                for workload in workloads
                for ports in (workload.ports, *(v.ports for v in workload.pod_variants))
                for container_port in ports
            )
            if not declared:
                yield UnmatchedTargetPort(service, port, tuple(workloads))


@dataclass(frozen=True)
class DanglingBackend:
    ingress: Ingress
    backend: IngressPath
    service: Service | None
    """The Service the backend names when it exists (then the port is what is missing)."""


def dangling_ingress_backends(model: NetworkModel) -> Iterator[DanglingBackend]:
    """Ingress (and Route) backends naming a Service that does not exist in their
    namespace, or a port (number or name) that Service does not have."""
    services = {(s.namespace, s.name): s for s in model.services}
    for ingress in model.ingresses:
        for backend in ingress.backends():
            if not backend.service:
                continue  # a resource backend (spec.defaultBackend.resource)
            service = services.get((ingress.namespace, backend.service))
            if service is None:
                yield DanglingBackend(ingress, backend, None)
            elif backend.port is not None and not any(
                _names_port(ingress, backend.port, port) for port in service.ports
            ):
                yield DanglingBackend(ingress, backend, service)


def _names_port(ingress: Ingress, wanted: int | str, port: ServicePort) -> bool:
    if port.port == wanted or (port.name and port.name == wanted):
        return True
    # An OpenShift Route's spec.port.targetPort may name the Service's target port.
    return ingress.kind == "Route" and port.target_port == wanted
