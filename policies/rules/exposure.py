"""Exposure: what reaches the cluster (or a node) from outside, and how.

Service types and externalIPs only as the stack spec allows; Ingresses with TLS on
every host, no wildcard or empty hosts, one owner per host and path, no nginx snippet
annotations; no workload on the host's network or publishing host ports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from netkit.model import Ingress, Service
from netkit_policies.rules.base import (
    Context,
    Level,
    ResourceRef,
    Rule,
    RuleConfig,
    Severity,
    Violation,
    string_list_option,
    strings,
)

SERVICE_TYPE = "kubernetes:core/v1:Service"
INGRESS_TYPES = ("kubernetes:networking.k8s.io/", "kubernetes:extensions/")
WORKLOAD_TYPES = ("kubernetes:apps/", "kubernetes:batch/", "kubernetes:core/v1:Pod")

INTERNAL_TYPES = frozenset({"ClusterIP", "Headless", "ExternalName"})
SNIPPET = re.compile(r"^nginx\.ingress\.kubernetes\.io/[a-z0-9-]*snippet$")


def _service_type(service: Service) -> str:
    if service.type == "ClusterIP" and service.cluster_ip == "None":
        return "Headless"
    return service.type


def _ref(obj: Service | Ingress) -> str:
    return f"{obj.namespace}/{obj.name}"


def _check_service_types(context: Context, config: RuleConfig) -> Iterator[Violation]:
    model = context.model
    allowed = set(model.exposure.allowed_service_types) | set(strings(config, "allowedTypes"))
    shown = ", ".join(sorted(allowed | {"ClusterIP"}))
    for service in model.services:
        kind = _service_type(service)
        if kind in INTERNAL_TYPES or kind in allowed:
            continue
        if kind == "NodePort":
            opens = "opens a port on every node"
        elif kind == "LoadBalancer":
            opens = "asks the cloud for an external load balancer"
        else:
            opens = "is not a type this stack knows"
        yield Violation(
            ResourceRef.service(service),
            f"Service {_ref(service)} is type {kind}, which {opens}, and this stack allows "
            f"only {shown}; use ClusterIP behind an Ingress, or add {kind} to "
            "exposure.serviceTypes in the stack file if the exposure is intended",
            value=kind,
        )


SERVICE_TYPE_RULE = Rule(
    name="k8s-service-restrict-type",
    description="Checks that Services of type NodePort or LoadBalancer exist only where "
    "the stack spec allows those types.",
    level=Level.MANDATORY,
    severity=Severity.HIGH,
    remediation="Use type ClusterIP (or headless) behind an Ingress; if the type is meant, add it to exposure.serviceTypes in the stack file (or allowedTypes of this rule).",
    url="https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types",
    tags=("kubernetes", "service", "exposure"),
    check=_check_service_types,
    config={
        "allowedTypes": string_list_option(
            "Service types allowed besides the stack spec's "
            "exposure.serviceTypes (for manifests without a stack spec).",
            choices=("ClusterIP", "Headless", "NodePort", "LoadBalancer", "ExternalName"),
        )
    },
    watches=(SERVICE_TYPE,),
)


def _check_external_ips(context: Context, config: RuleConfig) -> Iterator[Violation]:
    model = context.model
    allowed = set(model.exposure.allowed_external_ips) | set(strings(config, "allowedExternalIPs"))
    shown = ", ".join(sorted(allowed)) or "none"
    for service in model.services:
        for address in service.external_ips:
            if address in allowed:
                continue
            yield Violation(
                ResourceRef.service(service),
                f"Service {_ref(service)} has externalIP {address}, which is not allowed "
                f"(allowed: {shown}); an externalIP captures that address's traffic on every "
                "node (CVE-2020-8554); remove it, or add it to exposure.externalIPs in the "
                "stack file",
                value=address,
            )


EXTERNAL_IPS = Rule(
    name="k8s-service-restrict-external-ips",
    description="Checks that Services use only the externalIPs the stack spec allows.",
    level=Level.MANDATORY,
    severity=Severity.HIGH,
    remediation="Remove the externalIP, or list the address in exposure.externalIps of the stack file (or allowedExternalIPs of this rule) when the Service owns it.",
    url="https://kubernetes.io/docs/concepts/services-networking/service/#external-ips",
    tags=("kubernetes", "service", "exposure"),
    check=_check_external_ips,
    config={
        "allowedExternalIPs": string_list_option(
            "Addresses allowed besides the stack spec's exposure.externalIPs.",
            format="ip-address",
        )
    },
    watches=(SERVICE_TYPE,),
)


# --------------------------------------------------------------------------- ingresses


def _check_tls(context: Context, config: RuleConfig) -> Iterator[Violation]:
    plaintext = set(strings(config, "allowPlaintextHosts")) | context.model.exposure.plaintext_hosts
    for ingress in context.model.ingresses:
        if ingress.kind != "Ingress":
            continue  # an OpenShift Route's TLS is not in the model
        hosts = sorted({p.host for p in ingress.paths if p.host and p.host not in plaintext})
        hostless = [p for p in ingress.backends() if not p.host]
        if not hosts and hostless and not ingress.tls and "" not in plaintext:
            # No host and no spec.tls: every request, whatever its name, is plain HTTP
            # (Polaris' tlsSettingsMissing fails it too).
            yield Violation(
                ResourceRef.ingress(ingress),
                f"Ingress {_ref(ingress)} has no spec.tls, so it serves every request over "
                'plain HTTP; add spec.tls with a certificate secret (or "" to '
                "allowPlaintextHosts in this rule's config if plain HTTP is intended)",
            )
            continue
        if not hosts:
            continue
        tls_hosts = {host for tls in ingress.tls for host in tls.hosts}
        if not ingress.tls:
            yield Violation(
                ResourceRef.ingress(ingress),
                f"Ingress {_ref(ingress)} has no spec.tls, so {', '.join(hosts)} "
                f"{'is' if len(hosts) == 1 else 'are'} served over plain HTTP; add spec.tls "
                "with a certificate secret for every host",
            )
            continue
        for host in hosts:
            if host not in tls_hosts:
                yield Violation(
                    ResourceRef.ingress(ingress),
                    f"Ingress {_ref(ingress)} routes host {host!r}, which no spec.tls[].hosts "
                    f"lists, so it is served over plain HTTP; add {host!r} to a tls entry "
                    "(or to allowPlaintextHosts in this rule's config if plain HTTP is intended)",
                    value=host,
                )


INGRESS_TLS = Rule(
    name="k8s-ingress-require-tls",
    description="Checks that every Ingress has TLS and lists each of its hosts in its TLS section.",
    level=Level.MANDATORY,
    severity=Severity.HIGH,
    remediation="Add spec.tls with a certificate secret listing every host the Ingress routes (kubernetes.ingresses[].tls in the stack file).",
    url="https://kubernetes.io/docs/concepts/services-networking/ingress/#tls",
    tags=("kubernetes", "ingress", "exposure"),
    check=_check_tls,
    config={
        "allowPlaintextHosts": string_list_option(
            "Hosts allowed without TLS (the stack spec's allowPlaintextHosts).",
            format="ingress-host",
        )
    },
    watches=INGRESS_TYPES,
)


def _check_hosts(context: Context, config: RuleConfig) -> Iterator[Violation]:
    allowed = set(strings(config, "allowedHosts"))
    for ingress in context.model.ingresses:
        empty = [p for p in ingress.paths if not p.host]
        if empty and "" not in allowed:
            yield Violation(
                ResourceRef.ingress(ingress),
                f"{ingress.kind} {_ref(ingress)} has a rule without a host, which answers "
                f"requests for every host name pointed at the controller (path "
                f"{empty[0].path or '/'!r} to Service {empty[0].service}); set the host "
                "the service is meant for",
            )
        if ingress.default_backend is not None and "" not in allowed:
            yield Violation(
                ResourceRef.ingress(ingress),
                f"{ingress.kind} {_ref(ingress)} has a defaultBackend (Service "
                f"{ingress.default_backend.service}), which receives requests for every host "
                "and path no rule matches; remove it and route named hosts only",
            )
        for host in sorted({p.host for p in ingress.paths if p.host.startswith("*")}):
            if host in allowed:
                continue
            yield Violation(
                ResourceRef.ingress(ingress),
                f"{ingress.kind} {_ref(ingress)} routes wildcard host {host!r}, which sends "
                "every matching subdomain (including ones nobody registered on purpose) to "
                "its backend; list the host names instead",
                value=host,
            )


INGRESS_HOSTS = Rule(
    name="k8s-ingress-disallow-wildcard-host",
    description="Checks that Ingress rules name their hosts: no wildcard hosts, no empty "
    "hosts and no default backend.",
    level=Level.ADVISORY,
    severity=Severity.MEDIUM,
    remediation="Name every host a rule routes; remove wildcard and empty hosts and the defaultBackend.",
    url="https://kubernetes.io/docs/concepts/services-networking/ingress/#hostname-wildcards",
    tags=("kubernetes", "ingress", "exposure"),
    check=_check_hosts,
    config={
        "allowedHosts": {
            "type": "array",
            "items": {"type": "string", "format": "ingress-host"},
            "default": [],
            "description": 'Wildcard hosts allowed anyway; "" allows empty hosts and '
            "default backends.",
        }
    },
    watches=INGRESS_TYPES,
)


def _check_unique_routes(context: Context, config: RuleConfig) -> Iterator[Violation]:
    routes: dict[tuple[str, str], list[Ingress]] = {}
    for ingress in context.model.ingresses:
        for route in ingress.paths:
            if route.host:  # empty hosts are the wildcard rule's business
                routes.setdefault((route.host, route.path or "/"), []).append(ingress)
    for (host, path), owners in routes.items():
        first = owners[0]
        reported: set[int] = set()
        for ingress in owners[1:]:
            if id(ingress) in reported:
                continue
            reported.add(id(ingress))
            where = "twice" if ingress is first else f"and so does {first.kind} {_ref(first)}"
            yield Violation(
                ResourceRef.ingress(ingress),
                f"{ingress.kind} {_ref(ingress)} routes host {host!r} path {path!r} {where}; "
                "the controller serves one route and silently drops the other; give each host "
                "and path a single route",
            )


UNIQUE_ROUTES = Rule(
    name="k8s-ingress-require-unique-host-path",
    description="Checks that every host and path is routed by one Ingress rule only.",
    level=Level.ADVISORY,
    severity=Severity.LOW,
    remediation="Route each host and path from one Ingress rule only; merge or rename the duplicates.",
    url="https://kubernetes.io/docs/concepts/services-networking/ingress/#ingress-rules",
    tags=("kubernetes", "ingress", "exposure"),
    check=_check_unique_routes,
    watches=INGRESS_TYPES,
)


def _check_snippets(context: Context, config: RuleConfig) -> Iterator[Violation]:
    allowed = set(strings(config, "allowedAnnotations"))
    for ingress in context.model.ingresses:
        for key in sorted(ingress.annotations):
            if SNIPPET.match(key) and key not in allowed:
                yield Violation(
                    ResourceRef.ingress(ingress),
                    f"Ingress {_ref(ingress)} sets annotation {key}, which injects raw nginx "
                    "configuration into the controller shared by every namespace "
                    "(CVE-2021-25742); remove it and use the dedicated annotations",
                    value=key,
                )


SNIPPETS = Rule(
    name="k8s-ingress-disallow-snippet-annotations",
    description="Checks that no Ingress uses ingress-nginx *-snippet annotations.",
    level=Level.MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Remove the *-snippet annotation and express the configuration with ingress-nginx's dedicated annotations; keep allow-snippet-annotations off in the controller.",
    url="https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/#allow-snippet-annotations",
    tags=("kubernetes", "ingress", "exposure"),
    check=_check_snippets,
    config={
        "allowedAnnotations": string_list_option(
            "Snippet annotation keys allowed anyway.", format="label-key"
        )
    },
    watches=INGRESS_TYPES,
)


# --------------------------------------------------------------------------- host network


def _check_host_network(context: Context, config: RuleConfig) -> Iterator[Violation]:
    allowed = set(strings(config, "allowedWorkloads"))
    for workload in context.model.workloads:
        name = f"{workload.namespace}/{workload.name}"
        if name in allowed:
            continue
        if workload.host_network:
            yield Violation(
                ResourceRef.workload(workload),
                f"{workload.kind} {name} sets hostNetwork: true, so its pods share the node's "
                "network: NetworkPolicies do not isolate them and they can bind any port of "
                "the node; remove hostNetwork and expose the pods through a Service",
            )
        for port in sorted(set(workload.host_ports)):
            yield Violation(
                ResourceRef.workload(workload),
                f"{workload.kind} {name} publishes hostPort {port}, which opens that port on "
                "every node it runs on and pins it to one pod per node; remove hostPort and "
                "expose the port through a Service",
                value=str(port),
            )


HOST_NETWORK = Rule(
    name="k8s-workload-disallow-host-network",
    description="Checks that no workload uses hostNetwork or hostPort.",
    level=Level.MANDATORY,
    severity=Severity.HIGH,
    remediation="Remove hostNetwork: true and hostPort from the pod template; reach the pods through a Service (and an Ingress for outside traffic).",
    url="https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
    tags=("kubernetes", "workload", "exposure"),
    check=_check_host_network,
    config={
        "allowedWorkloads": string_list_option(
            "Workloads allowed anyway, as `namespace/name` (e.g. a CNI agent).",
            format="namespaced-name",
        )
    },
    watches=WORKLOAD_TYPES,
)

RULES = (
    SERVICE_TYPE_RULE,
    EXTERNAL_IPS,
    INGRESS_TLS,
    INGRESS_HOSTS,
    UNIQUE_ROUTES,
    SNIPPETS,
    HOST_NETWORK,
)
