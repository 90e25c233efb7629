"""Reading tiered policies: the network-policy API's kinds and Calico's, as their APIs read them."""

from __future__ import annotations

from typing import Any

import pytest

from netkit.errors import ManifestError
from netkit.manifests import model_from_objects
from netkit.model import RuleAction, StagedAction, TierEnd
from netkit.portset import ConnectionSet


def read(*objects: dict[str, Any]):
    return model_from_objects([(f"doc {i}", o) for i, o in enumerate(objects, 1)])


def calico(kind: str, name: str, spec: dict[str, Any], namespace: str | None = None):
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": "projectcalico.org/v3", "kind": kind, "metadata": metadata, "spec": spec}


def anp(
    name: str, spec: dict[str, Any], kind: str = "AdminNetworkPolicy", version: str = "v1alpha1"
):
    return {
        "apiVersion": f"policy.networking.k8s.io/{version}",
        "kind": kind,
        "metadata": {"name": name},
        "spec": spec,
    }


def test_an_admin_network_policy_is_read_into_the_admin_tier_in_rule_order():
    (policy,) = read(
        anp(
            "a",
            {
                "priority": 7,
                "subject": {"namespaces": {}},
                "egress": [
                    {
                        "name": "dns",
                        "action": "Allow",
                        "to": [{"namespaces": {}}],
                        "ports": [{"portNumber": {"protocol": "UDP", "port": 53}}],
                    },
                    {"name": "rest", "action": "Pass", "to": [{"networks": ["10.0.0.0/8"]}]},
                ],
            },
        )
    ).tiered_policies
    assert (policy.tier, policy.order, policy.ref) == ("Admin", 7, "anp/a")
    assert (policy.affects_ingress, policy.affects_egress) == (False, True)
    assert [r.action for r in policy.egress] == [RuleAction.ALLOW, RuleAction.PASS]
    assert policy.egress[0].conns == ConnectionSet.ports("UDP", 53)
    assert policy.egress[1].conns == ConnectionSet.all()


def test_a_cluster_network_policy_reads_accept_as_allow_and_its_tier():
    (policy,) = read(
        anp(
            "c",
            {
                "tier": "Baseline",
                "priority": 3,
                "subject": {"pods": {"namespaceSelector": {}, "podSelector": {}}},
                "ingress": [
                    {
                        "action": "Accept",
                        "from": [{"namespaces": {}}],
                        "protocols": [
                            {"tcp": {"destinationPort": {"range": {"start": 80, "end": 90}}}}
                        ],
                    }
                ],
            },
            "ClusterNetworkPolicy",
            "v1alpha2",
        )
    ).tiered_policies
    assert (policy.tier, policy.ref) == ("Baseline", "cnp/c")
    assert policy.ingress[0].action is RuleAction.ALLOW
    assert policy.ingress[0].conns == ConnectionSet.ports("TCP", 80, 90)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {
                "tier": "Admin",
                "priority": 1,
                "subject": {"namespaces": {}},
                "ingress": [{"action": "Allow", "from": [{"namespaces": {}}]}],
            },
            "'Allow' is not a rule action of a ClusterNetworkPolicy (Accept, Deny, Pass)",
        ),
        (
            {"tier": "Middle", "priority": 1, "subject": {"namespaces": {}}},
            "spec.tier: 'Middle' is not a tier (Admin or Baseline)",
        ),
        (
            {
                "tier": "Admin",
                "priority": 1,
                "subject": {"namespaces": {}},
                "ingress": [
                    {
                        "action": "Deny",
                        "from": [{"namespaces": {}}],
                        "protocols": [
                            {"tcp": {"destinationPort": {"range": {"start": 90, "end": 90}}}}
                        ],
                    }
                ],
            },
            "port range 90-90: the start must be less than the end",
        ),
        (
            {
                "tier": "Admin",
                "priority": 1,
                "subject": {"namespaces": {}},
                "egress": [{"action": "Deny", "to": [{"networks": ["10.0.0.1/8"]}]}],
            },
            "'10.0.0.1/8' has host bits set, which the API server refuses; write 10.0.0.0/8",
        ),
    ],
)
def test_what_the_api_server_refuses_in_a_cluster_network_policy_is_one_line(spec, message):
    with pytest.raises(ManifestError) as refused:
        read(anp("c", spec, "ClusterNetworkPolicy", "v1alpha2"))
    assert message in str(refused.value)
    assert str(refused.value).startswith("doc 1 (ClusterNetworkPolicy c): ")


def test_two_cluster_network_policies_of_one_priority_are_taken_by_name_with_a_note():
    spec = {"tier": "Admin", "priority": 5, "subject": {"namespaces": {}}}
    model = read(
        anp("b", spec, "ClusterNetworkPolicy", "v1alpha2"),
        anp("a", spec, "ClusterNetworkPolicy", "v1alpha2"),
    )
    assert any(
        "share tier Admin and priority 5" in note and "takes a first" in note
        for note in model.notes
    )


def test_a_calico_network_policy_keeps_rule_selectors_to_its_namespace():
    (policy,) = read(
        calico(
            "NetworkPolicy",
            "p",
            {
                "selector": "app == 'db'",
                "ingress": [{"action": "Allow", "source": {"selector": "app == 'web'"}}],
            },
            namespace="shop",
        )
    ).tiered_policies
    (peer,) = policy.ingress[0].peers
    assert (policy.tier, policy.ref, policy.subject.namespace) == (
        "default",
        "calico/shop/p",
        "shop",
    )
    assert peer.namespace == "shop" and not peer.addresses
    assert (policy.affects_ingress, policy.affects_egress) == (True, False)


def test_calico_types_default_from_the_rules():
    egress_only = calico("GlobalNetworkPolicy", "e", {"egress": [{"action": "Allow"}]})
    both = calico(
        "GlobalNetworkPolicy",
        "b",
        {"egress": [{"action": "Allow"}], "ingress": [{"action": "Deny"}]},
    )
    none = calico("GlobalNetworkPolicy", "n", {})
    policies = {p.name: p for p in read(egress_only, both, none).tiered_policies}
    assert (policies["e"].affects_ingress, policies["e"].affects_egress) == (False, True)
    assert (policies["b"].affects_ingress, policies["b"].affects_egress) == (True, True)
    assert (policies["n"].affects_ingress, policies["n"].affects_egress) == (True, False)


def test_calico_rules_of_a_direction_types_leave_out_decide_nothing_and_are_noted():
    # Calico's validator accepts them (one policy for type-less and typed Felix alike).
    policy = calico(
        "GlobalNetworkPolicy",
        "g",
        {"types": ["Egress"], "ingress": [{"action": "Deny"}], "egress": [{"action": "Allow"}]},
    )
    model = read(policy)
    (read_back,) = model.tiered_policies
    assert (read_back.affects_ingress, read_back.affects_egress) == (False, True)
    assert read_back.ingress == ()
    assert any("types lack Ingress: ignored" in note for note in model.notes)


def test_calico_ports_ranges_names_and_icmp_are_read():
    (policy,) = read(
        calico(
            "GlobalNetworkPolicy",
            "g",
            {
                "ingress": [
                    {
                        "action": "Allow",
                        "protocol": "TCP",
                        "destination": {"ports": [80, "8000:8080", "http"], "notPorts": [8001]},
                    },
                    {"action": "Deny", "protocol": "ICMP", "icmp": {"type": 8}},
                    {"action": "Log"},
                ]
            },
        )
    ).tiered_policies
    web, ping, log = policy.ingress
    assert web.conns == ConnectionSet.ports("TCP", 80) | ConnectionSet.ports("TCP", 8000, 8080)
    assert web.not_conns == ConnectionSet.ports("TCP", 8001)
    assert [n.name for n in web.named] == ["http"]
    assert ping.conns == ConnectionSet.icmp(8)
    assert log.action is RuleAction.LOG


def test_a_tier_is_read_with_its_order_and_default_action():
    (tier,) = read(calico("Tier", "security", {"order": 100, "defaultAction": "Pass"})).policy_tiers
    assert (tier.name, tier.order, tier.end) == ("security", 100, TierEnd.PASS)


def test_staged_policies_are_read_as_staged_and_kept_apart():
    staged = calico("StagedGlobalNetworkPolicy", "s", {"stagedAction": "Delete", "tier": "default"})
    kube = {
        "apiVersion": "projectcalico.org/v3",
        "kind": "StagedKubernetesNetworkPolicy",
        "metadata": {"name": "k", "namespace": "shop"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
    }
    model = read(staged, kube)
    assert model.tiered_policies[0].staged is StagedAction.DELETE
    (staged_kube,) = model.staged_kubernetes_policies
    assert (staged_kube.action, staged_kube.policy.name) == (StagedAction.SET, "k")
    assert not model.network_policies


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"selector": "app == web"},
            "spec.selector: selector 'app == web': expected a quoted string at column 8, found 'web'",
        ),
        (
            {"ingress": [{"action": "Allow", "destination": {"ports": [80]}}]},
            "spec.ingress[0].destination.ports: ports need the rule's protocol to be TCP, UDP or SCTP",
        ),
        (
            {"ingress": [{"action": "Allow", "protocol": "TCP", "source": {"ports": [1024]}}]},
            "spec.ingress[0].source.ports: source ports cannot be told from the connections netkit lists",
        ),
        (
            {"ingress": [{"action": "Allow", "http": {"methods": ["GET"]}}]},
            "spec.ingress[0].http: HTTP matches need Calico's application layer policy",
        ),
        (
            {"ingress": [{"action": "Allow", "icmp": {"type": 8}}]},
            "spec.ingress[0].icmp: ICMP matches need protocol ICMP or ICMPv6",
        ),
        ({"ingress": [{"action": "Skip"}]}, "'Skip' is not an action (Allow, Deny, Pass, Log)"),
        ({"tier": "security"}, "spec.tier: 'security' is not declared"),
        ({"types": ["Ingress", "Ingress"]}, "spec.types: names a policy type twice"),
        (
            {
                "ingress": [
                    {
                        "action": "Allow",
                        "destination": {"services": {"name": "db", "namespace": "x"}},
                    }
                ]
            },
            "spec.ingress[0].destination.services: not allowed in an ingress rule's destination",
        ),
        (
            {
                "egress": [
                    {"action": "Allow", "source": {"services": {"name": "db", "namespace": "x"}}}
                ]
            },
            "spec.egress[0].source.services: not allowed in an egress rule's source",
        ),
        (
            {
                "egress": [
                    {
                        "action": "Allow",
                        "protocol": "TCP",
                        "destination": {
                            "services": {"name": "db", "namespace": "x"},
                            "ports": [5432],
                        },
                    }
                ]
            },
            "spec.egress[0].destination.ports: cannot be given with destination services",
        ),
    ],
)
def test_what_calico_refuses_or_netkit_cannot_follow_is_one_line_naming_the_field(spec, message):
    with pytest.raises(ManifestError) as refused:
        read(calico("GlobalNetworkPolicy", "g", spec))
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_staged_deletion_names_its_policy_alone_as_calico_requires():
    with pytest.raises(ManifestError) as refused:
        read(calico("StagedNetworkPolicy", "s", {"stagedAction": "Delete", "ingress": []}, "shop"))
    assert "spec.ingress: must be left out when stagedAction is Delete" in str(refused.value)
    kube = {
        "apiVersion": "projectcalico.org/v3",
        "kind": "StagedKubernetesNetworkPolicy",
        "metadata": {"name": "k", "namespace": "shop"},
        "spec": {"stagedAction": "Delete"},
    }
    (staged,) = read(kube).staged_kubernetes_policies
    assert (staged.action, staged.policy.name) == (StagedAction.DELETE, "k")
    with pytest.raises(ManifestError, match=r"spec\.policyTypes: must be left out"):
        read({**kube, "spec": {"stagedAction": "Delete", "policyTypes": ["Ingress"]}})


def test_a_host_endpoint_policy_is_left_out_with_a_note():
    model = read(calico("GlobalNetworkPolicy", "raw", {"doNotTrack": True, "applyOnForward": True}))
    assert not model.tiered_policies
    assert any("governs host endpoints only" in note for note in model.notes)


def test_calico_and_kubernetes_network_policies_of_one_name_are_two_objects():
    kube = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "shop"},
        "spec": {"podSelector": {}},
    }
    model = read(kube, calico("NetworkPolicy", "p", {}, namespace="shop"))
    assert len(model.network_policies) == 1 and len(model.tiered_policies) == 1


def test_pods_an_admin_policy_tells_apart_within_one_workload_are_refused():
    pods = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": "ns",
                "labels": {"role": role},
                "ownerReferences": [{"kind": "ReplicaSet", "name": "rs", "controller": True}],
            },
            "spec": {"containers": [{"name": "c"}]},
        }
        for name, role in (("a", "x"), ("b", "y"))
    ]
    policy = anp(
        "split",
        {
            "priority": 1,
            "subject": {
                "pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"role": "x"}}}
            },
            "ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}],
        },
    )
    with pytest.raises(ManifestError) as refused:
        read(*pods, policy)
    assert "ns/rs[ReplicaSet]): pods of the same owner differ in their labels (role=x / y" in str(
        refused.value
    )
    assert "AdminNetworkPolicy split (spec.subject.pods.podSelector: role=x)" in str(refused.value)


def test_calico_selectors_take_network_sets_as_their_namespace_rules_say():
    from netkit.reachability import analyze

    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "a", "namespace": "ns"},
        "spec": {"containers": [{"name": "c"}]},
    }
    dns = calico("GlobalNetworkSet", "dns", {"nets": ["8.8.8.8/32"]})
    dns["metadata"]["labels"] = {"role": "dns"}
    corp = calico("NetworkSet", "corp", {"nets": ["10.8.0.0/16"]}, namespace="ns")
    corp["metadata"]["labels"] = {"role": "corp"}
    egress = [
        {"action": "Allow", "destination": {"selector": "role == 'corp'"}},
        # A namespaced policy's selector keeps to its namespace: no GlobalNetworkSet.
        {"action": "Allow", "destination": {"selector": "role == 'dns'"}},
    ]
    only_dns = {
        "selector": "all()",
        "types": ["Egress"],
        "egress": [
            {
                "action": "Allow",
                "protocol": "UDP",
                "destination": {"selector": "role == 'dns'", "ports": [53]},
            }
        ],
    }
    model = read(
        pod,
        dns,
        corp,
        calico(
            "NetworkPolicy",
            "p",
            {"selector": "all()", "types": ["Egress"], "egress": egress},
            namespace="ns",
        ),
        calico("GlobalNetworkPolicy", "g", only_dns),
    )
    assert [n.name for n in model.network_sets] == ["dns", "corp"]
    lines = {str(c) for c in analyze(model).connections() if c.src.name == "ns/a[Pod]"}
    assert lines == {
        "ns/a[Pod] => 10.8.0.0-10.8.255.255[External] : All Connections",
        "ns/a[Pod] => 8.8.8.8-8.8.8.8[External] : UDP 53",
    }


def test_a_cluster_network_policy_is_read_in_v1beta1_and_a_version_the_api_lacks_is_refused():
    spec = {"tier": "Admin", "priority": 1, "subject": {"namespaces": {}}}
    (policy,) = read(anp("c", spec, "ClusterNetworkPolicy", "v1beta1")).tiered_policies
    assert policy.ref == "cnp/c"
    with pytest.raises(ManifestError) as refused:
        read(
            anp(
                "a", {"priority": 1, "subject": {"namespaces": {}}}, "AdminNetworkPolicy", "v1beta1"
            )
        )
    assert "apiVersion: 'v1beta1' is not a version of AdminNetworkPolicy" in str(refused.value)
