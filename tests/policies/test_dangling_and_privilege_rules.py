"""Rules closing the gap to the anchors: dangling Services, target ports and Ingress
backends (kube-linter), NET_RAW (kube-linter, Kyverno, Checkov), the Docker socket
(kube-linter, Checkov), host port ranges (Kyverno's disallow-host-ports-range)."""

from __future__ import annotations

from typing import Any

import pytest

from netkit_policies.registry import InvalidPolicyConfig, PackConfig
from tests.policies.conftest import (
    deployment,
    dev_model,
    ingress,
    k8s,
    messages,
    namespace,
    service,
)

DANGLING_SERVICE = "k8s-service-disallow-dangling"
TARGET_PORT = "k8s-service-require-declared-target-port"
DANGLING_INGRESS = "k8s-ingress-disallow-dangling-backend"
NET_RAW = "k8s-workload-require-drop-net-raw"
DOCKER_SOCKET = "k8s-workload-disallow-docker-socket"
HOST_PORT_RANGE = "k8s-workload-restrict-host-port-range"
NEW_RULES = (
    DANGLING_SERVICE,
    TARGET_PORT,
    DANGLING_INGRESS,
    NET_RAW,
    DOCKER_SOCKET,
    HOST_PORT_RANGE,
)


def test_the_dev_stack_passes_every_new_rule():
    model = dev_model()
    for rule in NEW_RULES:
        assert messages(rule, model) == [], rule


def _container(deployment_manifest: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = deployment_manifest["spec"]["template"]["spec"]["containers"][0]
    return container


def _hardened(ns: str, name: str, **kwargs: Any) -> dict[str, Any]:
    manifest = deployment(ns, name, **kwargs)
    _container(manifest)["securityContext"] = {"capabilities": {"drop": ["ALL"]}}
    return manifest


# --------------------------------------------------------------------------- services


def test_a_service_whose_selector_matches_no_pod_is_dangling():
    model = k8s(namespace("shop"), _hardened("shop", "web"), service("shop", "api"))

    assert messages(DANGLING_SERVICE, model) == [
        "Service shop/api selects app=api, which matches no pod of namespace 'shop', so it "
        "routes nowhere; fix the selector to match the pods' labels, or remove the Service"
    ]


def test_a_service_selecting_pods_of_another_namespace_is_dangling():
    model = k8s(_hardened("other", "web"), service("shop", "web"))

    assert len(messages(DANGLING_SERVICE, model)) == 1


def test_a_service_without_selector_is_dangling_unless_it_is_external_name():
    no_selector = service("shop", "db")
    del no_selector["spec"]["selector"]
    external = service("shop", "mail", type_="ExternalName", externalName="mail.example.com")
    del external["spec"]["selector"]

    assert messages(DANGLING_SERVICE, k8s(no_selector, external)) == [
        "Service shop/db has no selector, so it sends traffic to no pod unless its Endpoints "
        "are written by hand; add a selector matching the pods' labels (or make it type "
        "ExternalName if it names an outside host)"
    ]


def test_a_service_selecting_its_pods_is_fine():
    assert messages(DANGLING_SERVICE, k8s(_hardened("shop", "web"), service("shop", "web"))) == []


def test_a_named_target_port_no_selected_pod_declares_is_reported():
    svc = service("shop", "web")
    svc["spec"]["ports"][0]["targetPort"] = "metrics"

    assert messages(TARGET_PORT, k8s(_hardened("shop", "web"), svc)) == [
        "Service shop/web port 80/TCP targets the container port named 'metrics', which no "
        "selected pod declares (named ports there: http/TCP), so connections to it are "
        "refused; name the container port, or target a declared name or a number"
    ]


def test_a_named_target_port_of_another_protocol_does_not_count():
    svc = service("shop", "web")
    svc["spec"]["ports"][0]["protocol"] = "UDP"

    assert len(messages(TARGET_PORT, k8s(_hardened("shop", "web"), svc))) == 1


def test_numbered_and_declared_target_ports_are_fine():
    numbered = service("shop", "web")
    numbered["spec"]["ports"][0]["targetPort"] = 9999

    assert messages(TARGET_PORT, k8s(_hardened("shop", "web"), numbered)) == []
    assert messages(TARGET_PORT, k8s(_hardened("shop", "web"), service("shop", "web"))) == []


# --------------------------------------------------------------------------- ingress


def test_an_ingress_backend_naming_no_service_is_reported():
    model = k8s(ingress("shop", "front", ["a.example.com"], tls=["a.example.com"]))

    assert messages(DANGLING_INGRESS, model) == [
        "Ingress shop/front sends host 'a.example.com' path '/' to Service 'web', which does "
        "not exist in namespace 'shop', so requests get 503; create the Service or fix the name"
    ]


def test_an_ingress_backend_naming_a_port_the_service_lacks_is_reported():
    svc = service("shop", "web")
    svc["spec"]["ports"][0]["port"] = 8080
    model = k8s(_hardened("shop", "web"), svc, ingress("shop", "front", ["a.example.com"]))

    assert messages(DANGLING_INGRESS, model) == [
        "Ingress shop/front sends host 'a.example.com' path '/' to port 80 of Service 'web', "
        "which has no such port (its ports: 8080 (http)); use one of its ports"
    ]


def test_an_ingress_backend_naming_its_service_and_port_is_fine():
    model = k8s(_hardened("shop", "web"), service("shop", "web"), ingress("shop", "f", ["a.b"]))

    assert messages(DANGLING_INGRESS, model) == []


# --------------------------------------------------------------------------- NET_RAW


def test_a_container_that_does_not_drop_net_raw_is_reported():
    assert messages(NET_RAW, k8s(deployment("shop", "web"))) == [
        "Deployment shop/web container 'web' does not drop NET_RAW, which the container "
        "runtime grants by default, so it can forge packets (ARP and DNS spoofing of its "
        "neighbours); add NET_RAW (or ALL) to securityContext.capabilities.drop"
    ]


@pytest.mark.parametrize(
    "drop", [["ALL"], ["NET_RAW"], ["CHOWN", "NET_RAW"], ["net_raw"], ["CAP_NET_RAW"], ["all"]]
)
def test_dropping_net_raw_or_all_is_enough(drop):
    manifest = deployment("shop", "web")
    _container(manifest)["securityContext"] = {"capabilities": {"drop": drop}}

    assert messages(NET_RAW, k8s(manifest)) == []


def test_adding_net_raw_back_is_reported_even_after_dropping_all():
    manifest = deployment("shop", "web")
    _container(manifest)["securityContext"] = {
        "capabilities": {"drop": ["ALL"], "add": ["NET_RAW"]}
    }

    assert messages(NET_RAW, k8s(manifest)) == [
        "Deployment shop/web container 'web' adds NET_RAW back in "
        "securityContext.capabilities.add, so it can forge packets (ARP and DNS spoofing of "
        "its neighbours); remove it from capabilities.add"
    ]


def test_init_containers_must_drop_net_raw_too():
    manifest = _hardened("shop", "web")
    manifest["spec"]["template"]["spec"]["initContainers"] = [{"name": "setup", "image": "i"}]

    assert messages(NET_RAW, k8s(manifest)) == [
        "Deployment shop/web initContainer 'setup' does not drop NET_RAW, which the container "
        "runtime grants by default, so it can forge packets (ARP and DNS spoofing of its "
        "neighbours); add NET_RAW (or ALL) to securityContext.capabilities.drop"
    ]


# --------------------------------------------------------------------------- docker socket


@pytest.mark.parametrize("path", ["/var/run/docker.sock", "/run/docker.sock"])
def test_a_hostpath_volume_on_the_docker_socket_is_reported(path):
    manifest = _hardened("ci", "runner")
    manifest["spec"]["template"]["spec"]["volumes"] = [
        {"name": "docker", "hostPath": {"path": path, "type": "Socket"}}
    ]

    assert messages(DOCKER_SOCKET, k8s(manifest)) == [
        f"Deployment ci/runner mounts the Docker socket {path!r} from the host, which hands "
        "its pods the Docker daemon and so root on the node; remove the hostPath volume"
    ]


def test_other_hostpath_volumes_are_not_the_docker_socket():
    manifest = _hardened("ci", "runner")
    manifest["spec"]["template"]["spec"]["volumes"] = [
        {"name": "logs", "hostPath": {"path": "/var/log"}},
        {"name": "cache", "emptyDir": {}},
    ]

    assert messages(DOCKER_SOCKET, k8s(manifest)) == []


# --------------------------------------------------------------------------- host port range


def test_a_host_port_outside_the_default_range_is_reported():
    model = k8s(_hardened("shop", "web", host_port=80), _hardened("shop", "ok", host_port=5500))

    assert messages(HOST_PORT_RANGE, model) == [
        "Deployment shop/web container 'web' binds hostPort 80, outside the allowed range "
        "(5000-6000); pick a host port in range, or expose the port through a Service"
    ]


def test_the_allowed_host_port_ranges_come_from_the_config():
    model = k8s(_hardened("shop", "web", host_port=80))

    assert messages(HOST_PORT_RANGE, model, {"allowedRanges": ["80", "443"]}) == []
    assert len(messages(HOST_PORT_RANGE, model, {"allowedRanges": ["8000-9000"]})) == 1


def test_a_bad_host_port_range_in_the_config_is_refused_up_front():
    with pytest.raises(InvalidPolicyConfig) as caught:
        PackConfig.parse({HOST_PORT_RANGE: {"allowedRanges": ["6000-5000"]}})

    assert str(caught.value) == (
        f"policy config: {HOST_PORT_RANGE}.allowedRanges[0]: port range '6000-5000': "
        "reversed; did you mean '5000-6000'?"
    )
