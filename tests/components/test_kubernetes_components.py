from __future__ import annotations

from netkit.model import Endpoint, PolicyPort
from netkit.names import connection_id
from netkit.spec import BaselineSpec, DnsSpec, ServicePortSpec
from netkit_components.kubernetes.app_service import AppService, AppServiceArgs
from netkit_components.kubernetes.calico import CalicoInstall, CalicoInstallArgs
from netkit_components.kubernetes.cluster_baseline import ClusterBaseline, baseline_manifest
from netkit_components.kubernetes.cluster_service import ClusterService, ClusterServiceArgs
from netkit_components.kubernetes.connections import allow
from netkit_components.kubernetes.ingress_route import IngressRoute, IngressRouteArgs
from netkit_components.kubernetes.namespace_isolation import NamespaceIsolation
from tests.components.conftest import DEPLOYMENT, INGRESS, POLICY, SERVICE

WEB = Endpoint(namespace="shop", workload="web")
DB = Endpoint(namespace="data", workload="db")


def test_namespace_isolation_denies_everything_but_dns(declare):
    declared = declare(lambda: NamespaceIsolation("shop", "shop"))
    dns, deny = sorted(declared.of_type(POLICY), key=lambda r: r.inputs["metadata"]["name"])
    assert deny.inputs["metadata"] == {"name": "default-deny", "namespace": "shop"}
    assert deny.inputs["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert dns.inputs["metadata"]["name"] == "allow-dns-egress"
    rule = dns.inputs["spec"]["egress"][0]
    assert rule["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    assert rule["to"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    ]


def test_namespace_isolation_without_dns_writes_only_the_deny(declare):
    declared = declare(lambda: NamespaceIsolation("shop", "shop", allow_dns=False))
    assert [p.inputs["metadata"]["name"] for p in declared.of_type(POLICY)] == ["default-deny"]


def test_allow_writes_egress_at_the_source_and_ingress_at_the_destination(declare):
    ports = [PolicyPort("TCP", 5432)]
    declared = declare(lambda: allow("web-db", WEB, DB, ports))
    policies = {p.inputs["metadata"]["namespace"]: p.inputs for p in declared.of_type(POLICY)}
    egress, ingress = policies["shop"], policies["data"]
    assert egress["metadata"]["name"] == "egress-shop-web-to-data-db"
    assert egress["spec"] == {
        "podSelector": {"matchLabels": {"app": "web"}},
        "policyTypes": ["Egress"],
        "egress": [
            {
                "to": [
                    {
                        "namespaceSelector": {
                            "matchLabels": {"kubernetes.io/metadata.name": "data"}
                        },
                        "podSelector": {"matchLabels": {"app": "db"}},
                    }
                ],
                "ports": [{"protocol": "TCP", "port": 5432}],
            }
        ],
    }
    assert ingress["metadata"]["name"] == "ingress-shop-web-to-data-db"
    assert ingress["spec"]["podSelector"] == {"matchLabels": {"app": "db"}}
    assert ingress["spec"]["ingress"][0]["from"][0]["podSelector"] == {
        "matchLabels": {"app": "web"}
    }


def test_allow_from_a_cidr_writes_only_the_ingress_side(declare):
    source = Endpoint(cidr=__import__("ipaddress").ip_network("203.0.113.0/24"))
    declared = declare(lambda: allow("lb-web", source, WEB, [PolicyPort("TCP", 8080, 8090)]))
    (policy,) = declared.of_type(POLICY)
    assert policy.inputs["spec"]["ingress"] == [
        {
            "from": [{"ipBlock": {"cidr": "203.0.113.0/24"}}],
            "ports": [{"protocol": "TCP", "port": 8080, "endPort": 8090}],
        }
    ]


def test_connection_names_are_stable_and_bounded():
    assert connection_id(WEB, DB) == "shop-web-to-data-db"
    long = Endpoint(namespace="n" * 63, workload="w" * 63)
    ident = connection_id(long, long)
    assert len(ident) == 200 and ident.endswith("-3bb6f92e7c")  # the same in every run
    assert connection_id(Endpoint(namespace="shop"), DB) == "ns-shop-to-data-db"


def test_cluster_service_names_its_dns_and_targets_named_ports(declare):
    dns: list[str] = []

    def program() -> None:
        svc = ClusterService(
            "api",
            "api",
            ClusterServiceArgs(
                namespace="shop",
                selector={"app": "api"},
                ports=[ServicePortSpec(name="http", port=8080)],
                cluster_domain="corp.local",
            ),
        )
        svc.dns_name.apply(dns.append)

    declared = declare(program)
    service = declared.one(SERVICE)
    assert service.inputs["spec"]["ports"] == [
        {"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}
    ]
    assert service.inputs["spec"]["type"] == "ClusterIP"
    assert dns == ["api.shop.svc.corp.local"]


def test_headless_service_has_no_cluster_ip(declare):
    args = ClusterServiceArgs(
        namespace="data",
        selector={"app": "db"},
        ports=[ServicePortSpec(name="pg", port=5432)],
        type="Headless",
    )
    service = declare(lambda: ClusterService("db", "db", args)).one(SERVICE)
    assert service.inputs["spec"]["clusterIP"] == "None"


def test_app_service_pods_carry_the_label_policies_select(declare):
    args = AppServiceArgs.model_validate({"name": "api", "labels": {"tier": "api"}})
    declared = declare(lambda: AppService("shop-api", "shop", args))
    deployment = declared.one(DEPLOYMENT)
    template = deployment.inputs["spec"]["template"]
    assert template["metadata"]["labels"] == {"tier": "api", "app": "api"}
    assert deployment.inputs["spec"]["selector"] == {"matchLabels": {"app": "api"}}
    assert template["spec"]["containers"][0]["ports"] == [
        {"name": "http", "containerPort": 8080, "protocol": "TCP"}
    ]
    assert declared.one(SERVICE).inputs["spec"]["selector"] == {"app": "api"}


def test_ingress_routes_hosts_with_tls_and_admits_the_controller(declare):
    args = IngressRouteArgs.model_validate(
        {
            "name": "shop",
            "namespace": "shop",
            "rules": [{"host": "shop.example.com", "paths": [{"path": "/", "service": "web"}]}],
            "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
        }
    )
    web = AppServiceArgs.model_validate({"name": "web"})
    declared = declare(lambda: IngressRoute("shop", args, services={"web": web}))
    ingress = declared.one(INGRESS).inputs["spec"]
    assert ingress["ingressClassName"] == "nginx"
    assert ingress["tls"] == [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}]
    assert ingress["rules"][0]["http"]["paths"] == [
        {
            "path": "/",
            "pathType": "Prefix",
            "backend": {"service": {"name": "web", "port": {"number": 8080}}},
        }
    ]
    (policy,) = declared.of_type(POLICY)
    assert policy.inputs["metadata"]["name"] == "ingress-from-controller-web"
    assert policy.inputs["spec"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 8080}]
    assert policy.inputs["spec"]["ingress"][0]["from"][0]["namespaceSelector"] == {
        "matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}
    }


def test_calico_from_a_repository_installs_the_operator_chart(declare):
    args = CalicoInstallArgs.model_validate(
        {
            "chart": {"repository": "https://docs.tigera.io/calico/charts", "version": "v3.29.1"},
            "mtu": 1440,
            "ipPools": [{"cidr": "10.244.0.0/17", "encapsulation": "VXLAN", "natOutgoing": False}],
        }
    )
    declared = declare(lambda: CalicoInstall("calico", args))
    chart = declared.one("kubernetes:helm.sh/v4:Chart")
    assert chart.inputs["chart"] == "tigera-operator"
    assert chart.inputs["version"] == "v3.29.1"
    assert chart.inputs["repositoryOpts"] == {"repo": "https://docs.tigera.io/calico/charts"}
    installation = declared.one("kubernetes:operator.tigera.io/v1:Installation")
    assert installation.inputs["spec"]["calicoNetwork"] == {
        "mtu": 1440,
        "ipPools": [
            {
                "cidr": "10.244.0.0/17",
                "blockSize": 26,
                "encapsulation": "VXLAN",
                "natOutgoing": "Disabled",
                "nodeSelector": "all()",
            }
        ],
    }


def test_calico_with_a_preinstalled_operator_manages_only_the_installation(declare):
    args = CalicoInstallArgs.model_validate({"ipPools": [{"cidr": "fd00:244::/56"}]})
    declared = declare(lambda: CalicoInstall("calico", args))
    assert declared.of_type("kubernetes:helm.sh/v4:Chart") == []
    pool = declared.one("kubernetes:operator.tigera.io/v1:Installation").inputs["spec"][
        "calicoNetwork"
    ]["ipPools"][0]
    assert pool["blockSize"] == 122


def test_every_child_has_its_component_as_parent(declare):
    declared = declare(lambda: NamespaceIsolation("shop", "shop"))
    component = declared.one("netkit:kubernetes:NamespaceIsolation")
    assert {r.name for r in declared.children_of(component)} == {
        "shop-default-deny",
        "shop-allow-dns",
    }


def _baseline(kind: str, **fields: object) -> tuple[BaselineSpec, list[str]]:
    return BaselineSpec(kind=kind, **fields), ["kube-system", "ingress-nginx"]  # type: ignore[arg-type]


def test_a_global_network_policy_baseline_allows_only_dns_and_lets_its_tier_deny_the_rest(declare):
    baseline, exempt = _baseline("GlobalNetworkPolicy")
    declared = declare(lambda: ClusterBaseline("b", baseline, DnsSpec(), exempt))
    (policy,) = declared.of_type("kubernetes:projectcalico.org/v3:GlobalNetworkPolicy")
    assert policy.inputs["metadata"] == {"name": "netkit-baseline"}
    spec = policy.inputs["spec"]
    assert spec["selector"] == "projectcalico.org/namespace not in {'kube-system', 'ingress-nginx'}"
    assert spec["types"] == ["Ingress", "Egress"] and spec["order"] == 2000
    assert [(r["action"], r["protocol"], r["destination"]["ports"]) for r in spec["egress"]] == [
        ("Allow", "UDP", [53]),
        ("Allow", "TCP", [53]),
    ]
    assert "ingress" not in spec  # the default tier's end denies what no policy allows


def test_a_baseline_admin_network_policy_is_named_default_and_denies_pods_and_addresses(declare):
    baseline, exempt = _baseline("BaselineAdminNetworkPolicy", name="ignored")
    declared = declare(lambda: ClusterBaseline("b", baseline, DnsSpec(), exempt))
    (policy,) = declared.of_type(
        "kubernetes:policy.networking.k8s.io/v1alpha1:BaselineAdminNetworkPolicy"
    )
    assert policy.inputs["metadata"] == {"name": "default"}
    spec = policy.inputs["spec"]
    assert [r["action"] for r in spec["egress"]] == ["Allow", "Deny", "Deny"]
    assert spec["egress"][0]["ports"] == [
        {"portNumber": {"protocol": "UDP", "port": 53}},
        {"portNumber": {"protocol": "TCP", "port": 53}},
    ]
    assert spec["subject"]["namespaces"]["matchExpressions"][0]["values"] == exempt


def test_a_baseline_cluster_network_policy_sits_in_the_baseline_tier_with_accept_rules(declare):
    baseline, exempt = _baseline("ClusterNetworkPolicy")
    declared = declare(lambda: ClusterBaseline("b", baseline, DnsSpec(), exempt))
    (policy,) = declared.of_type(
        "kubernetes:policy.networking.k8s.io/v1alpha2:ClusterNetworkPolicy"
    )
    spec = policy.inputs["spec"]
    assert (spec["tier"], spec["priority"]) == ("Baseline", 1000)
    assert spec["egress"][0]["action"] == "Accept"
    assert spec["egress"][0]["protocols"] == [
        {"udp": {"destinationPort": {"number": 53}}},
        {"tcp": {"destinationPort": {"number": 53}}},
    ]


def test_every_baseline_kind_reads_back_as_a_policy_denying_by_default():
    from netkit.manifests import model_from_objects
    from netkit.reachability import Direction, analyze

    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"containers": [{"name": "c"}]},
    }
    for kind in ("GlobalNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"):
        baseline, exempt = _baseline(kind)
        manifest = baseline_manifest(baseline, DnsSpec(), exempt)
        reach = analyze(model_from_objects([("pod", pod), ("baseline", manifest)]))
        assert reach.denied_by_default("shop/web[Pod]", Direction.EGRESS), kind
        assert reach.denied_by_default("shop/web[Pod]", Direction.INGRESS), kind
