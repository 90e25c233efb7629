"""References that lead nowhere: Services selecting no pod, target ports no container
declares, Ingress backends naming no Service. The analysis is `netkit.dangling`."""

from __future__ import annotations

from collections.abc import Iterator

from netkit.dangling import dangling_ingress_backends, dangling_services, unmatched_target_ports
from netkit.model import Ingress, Service
from netkit_policies.rules.base import (
    Context,
    Level,
    ResourceRef,
    Rule,
    RuleConfig,
    Severity,
    Violation,
    labels_text,
    listing,
)

SERVICE_TYPE = "kubernetes:core/v1:Service"
INGRESS_TYPES = ("kubernetes:networking.k8s.io/", "kubernetes:extensions/", "kubernetes:route")
WORKLOAD_TYPES = ("kubernetes:apps/", "kubernetes:batch/", "kubernetes:core/v1:Pod")


def _ref(obj: Service | Ingress) -> str:
    return f"{obj.namespace}/{obj.name}"


def _check_dangling_services(context: Context, config: RuleConfig) -> Iterator[Violation]:
    for service in dangling_services(context.model):
        if not service.selector:
            message = (
                f"Service {_ref(service)} has no selector, so it sends traffic to no pod "
                "unless its Endpoints are written by hand; add a selector matching the "
                "pods' labels (or make it type ExternalName if it names an outside host)"
            )
        else:
            message = (
                f"Service {_ref(service)} selects {labels_text(service.selector)}, which "
                f"matches no pod of namespace {service.namespace!r}, so it routes nowhere; "
                "fix the selector to match the pods' labels, or remove the Service"
            )
        yield Violation(ResourceRef.service(service), message)


DANGLING_SERVICE = Rule(
    name="k8s-service-disallow-dangling",
    description="Checks that every Service (other than ExternalName) selects some pod.",
    level=Level.ADVISORY,
    severity=Severity.LOW,
    remediation="Make the Service's selector match the labels of the pods it should serve, or remove the Service.",
    url="https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service",
    tags=("kubernetes", "service", "dangling-reference"),
    check=_check_dangling_services,
    watches=(SERVICE_TYPE, *WORKLOAD_TYPES),
)


def _check_target_ports(context: Context, config: RuleConfig) -> Iterator[Violation]:
    for found in unmatched_target_ports(context.model):
        port = found.port
        declared = sorted(
            {
                f"{p.name}/{p.protocol}"
                for w in found.workloads
                for p in (*w.ports, *(q for v in w.pod_variants for q in v.ports))
                if p.name
            }
        )
        shown = listing(declared) if declared else "none"
        yield Violation(
            ResourceRef.service(found.service),
            f"Service {_ref(found.service)} port {port.port}/{port.protocol} targets the "
            f"container port named {port.target_port!r}, which no selected pod declares "
            f"(named ports there: {shown}), so connections to it are refused; name the "
            "container port, or target a declared name or a number",
        )


TARGET_PORTS = Rule(
    name="k8s-service-require-declared-target-port",
    description="Checks that every named targetPort of a Service is a container port "
    "declared by the pods it selects.",
    level=Level.ADVISORY,
    severity=Severity.LOW,
    remediation="Declare the named port on the selected pods' containers (ports[].name), or point targetPort at a port number or a name the pods declare.",
    url="https://kubernetes.io/docs/concepts/services-networking/service/#field-spec-ports",
    tags=("kubernetes", "service", "dangling-reference"),
    check=_check_target_ports,
    watches=(SERVICE_TYPE, *WORKLOAD_TYPES),
)


def _check_ingress_backends(context: Context, config: RuleConfig) -> Iterator[Violation]:
    for found in dangling_ingress_backends(context.model):
        ingress, backend = found.ingress, found.backend
        where = f"host {backend.host!r} path {backend.path!r}" if backend.host else "its backend"
        if found.service is None:
            message = (
                f"{ingress.kind} {_ref(ingress)} sends {where} to Service {backend.service!r}, "
                f"which does not exist in namespace {ingress.namespace!r}, so requests get "
                "503; create the Service or fix the name"
            )
        else:
            ports = listing(
                f"{p.port}" + (f" ({p.name})" if p.name else "") for p in found.service.ports
            )
            message = (
                f"{ingress.kind} {_ref(ingress)} sends {where} to port {backend.port!r} of "
                f"Service {backend.service!r}, which has no such port (its ports: "
                f"{ports or 'none'}); use one of its ports"
            )
        yield Violation(ResourceRef.ingress(ingress), message)


DANGLING_INGRESS = Rule(
    name="k8s-ingress-disallow-dangling-backend",
    description="Checks that every Ingress backend names a Service of its namespace and a "
    "port that Service has.",
    level=Level.ADVISORY,
    severity=Severity.LOW,
    remediation="Name a Service of the Ingress's namespace in each backend, and a port that Service has.",
    url="https://kubernetes.io/docs/concepts/services-networking/ingress/#the-ingress-resource",
    tags=("kubernetes", "ingress", "dangling-reference"),
    check=_check_ingress_backends,
    watches=(SERVICE_TYPE, *INGRESS_TYPES),
)

RULES = (DANGLING_SERVICE, TARGET_PORTS, DANGLING_INGRESS)
