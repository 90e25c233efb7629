"""Exposure rules: Service types and externalIPs, Ingress TLS and hosts, host networking."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.policies.conftest import (
    deployment,
    dev_model,
    findings,
    ingress,
    k8s,
    messages,
    namespace,
    service,
)

SERVICE_TYPE = "k8s-service-restrict-type"
EXTERNAL_IPS = "k8s-service-restrict-external-ips"
TLS = "k8s-ingress-require-tls"
HOSTS = "k8s-ingress-disallow-wildcard-host"
UNIQUE = "k8s-ingress-require-unique-host-path"
SNIPPETS = "k8s-ingress-disallow-snippet-annotations"
HOST_NETWORK = "k8s-workload-disallow-host-network"


def test_the_dev_stack_exposes_nothing_it_should_not():
    model = dev_model()
    for rule in (SERVICE_TYPE, EXTERNAL_IPS, TLS, HOSTS, UNIQUE, SNIPPETS, HOST_NETWORK):
        assert messages(rule, model) == [], rule


# --------------------------------------------------------------------------- services


def _services() -> Any:
    return k8s(
        namespace("shop"),
        service("shop", "web", type_="NodePort"),
        service("shop", "lb", type_="LoadBalancer"),
        service("shop", "db", clusterIP="None"),
        service("shop", "ext", externalIPs=["203.0.113.10"]),
    )


def test_node_ports_and_load_balancers_need_the_stack_specs_permission():
    [node_port, balancer] = findings(SERVICE_TYPE, _services())

    assert node_port.resource.describe() == "Service shop/web"
    assert node_port.message == (
        "Service shop/web is type NodePort, which opens a port on every node, and this stack "
        "allows only ClusterIP; use ClusterIP behind an Ingress, or add NodePort to "
        "exposure.serviceTypes in the stack file if the exposure is intended"
    )
    assert balancer.message == (
        "Service shop/lb is type LoadBalancer, which asks the cloud for an external load "
        "balancer, and this stack allows only ClusterIP; use ClusterIP behind an Ingress, or add "
        "LoadBalancer to exposure.serviceTypes in the stack file if the exposure is intended"
    )


def test_the_stack_specs_service_types_allow_them():
    def allow_node_ports(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        if name == "netkit-dev":
            inputs["intent"]["exposure"]["serviceTypes"].append("NodePort")
        if name == "shop-web-web-svc-service":
            inputs["spec"]["type"] = "NodePort"
        return inputs

    assert messages(SERVICE_TYPE, dev_model(allow_node_ports)) == []


def test_extra_service_types_can_be_allowed_in_the_config():
    assert messages(SERVICE_TYPE, _services(), {"allowedTypes": ["NodePort"]}) == [
        "Service shop/lb is type LoadBalancer, which asks the cloud for an external load "
        "balancer, and this stack allows only ClusterIP, NodePort; use ClusterIP behind an "
        "Ingress, or add LoadBalancer to exposure.serviceTypes in the stack file if the exposure "
        "is intended"
    ]


def test_external_ips_outside_the_allowlist_are_named():
    assert messages(EXTERNAL_IPS, _services()) == [
        "Service shop/ext has externalIP 203.0.113.10, which is not allowed (allowed: none); an "
        "externalIP captures that address's traffic on every node (CVE-2020-8554); remove it, or "
        "add it to exposure.externalIPs in the stack file"
    ]
    assert messages(EXTERNAL_IPS, _services(), {"allowedExternalIPs": ["203.0.113.10"]}) == []


# --------------------------------------------------------------------------- ingresses


def _tls_gaps() -> Any:
    return k8s(
        namespace("shop"),
        ingress("shop", "a", ["a.example.com"]),
        ingress("shop", "b", ["b.example.com", "api.example.com"], tls=["b.example.com"]),
    )


def test_ingresses_without_tls_and_hosts_missing_from_it_are_named():
    assert messages(TLS, _tls_gaps()) == [
        "Ingress shop/a has no spec.tls, so a.example.com is served over plain HTTP; add spec.tls "
        "with a certificate secret for every host",
        "Ingress shop/b routes host 'api.example.com', which no spec.tls[].hosts lists, so it is "
        "served over plain HTTP; add 'api.example.com' to a tls entry (or to allowPlaintextHosts "
        "in this rule's config if plain HTTP is intended)",
    ]


def test_plaintext_hosts_can_be_allowed_in_the_config():
    config = {"allowPlaintextHosts": ["a.example.com", "api.example.com"]}

    assert messages(TLS, _tls_gaps(), config) == []


def test_plaintext_hosts_the_stack_spec_allows_are_not_reported():
    model = _tls_gaps()
    allowed = replace(
        model.exposure, plaintext_hosts=frozenset({"a.example.com", "api.example.com"})
    )

    assert messages(TLS, replace(model, exposure=allowed)) == []


def _wild() -> Any:
    wild = ingress("shop", "wild", ["*.example.com", ""], tls=["*.example.com"])
    wild["spec"]["defaultBackend"] = {"service": {"name": "web", "port": {"number": 80}}}
    return k8s(namespace("shop"), wild)


def test_wildcard_hosts_empty_hosts_and_default_backends_are_named():
    assert messages(HOSTS, _wild()) == [
        "Ingress shop/wild has a rule without a host, which answers requests for every host name "
        "pointed at the controller (path '/' to Service web); set the host the service is meant "
        "for",
        "Ingress shop/wild has a defaultBackend (Service web), which receives requests for every "
        "host and path no rule matches; remove it and route named hosts only",
        "Ingress shop/wild routes wildcard host '*.example.com', which sends every matching "
        "subdomain (including ones nobody registered on purpose) to its backend; list the host "
        "names instead",
    ]


def test_wildcard_and_empty_hosts_can_be_allowed_in_the_config():
    assert messages(HOSTS, _wild(), {"allowedHosts": ["*.example.com", ""]}) == []


def test_a_host_and_path_routed_twice_is_named_once_per_extra_ingress():
    model = k8s(
        namespace("shop"),
        ingress("shop", "a", ["shop.example.com"], tls=["shop.example.com"]),
        ingress("shop", "b", ["shop.example.com", "shop.example.com"], tls=["shop.example.com"]),
        ingress("shop", "c", ["c.example.com", "c.example.com"], tls=["c.example.com"]),
        ingress("shop", "d", ["shop.example.com"], tls=["shop.example.com"], path="/api"),
    )

    assert messages(UNIQUE, model) == [
        "Ingress shop/b routes host 'shop.example.com' path '/' and so does Ingress shop/a; the "
        "controller serves one route and silently drops the other; give each host and path a "
        "single route",
        "Ingress shop/c routes host 'c.example.com' path '/' twice; the controller serves one "
        "route and silently drops the other; give each host and path a single route",
    ]


def _snippets() -> Any:
    annotations = {
        "nginx.ingress.kubernetes.io/server-snippet": "location /admin { allow all; }",
        "nginx.ingress.kubernetes.io/rewrite-target": "/",
    }
    return k8s(
        namespace("shop"),
        ingress(
            "shop", "a", ["shop.example.com"], tls=["shop.example.com"], annotations=annotations
        ),
    )


def test_snippet_annotations_are_named_but_other_annotations_are_not():
    assert messages(SNIPPETS, _snippets()) == [
        "Ingress shop/a sets annotation nginx.ingress.kubernetes.io/server-snippet, which injects "
        "raw nginx configuration into the controller shared by every namespace (CVE-2021-25742); "
        "remove it and use the dedicated annotations"
    ]


def test_a_snippet_annotation_can_be_allowed_in_the_config():
    config = {"allowedAnnotations": ["nginx.ingress.kubernetes.io/server-snippet"]}

    assert messages(SNIPPETS, _snippets(), config) == []


# --------------------------------------------------------------------------- host network


def _host_networking() -> Any:
    return k8s(
        namespace("shop"),
        deployment("shop", "agent", host_network=True, kind="DaemonSet"),
        deployment("shop", "web", host_port=8080),
    )


def test_host_network_and_host_ports_are_named():
    assert messages(HOST_NETWORK, _host_networking()) == [
        "DaemonSet shop/agent sets hostNetwork: true, so its pods share the node's network: "
        "NetworkPolicies do not isolate them and they can bind any port of the node; remove "
        "hostNetwork and expose the pods through a Service",
        "Deployment shop/web publishes hostPort 8080, which opens that port on every node it runs "
        "on and pins it to one pod per node; remove hostPort and expose the port through a Service",
    ]


def test_a_workload_can_be_allowed_on_the_host_network_in_the_config():
    assert [
        f.resource.describe()
        for f in findings(HOST_NETWORK, _host_networking(), {"allowedWorkloads": ["shop/agent"]})
    ] == ["Deployment shop/web"]
