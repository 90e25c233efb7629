"""The five causes of the anchors' misses, each on its own fixture: OpenShift
DeploymentConfigs are workloads, init and ephemeral containers open host ports too,
`hostPort: 0` is unset, an Ingress with neither host nor spec.tls serves plain HTTP (the
IPv6 pool default is in test_cni_rules)."""

from __future__ import annotations

from typing import Any

from netkit.connlist import render
from netkit.reachability import analyze
from tests.policies.conftest import deployment, ingress, k8s, messages, namespace

HOST_NETWORK = "k8s-workload-disallow-host-network"
NEEDS_POLICY = "k8s-workload-require-network-policy"
TLS = "k8s-ingress-require-tls"


def _deployment_config() -> dict[str, Any]:
    manifest = deployment("shop", "legacy", kind="DeploymentConfig")
    manifest["apiVersion"] = "apps.openshift.io/v1"
    return manifest


def test_a_deployment_config_is_a_workload_as_netpol_analyzer_names_it():
    model = k8s(namespace("shop"), _deployment_config(), deployment("shop", "web"))

    assert [w.ref for w in model.workloads] == [
        "shop/legacy[DeploymentConfig]",
        "shop/web[Deployment]",
    ]
    assert "shop/legacy[DeploymentConfig] => shop/web[Deployment] : All Connections" in render(
        analyze(model).connections(), "txt"
    )


def test_a_deployment_config_without_a_network_policy_is_reported():
    found = messages(NEEDS_POLICY, k8s(namespace("shop"), _deployment_config()))

    assert len(found) == 1 and "DeploymentConfig shop/legacy" in found[0]


def _with(section: str, host_port: int, name: str = "web") -> dict[str, Any]:
    manifest = deployment("shop", name)
    manifest["spec"]["template"]["spec"][section] = [
        {
            "name": "helper",
            "image": "img",
            "ports": [{"containerPort": 9000, "hostPort": host_port}],
        }
    ]
    return manifest


def test_host_ports_of_init_and_ephemeral_containers_are_reported():
    for section in ("initContainers", "ephemeralContainers"):
        assert messages(HOST_NETWORK, k8s(_with(section, 9000))) == [
            "Deployment shop/web publishes hostPort 9000, which opens that port on every node "
            "it runs on and pins it to one pod per node; remove hostPort and expose the port "
            "through a Service"
        ], section


def test_host_port_zero_is_unset_as_kubernetes_treats_it():
    model = k8s(deployment("shop", "web", host_port=0), _with("initContainers", 0, "db"))

    assert messages(HOST_NETWORK, model) == []
    assert all(w.host_ports == () for w in model.workloads)


def test_an_ingress_without_host_and_without_tls_serves_plain_http():
    hostless = ingress("shop", "web", [""])
    del hostless["spec"]["rules"][0]["host"]

    assert messages(TLS, k8s(hostless)) == [
        "Ingress shop/web has no spec.tls, so it serves every request over plain HTTP; add "
        'spec.tls with a certificate secret (or "" to allowPlaintextHosts in this rule\'s '
        "config if plain HTTP is intended)"
    ]
    with_tls = ingress("shop", "web", [""], tls=["example.com"])
    del with_tls["spec"]["rules"][0]["host"]
    assert messages(TLS, k8s(with_tls)) == []
    assert messages(TLS, k8s(hostless), {"allowPlaintextHosts": [""]}) == []
