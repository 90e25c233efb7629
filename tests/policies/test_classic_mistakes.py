"""Each classic container-networking mistake, planted in a fixture folder, fails with the
rule made for it, and with nothing else."""

from __future__ import annotations

import pytest

from netkit.sources import load_paths
from netkit_policies.registry import PackConfig, run_rules
from tests.policies.conftest import FIXTURES

# The fixtures are manifests of a cluster whose CNI is installed out of band.
CLUSTER_CNI = PackConfig.parse({"k8s-cni-require-policy-enforcement": {"clusterCni": "calico"}})


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "bridge-overlaps-vpn",
            {("docker-network-disallow-subnet-overlap", "DockerNetwork ops-backend")},
        ),
        (
            "namespace-without-policies",
            {
                ("k8s-namespace-require-default-deny", "Namespace shop"),
                ("k8s-workload-require-network-policy", "Deployment shop/web"),
            },
        ),
        (
            "dns-broken-by-default-deny",
            {("k8s-workload-require-dns-egress", "Deployment shop/web")},
        ),
        (
            "bridge-across-hosts",
            {("docker-network-disallow-bridge-across-hosts", "DockerNetwork ops-mesh")},
        ),
        (
            "allow-all-ingress",
            {("k8s-networkpolicy-disallow-allow-all", "NetworkPolicy shop/web-open")},
        ),
    ],
)
def test_a_classic_mistake_fails_with_its_rule_and_no_other(fixture, expected):
    found = run_rules(load_paths([FIXTURES / fixture]), CLUSTER_CNI)

    assert {(f.rule, f.resource.describe()) for f in found} == expected
    assert all(str(f.level) == "mandatory" for f in found)


def test_policies_on_flannel_alone_fail_with_the_cni_rule():
    found = run_rules(load_paths([FIXTURES / "flannel-only"]))

    assert [(f.rule, f.resource.describe()) for f in found] == [
        ("k8s-cni-require-policy-enforcement", "CniInstall flannel")
    ]


def test_the_dns_outage_message_explains_what_breaks():
    [finding] = run_rules(load_paths([FIXTURES / "dns-broken-by-default-deny"]), CLUSTER_CNI)

    assert "every name lookup fails, so calls to Services by name fail" in finding.message
    assert finding.resource.source.endswith("dns-broken-by-default-deny/shop.yaml, document 2")
