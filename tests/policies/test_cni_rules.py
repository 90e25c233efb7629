"""CNI rules: policies need an enforcing CNI; traffic between hosts needs an overlay."""

from __future__ import annotations

import copy
from typing import Any

from netkit.resources import Resource, model_from_resources
from tests.policies.conftest import (
    deployment,
    dev_model,
    findings,
    k8s,
    messages,
    namespace,
    policy,
)

ENFORCEMENT = "k8s-cni-require-policy-enforcement"
BRIDGES = "docker-network-disallow-bridge-across-hosts"


def _without_calico(name: str, inputs: dict[str, Any]) -> dict[str, Any] | None:
    return None if name == "netkit-dev-calico-installation" else inputs


NO_CNI = (
    "the stack declares 11 NetworkPolicies but installs no CNI that enforces them: without one "
    "they are accepted and silently ignored; install Calico (kubernetes.calico in the stack "
    "file), or set clusterCni in this rule's config to the plugin the cluster already runs "
    "(calico, cilium, ...)"
)


def test_the_dev_stack_installs_calico_and_uses_no_bridge_across_hosts():
    assert messages(ENFORCEMENT, dev_model()) == []
    assert messages(BRIDGES, dev_model()) == []


def test_policies_without_any_cni_install_are_reported_against_the_stack():
    [finding] = findings(ENFORCEMENT, dev_model(_without_calico))

    assert finding.resource.describe() == "Stack"
    assert finding.message == NO_CNI


def test_the_clusters_own_cni_can_be_named_in_the_config():
    model = dev_model(_without_calico)

    assert messages(ENFORCEMENT, model, {"clusterCni": "cilium"}) == []
    assert messages(ENFORCEMENT, model, {"clusterCni": "flannel"}) == [
        NO_CNI.replace(
            "enforces them:", "enforces them (clusterCni 'flannel' does not enforce them):"
        )
    ]


def test_flannel_alone_does_not_enforce_policies():
    flannel = Resource(
        "kubernetes:helm.sh/v4:Chart",
        "flannel",
        "urn:pulumi:dev::netkit::kubernetes:helm.sh/v4:Chart::flannel",
        {"chart": "flannel"},
    )

    [finding] = findings(ENFORCEMENT, dev_model(_without_calico, [flannel]))

    assert finding.resource.describe() == "CniInstall flannel"
    assert finding.resource.source == flannel.urn
    assert finding.message == (
        "the stack declares 11 NetworkPolicies but its CNI is Flannel alone, which does not "
        "enforce NetworkPolicies: the API server accepts them and nothing applies them; install "
        "Calico (kubernetes.calico in the stack file) or Cilium, or run Flannel with Calico's "
        "policy engine (Canal)"
    )


def test_a_cni_agent_found_among_the_manifests_counts_as_installed():
    objects = [namespace("shop"), deployment("shop", "web"), policy("shop", "default-deny")]
    calico = deployment("kube-system", "calico-node", kind="DaemonSet")
    flannel = deployment("kube-flannel", "kube-flannel-ds", kind="DaemonSet")

    assert messages(ENFORCEMENT, k8s(*objects, calico)) == []
    assert messages(ENFORCEMENT, k8s(*objects, flannel)) == [
        "the stack declares 1 NetworkPolicy but its CNI is Flannel alone, which does not enforce "
        "NetworkPolicies: the API server accepts them and nothing applies them; install Calico "
        "(kubernetes.calico in the stack file) or Cilium, or run Flannel with Calico's policy "
        "engine (Canal)"
    ]


def test_every_enforcing_plugin_counts_whether_installed_by_chart_or_seen_running():
    # One table (netkit.cni) for charts, agent DaemonSets and clusterCni: an Antrea or
    # Canal chart installed by the program is as good as its agent seen in manifests.
    for chart in ("antrea", "canal", "cilium", "oci://registry/charts/kube-router"):
        installed = Resource("kubernetes:helm.sh/v4:Chart", chart, f"urn:{chart}", {"chart": chart})
        assert messages(ENFORCEMENT, dev_model(_without_calico, [installed])) == [], chart
    canal = dev_model(
        _without_calico, [Resource("kubernetes:helm.sh/v4:Chart", "c", "u", {"chart": "canal"})]
    )
    assert [(i.plugin, i.enforces_network_policy) for i in canal.cni] == [("canal", True)]


def test_agents_in_manifests_are_part_of_the_model_not_only_of_the_rule():
    objects = [namespace("shop"), deployment("kube-system", "antrea-agent", kind="DaemonSet")]
    [agent] = k8s(*objects).cni
    assert (agent.name, agent.plugin, agent.enforces_network_policy) == (
        "antrea-agent",
        "antrea",
        True,
    )


def test_a_stack_without_policies_needs_no_enforcing_cni():
    assert messages(ENFORCEMENT, k8s(namespace("shop"), deployment("shop", "web"))) == []


def _multi_host(hosts: int) -> Any:
    def edit(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        if name == "netkit-dev":
            inputs["intent"]["dockerHosts"] = hosts
        if name == "netkit-dev-frontend-network":
            inputs["labels"].append({"label": "netkit.multi-host", "value": "true"})
        return inputs

    return edit


def test_a_bridge_meant_to_span_hosts_is_named_with_the_overlay_to_use():
    [finding] = findings(BRIDGES, dev_model(_multi_host(3)))

    assert finding.resource.describe() == "DockerNetwork netkit-dev-frontend"
    assert finding.message == (
        "docker bridge 'netkit-dev-frontend' is meant to carry traffic between hosts (the stack "
        "spans 3 Docker hosts), but a bridge only connects containers on one host; use an overlay "
        "network (docker.overlays), encrypted if the traffic crosses an untrusted network"
    )


def test_a_multi_host_bridge_is_wrong_even_before_the_second_host_exists():
    assert messages(BRIDGES, dev_model(_multi_host(1))) == [
        "docker bridge 'netkit-dev-frontend' is meant to carry traffic between hosts (label "
        "netkit.multi-host), but a bridge only connects containers on one host; use an overlay "
        "network (docker.overlays), encrypted if the traffic crosses an untrusted network"
    ]


def test_an_overlay_meant_to_span_hosts_is_what_the_rule_asks_for():
    def overlay_multi_host(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        if name == "netkit-dev":
            inputs["intent"]["dockerHosts"] = 3
        if name == "netkit-dev-mesh-network":
            inputs["labels"].append({"label": "netkit.multi-host", "value": "true"})
        return inputs

    model = dev_model(overlay_multi_host)
    assert [n.multi_host for n in model.docker_networks if n.driver == "overlay"] == [True]
    assert messages(BRIDGES, model) == []


def _lab_resources(edit: Any = None) -> list[Resource]:
    from netkit_cli.synth import synthesize
    from tests.policies.conftest import ROOT

    resources = []
    for record in synthesize("lab", ROOT):
        inputs = copy.deepcopy(record.inputs)
        if edit is not None:
            edit(record.name, inputs)
        resources.append(Resource(record.type, record.name, record.urn, inputs))
    return resources


def test_the_lab_stack_keeps_every_container_on_its_own_host_s_bridges():
    assert messages(BRIDGES, model_from_resources(_lab_resources())) == []


def test_a_container_joining_a_bridge_of_another_host_is_refused_naming_both_hosts():
    # What the stack spec refuses, built past it (a program of its own, a resource list).
    def edit(name: str, inputs: dict[str, Any]) -> None:
        if name == "netkit-lab-b-container":
            inputs["networksAdvanced"].append({"name": "netkit-lab-a-local", "aliases": []})

    [finding] = findings(BRIDGES, model_from_resources(_lab_resources(edit)))

    assert finding.resource.describe() == "DockerContainer netkit-lab-b"
    assert finding.message == (
        "container 'netkit-lab-b' on host 'host2' joins docker bridge 'netkit-lab-a-local' of "
        "host 'host1', but a bridge only connects containers on its own host; attach both to an "
        "overlay network (docker.overlays)"
    )


def test_a_container_of_unknown_host_is_not_judged():
    def edit(name: str, inputs: dict[str, Any]) -> None:
        if name == "netkit-lab-b-container":
            inputs["networksAdvanced"].append({"name": "netkit-lab-a-local", "aliases": []})
            inputs["labels"] = [
                label for label in inputs["labels"] if label["label"] != "netkit.host"
            ]

    assert messages(BRIDGES, model_from_resources(_lab_resources(edit))) == []


def _installation_pool(pool: dict[str, object]) -> Resource:
    return Resource(
        "kubernetes:operator.tigera.io/v1:Installation",
        "default",
        "",
        {
            "apiVersion": "operator.tigera.io/v1",
            "kind": "Installation",
            "metadata": {"name": "default"},
            "spec": {"cni": {"type": "Calico"}, "calicoNetwork": {"ipPools": [pool]}},
        },
    )


def test_an_ipv6_pool_without_encapsulation_gets_none_as_the_operator_defaults_it():
    # The Tigera operator's own test: an IPv6-only Installation with nothing else set is
    # valid, its pool defaulted to no encapsulation (IPIP cannot carry IPv6).
    model = model_from_resources([_installation_pool({"name": "v6", "cidr": "fd00::0/64"})])

    (pool,) = model.calico_pools
    assert pool.encapsulation == "None"
    assert messages("calico-ippool-require-valid-config", model) == []


def test_an_ipv4_pool_without_encapsulation_still_gets_ipip():
    model = model_from_resources([_installation_pool({"name": "v4", "cidr": "10.244.0.0/16"})])

    assert model.calico_pools[0].encapsulation == "IPIP"
