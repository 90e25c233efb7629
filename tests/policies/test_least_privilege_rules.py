"""Least-privilege rules for Kubernetes NetworkPolicies, and intent versus reachability."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from netkit.resources import Resource
from netkit_policies.rules.base import Context
from tests.policies.conftest import (
    DNS_PEER,
    DNS_PORTS,
    Manifest,
    deployment,
    dev_model,
    findings,
    ingress,
    k8s,
    messages,
    namespace,
    pods_in,
    policy,
    service,
    tcp,
)

DEFAULT_DENY = "k8s-namespace-require-default-deny"
SELECTED = "k8s-workload-require-network-policy"
DNS = "k8s-workload-require-dns-egress"
ALLOW_ALL = "k8s-networkpolicy-disallow-allow-all"
ANYWHERE = "k8s-networkpolicy-disallow-ingress-from-anywhere"
EMPTY_SELECTOR = "k8s-networkpolicy-restrict-empty-pod-selector"
DANGLING = "k8s-networkpolicy-disallow-dangling"
POLICY_TYPES = "k8s-networkpolicy-require-policy-types"
PROTOCOL = "k8s-networkpolicy-require-port-protocol"
INTENT = "k8s-networkpolicy-intent-matches-reachability"

NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


def _without(*names: str) -> Any:
    def edit(name: str, inputs: dict[str, Any]) -> dict[str, Any] | None:
        return None if name in names else inputs

    return edit


def _declaring(*connections: dict[str, Any]) -> Any:
    def edit(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        if name == "netkit-dev":
            inputs["intent"]["connections"].extend(connections)
        return inputs

    return edit


def _policies(*manifests: Manifest) -> list[Resource]:
    return [Resource(NETWORK_POLICY, m["metadata"]["name"], "", m) for m in manifests]


def test_the_dev_stack_passes_every_least_privilege_rule():
    model = dev_model()
    for rule in (DEFAULT_DENY, SELECTED, DNS, ALLOW_ALL, ANYWHERE, EMPTY_SELECTOR, DANGLING):
        assert messages(rule, model) == [], rule
    for rule in (POLICY_TYPES, PROTOCOL, INTENT):
        assert messages(rule, model) == [], rule


# --------------------------------------------------------------------------- default deny


def test_a_namespace_without_its_default_deny_is_named_with_the_policy_to_add():
    model = dev_model(_without("shop-web-isolation-default-deny"))

    [finding] = findings(DEFAULT_DENY, model)

    assert finding.resource.describe() == "Namespace shop-web"
    assert finding.message == (
        "namespace 'shop-web' has workloads (shop-web/web[Deployment]) but no default-deny "
        "NetworkPolicy for ingress and egress, so pods no other policy selects allow all ingress "
        "and egress traffic; add a NetworkPolicy with podSelector: {}, policyTypes: [Ingress, "
        "Egress] and no rules (netkit: namespaces[].defaultDeny: true)"
    )


def test_a_default_deny_for_ingress_only_leaves_egress_open():
    model = k8s(
        namespace("shop"), deployment("shop", "web"), policy("shop", "deny-in", types=["Ingress"])
    )

    assert messages(DEFAULT_DENY, model) == [
        "namespace 'shop' has workloads (shop/web[Deployment]) but no default-deny NetworkPolicy "
        "for egress, so pods no other policy selects allow all egress traffic; add a "
        "NetworkPolicy with podSelector: {}, policyTypes: [Egress] and no rules (netkit: "
        "namespaces[].defaultDeny: true)"
    ]


def test_namespaces_without_workloads_and_exempt_namespaces_need_no_default_deny():
    model = k8s(namespace("empty"), namespace("shop"), deployment("shop", "web"))

    assert messages(DEFAULT_DENY, model, {"exemptNamespaces": ["shop"]}) == []
    assert len(messages(DEFAULT_DENY, k8s(deployment("kube-system", "coredns")))) == 0


def test_workloads_no_policy_selects_are_named():
    model = k8s(
        namespace("shop"),
        deployment("shop", "web"),
        deployment("shop", "api"),
        policy("shop", "api-only", {"app": "api"}),
    )

    assert messages(SELECTED, model) == [
        "Deployment shop/web is selected by no NetworkPolicy, so its pods accept and open any "
        "connection; add a default deny to namespace 'shop' and policies for the connections it "
        "needs"
    ]
    assert messages(SELECTED, model, {"exemptNamespaces": ["shop"]}) == []


# --------------------------------------------------------------------------- DNS


def test_a_default_deny_without_dns_egress_explains_the_outage():
    model = dev_model(_without("shop-data-isolation-allow-dns"))

    [finding] = findings(DNS, model)

    assert finding.resource.describe() == "Deployment shop-data/db"
    assert finding.message == (
        "Deployment shop-data/db is egress-isolated (by shop-data/default-deny) but cannot reach "
        "the cluster DNS (kube-system pods k8s-app=kube-dns) on UDP 53 and TCP 53: every name "
        "lookup fails, so calls to Services by name fail even where policies allow them; allow "
        "egress to the DNS pods on UDP and TCP 53 (netkit: namespaces[].allowDns: true)"
    )


def test_dns_over_udp_only_breaks_truncated_answers_unless_tcp_is_not_required():
    udp_only = policy(
        "shop-web",
        "udp-dns",
        types=["Egress"],
        egress=[{"to": [DNS_PEER], "ports": [{"protocol": "UDP", "port": 53}]}],
    )
    model = dev_model(_without("shop-web-isolation-allow-dns"), _policies(udp_only))

    assert messages(DNS, model) == [
        "Deployment shop-web/web is egress-isolated (by shop-web/default-deny, "
        "shop-web/egress-shop-web-web-to-shop-api-api, shop-web/udp-dns) but cannot reach the "
        "cluster DNS (kube-system pods k8s-app=kube-dns) on TCP 53: DNS answers too large for "
        "UDP are truncated and the retry over TCP fails; allow egress to the DNS pods on UDP and "
        "TCP 53 (netkit: namespaces[].allowDns: true)"
    ]
    assert messages(DNS, model, {"requireTcp": False}) == []


def test_dns_egress_to_the_wrong_pods_does_not_count():
    wrong = policy(
        "shop-web",
        "allow-dns",
        types=["Egress"],
        egress=[{"to": [pods_in("kube-system", app="dnsmasq")], "ports": DNS_PORTS}],
    )
    model = dev_model(_without("shop-web-isolation-allow-dns"), _policies(wrong))

    assert len(messages(DNS, model)) == 1


def test_workloads_that_are_not_egress_isolated_resolve_names_freely():
    model = k8s(
        namespace("shop"), deployment("shop", "web"), policy("shop", "in", types=["Ingress"])
    )

    assert messages(DNS, model) == []


# --------------------------------------------------------------------------- allow-all


def _wide_open() -> Any:
    return k8s(
        namespace("shop"),
        deployment("shop", "web"),
        policy(
            "shop",
            "wide",
            {"app": "web"},
            ingress=[{}, {"from": [{"namespaceSelector": {}}], "ports": [tcp(8080)]}],
            egress=[
                {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [tcp(443)]},
                {"ports": DNS_PORTS},
            ],
        ),
    )


def test_rules_that_admit_every_peer_are_named_but_dns_anywhere_is_not():
    assert messages(ALLOW_ALL, _wide_open()) == [
        "NetworkPolicy shop/wide spec.ingress[0] allows ingress from any source (no `from` peers) "
        "on all ports to pods app=web; name the sources that need it (podSelector/"
        "namespaceSelector peers) or remove the rule",
        "NetworkPolicy shop/wide spec.ingress[1] allows ingress from every pod of every namespace "
        "(namespaceSelector: {}) on TCP 8080 to pods app=web; name the sources that need it "
        "(podSelector/namespaceSelector peers) or remove the rule",
        "NetworkPolicy shop/wide spec.egress[0] allows egress to any address (ipBlock 0.0.0.0/0) "
        "on TCP 443 from pods app=web; name the destinations that need it (podSelector/"
        "namespaceSelector peers) or remove the rule",
    ]


def test_an_allowed_policy_may_stay_wide_open():
    assert messages(ALLOW_ALL, _wide_open(), {"allowedPolicies": ["shop/wide"]}) == []


def test_ingress_from_every_address_is_named_per_peer():
    model = k8s(
        namespace("shop"),
        deployment("shop", "web"),
        policy(
            "shop",
            "public",
            {"app": "web"},
            types=["Ingress"],
            ingress=[
                {
                    "from": [
                        {"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}},
                        {"ipBlock": {"cidr": "::/0"}},
                        {"ipBlock": {"cidr": "203.0.113.0/24"}},
                    ],
                    "ports": [tcp(8080)],
                }
            ],
        ),
    )

    assert messages(ANYWHERE, model) == [
        "NetworkPolicy shop/public spec.ingress[0].from[0] admits ipBlock 0.0.0.0/0 (any address "
        "but 10.0.0.0/8) to pods app=web on TCP 8080; name the client ranges instead (a load "
        "balancer's, the VPN's)",
        "NetworkPolicy shop/public spec.ingress[0].from[1] admits ipBlock ::/0 (any address) to "
        "pods app=web on TCP 8080; name the client ranges instead (a load balancer's, the VPN's)",
    ]
    assert messages(ANYWHERE, model, {"allowedPolicies": ["shop/public"]}) == []


# --------------------------------------------------------------------------- empty podSelector


def test_an_empty_pod_selector_that_allows_traffic_is_named():
    model = k8s(
        namespace("shop"),
        deployment("shop", "web"),
        deployment("shop", "api"),
        policy(
            "shop",
            "web-in",
            types=["Ingress"],
            ingress=[{"from": [pods_in("shop", app="api")], "ports": [tcp(8080)]}],
        ),
    )

    assert messages(EMPTY_SELECTOR, model) == [
        "NetworkPolicy shop/web-in has an empty podSelector and allows traffic, so its rules "
        "apply to every pod of namespace 'shop', present and future; select the pods that need "
        "them (podSelector.matchLabels) and keep empty podSelectors for default-deny policies"
    ]


def test_namespace_wide_dns_policies_pass_unless_the_config_refuses_them():
    found = messages(EMPTY_SELECTOR, dev_model(), {"allowDnsPolicies": False})

    assert found == [
        f"NetworkPolicy {ns}/allow-dns-egress has an empty podSelector and allows traffic, so its "
        f"rules apply to every pod of namespace {ns!r}, present and future; select the pods that "
        "need them (podSelector.matchLabels) and keep empty podSelectors for default-deny policies"
        for ns in ("shop-api", "shop-data", "shop-web")
    ]


def test_an_empty_pod_selector_is_what_a_declared_namespace_wide_connection_asks_for():
    namespace_wide = policy(
        "shop-web",
        "egress-ns-shop-web-to-shop-api-api",
        types=["Egress"],
        egress=[{"to": [pods_in("shop-api", app="api")], "ports": [tcp(8080)]}],
    )
    whole = {"from": "shop-web/*", "to": "shop-api/api", "ports": ["8080/TCP"]}

    assert messages(EMPTY_SELECTOR, dev_model(_declaring(whole), _policies(namespace_wide))) == []
    assert len(messages(EMPTY_SELECTOR, dev_model(None, _policies(namespace_wide)))) == 1


# --------------------------------------------------------------------------- dangling


def test_policies_and_peers_that_select_nothing_are_named():
    model = k8s(
        namespace("shop"),
        deployment("shop", "web"),
        policy(
            "shop",
            "typo",
            {"app": "wbe"},
            types=["Ingress"],
            ingress=[
                {"from": [pods_in("shop-cache", app="redis")], "ports": [tcp(8080)]},
                {"from": [{"podSelector": {"matchLabels": {"app": "api"}}}]},
            ],
        ),
    )

    assert messages(DANGLING, model) == [
        "NetworkPolicy shop/typo selects no pods (podSelector app=wbe matches no workload of "
        "namespace 'shop'); fix the selector or remove the policy",
        "NetworkPolicy shop/typo spec.ingress[0].from[0] selects no pod of the stack "
        "(namespaceSelector kubernetes.io/metadata.name=shop-cache, podSelector app=redis), so it "
        "allows nothing; fix the selector, or list the peer under externalPeers in this rule's "
        "config if its pods run outside the stack",
        "NetworkPolicy shop/typo spec.ingress[1].from[0] selects no pod of the stack (namespace "
        "'shop', podSelector app=api), so it allows nothing; fix the selector, or list the peer "
        "under externalPeers in this rule's config if its pods run outside the stack",
    ]


def test_the_stacks_ingress_controller_is_a_known_outside_peer():
    assert messages(DANGLING, dev_model()) == []
    moved = replace(dev_model(), ingress_controller_namespace="traefik")
    assert messages(DANGLING, moved) == [
        "NetworkPolicy shop-web/ingress-from-controller-web spec.ingress[0].from[0] selects no "
        "pod of the stack (namespaceSelector kubernetes.io/metadata.name=ingress-nginx, "
        "podSelector app.kubernetes.io/name=ingress-nginx), so it allows nothing; fix the "
        "selector, or list the peer under externalPeers in this rule's config if its pods run "
        "outside the stack"
    ]


def test_an_external_peer_without_pod_labels_stands_for_any_pod_of_its_namespace():
    config = {"externalPeers": [{"namespace": "ingress-nginx"}]}

    assert messages(DANGLING, dev_model(), config) == []


# --------------------------------------------------------------------------- hygiene


def _untyped() -> Any:
    return k8s(
        namespace("shop"),
        deployment("shop", "web"),
        policy(
            "shop",
            "no-types",
            {"app": "web"},
            types=None,
            ingress=[
                {
                    "from": [{"podSelector": {"matchLabels": {"app": "web"}}}],
                    "ports": [{"port": 8080}, {"protocol": "UDP", "port": 53}],
                }
            ],
        ),
    )


def test_a_policy_without_policy_types_is_named_with_what_kubernetes_infers():
    assert messages(POLICY_TYPES, _untyped()) == [
        "NetworkPolicy shop/no-types omits policyTypes, so Kubernetes infers [Ingress] from the "
        "rules present, and adding or removing an egress rule later silently changes what it "
        "isolates; declare policyTypes: [Ingress]"
    ]


def test_a_port_without_protocol_is_named_by_its_path():
    assert messages(PROTOCOL, _untyped()) == [
        "NetworkPolicy shop/no-types spec.ingress[0].ports[0] (port 8080) omits protocol, which "
        "defaults to TCP; write protocol: TCP (or UDP/SCTP if that was meant)"
    ]


# --------------------------------------------------------------------------- intent


def test_a_declared_connection_the_policies_deny_names_the_denying_side():
    model = dev_model(_without("shop-web-web-to-shop-api-api-ingress"))

    [finding] = findings(INTENT, model)

    assert finding.resource.describe() == "Deployment shop-api/api"
    assert finding.message == (
        "shop-web/web -> shop-api/api is declared on TCP 8080 but TCP 8080 is denied (ingress: "
        "denied; shop-api/api[Deployment] is isolated for ingress by shop-api/default-deny and no "
        "ingress rule matches shop-web/web[Deployment]); allow it on both sides: an egress rule "
        "for shop-web/web and an ingress rule for shop-api/api"
    )


def test_a_missing_egress_rule_is_blamed_on_the_source():
    model = dev_model(_without("shop-web-web-to-shop-api-api-egress"))

    [finding] = findings(INTENT, model)

    assert finding.resource.describe() == "Deployment shop-web/web"
    assert "(egress: denied; shop-web/web[Deployment] is isolated for egress by" in finding.message


def _web_to_db() -> list[Resource]:
    return _policies(
        policy(
            "shop-web",
            "web-to-db",
            {"app": "web"},
            types=["Egress"],
            egress=[{"to": [pods_in("shop-data", app="db")], "ports": [tcp(5432)]}],
        ),
        policy(
            "shop-data",
            "db-from-web",
            {"app": "db"},
            types=["Ingress"],
            ingress=[{"from": [pods_in("shop-web", app="web")], "ports": [tcp(5432)]}],
        ),
    )


def test_a_connection_the_policies_allow_but_nobody_declared_is_named_with_its_rules():
    [finding] = findings(INTENT, dev_model(None, _web_to_db()))

    assert finding.resource.describe() == "Deployment shop-data/db"
    assert finding.message == (
        "shop-web/web -> shop-data/db is allowed on TCP 5432 but no connection declares it "
        "(egress: TCP 5432 allowed by shop-web/web-to-db spec.egress[0]; ingress: TCP 5432 "
        "allowed by shop-data/db-from-web spec.ingress[0]); remove the policy rule that allows "
        "it, or declare the connection (kubernetes.connections in the stack file)"
    )


def test_declaring_a_whole_namespace_covers_its_workloads():
    model = dev_model(
        _declaring({"from": "shop-web/*", "to": "shop-data/db", "ports": ["5432/TCP"]}),
        _web_to_db(),
    )

    assert messages(INTENT, model) == []


def test_ports_wider_than_declared_are_named_with_what_the_declaration_covers():
    wide = _policies(
        policy(
            "shop-web",
            "web-wide",
            {"app": "web"},
            types=["Egress"],
            egress=[
                {
                    "to": [pods_in("shop-api", app="api")],
                    "ports": [{"protocol": "TCP", "port": 8000, "endPort": 8100}],
                }
            ],
        ),
        policy(
            "shop-api",
            "api-wide",
            {"app": "api"},
            types=["Ingress"],
            ingress=[
                {
                    "from": [pods_in("shop-web", app="web")],
                    "ports": [{"protocol": "TCP", "port": 8000, "endPort": 8100}],
                }
            ],
        ),
    )

    assert messages(INTENT, dev_model(None, wide)) == [
        "shop-web/web -> shop-api/api is allowed on TCP 8000-8079,8081-8100 but the declared "
        "connections cover only TCP 8080 (egress: TCP 8080 allowed by "
        "shop-web/egress-shop-web-web-to-shop-api-api spec.egress[0]; egress: TCP 8000-8100 "
        "allowed by shop-web/web-wide spec.egress[0]; ingress: TCP 8080 allowed by "
        "shop-api/ingress-shop-web-web-to-shop-api-api spec.ingress[0]; ingress: TCP 8000-8100 "
        "allowed by shop-api/api-wide spec.ingress[0]); remove the policy rule that allows it, "
        "or declare the connection (kubernetes.connections in the stack file)"
    ]


def _api_to_partner() -> list[Resource]:
    return _policies(
        policy(
            "shop-api",
            "api-out",
            {"app": "api"},
            types=["Egress"],
            egress=[{"to": [{"ipBlock": {"cidr": "203.0.113.0/24"}}], "ports": [tcp(443)]}],
        )
    )


def test_egress_to_an_undeclared_address_range_is_named_unless_external_checks_are_off():
    model = dev_model(None, _api_to_partner())

    assert messages(INTENT, model) == [
        "shop-api/api -> 203.0.113.0/24 is allowed on TCP 443 but no connection declares it "
        "(egress: TCP 443 allowed by shop-api/api-out spec.egress[0]); remove the policy rule "
        "that allows it, or declare the connection (kubernetes.connections in the stack file)"
    ]
    assert messages(INTENT, model, {"checkExternal": False}) == []


def test_a_declared_address_range_must_be_allowed_in_full():
    partner = {"from": "shop-api/api", "to": "203.0.113.0/24", "ports": ["443/TCP"]}

    assert messages(INTENT, dev_model(_declaring(partner), _api_to_partner())) == []
    assert messages(INTENT, dev_model(_declaring(partner))) == [
        "shop-api/api -> 203.0.113.0/24 is declared on TCP 443 but not allowed to all of "
        "203.0.113.0/24; add an egress rule for shop-api/api with ipBlock 203.0.113.0/24 on TCP 443"
    ]


def test_a_declared_connection_naming_a_missing_workload_is_named():
    model = dev_model(
        _declaring({"from": "shop-web/cache", "to": "shop-data/db", "ports": ["5432/TCP"]})
    )

    [finding] = findings(INTENT, model)

    assert finding.resource.describe() == "Namespace shop-web"
    assert finding.message == (
        "declared connection shop-web/cache -> shop-data/db names shop-web/cache, but namespace "
        "'shop-web' has no workload 'cache'; declare its Deployment (pods labelled app=cache) or "
        "fix the connection"
    )


def test_manifests_without_a_stack_spec_have_no_intent_to_compare():
    model = k8s(namespace("shop"), deployment("shop", "web"))

    assert model.connections is None
    assert messages(INTENT, model) == []


def test_dns_egress_and_ingress_backends_need_no_declaration():
    intent = replace(dev_model(), connections=())
    model = k8s(
        namespace("shop"),
        deployment("shop", "web"),
        service("shop", "web"),
        ingress("shop", "web", ["shop.example.com"], tls=["shop.example.com"]),
        deployment("kube-system", "coredns", labels={"k8s-app": "kube-dns"}, port=53),
        policy("shop", "default-deny"),
        policy("shop", "dns", types=["Egress"], egress=[{"to": [DNS_PEER], "ports": DNS_PORTS}]),
        policy(
            "shop",
            "web-from-controller",
            {"app": "web"},
            types=["Ingress"],
            ingress=[{"from": [{"namespaceSelector": {}}], "ports": [tcp(8080)]}],
        ),
        policy("kube-system", "default-deny"),
        policy(
            "kube-system",
            "dns-in",
            {"k8s-app": "kube-dns"},
            types=["Ingress"],
            ingress=[{"from": [{"namespaceSelector": {}}], "ports": DNS_PORTS}],
        ),
        intent=intent,
    )
    allowed = {
        (c.src.name, c.dst.name): str(c.conns) for c in Context(model).reachability.connections()
    }

    assert allowed[("shop/web[Deployment]", "kube-system/coredns[Deployment]")] == "TCP 53,UDP 53"
    assert allowed[("{ingress-controller}", "shop/web[Deployment]")] == "TCP 8080"
    assert messages(INTENT, model) == []


def test_undeclared_connections_beyond_the_limit_are_summed_up_per_source():
    intent = replace(dev_model(), connections=())
    model = k8s(
        namespace("shop"),
        deployment("shop", "web"),
        deployment("shop", "api"),
        deployment("shop", "db"),
        intent=intent,
    )

    found = messages(INTENT, model, {"maxPerSource": 1})

    assert len(messages(INTENT, model)) == 12  # every pair, and the internet both ways
    assert found[1] == (
        "shop/api -> 0.0.0.0/0 is allowed on All Connections but no connection declares it "
        "(egress: shop/api[Deployment] is not isolated for egress (no NetworkPolicy selects it): "
        "All Connections); add a default deny for egress to namespace 'shop', or declare the "
        "connection (kubernetes.connections in the stack file)"
    )
    assert found[4:] == [
        "0.0.0.0/0 also reaches 2 more destinations no connection declares (shop/db, shop/web); "
        "fix them as above",
        "shop/api also reaches 2 more destinations no connection declares (shop/db, shop/web); "
        "fix them as above",
        "shop/db also reaches 2 more destinations no connection declares (shop/api, shop/web); "
        "fix them as above",
        "shop/web also reaches 2 more destinations no connection declares (shop/api, shop/db); "
        "fix them as above",
    ]


def _baseline(kind: str) -> Manifest:
    from netkit.spec import BaselineSpec, DnsSpec
    from netkit_components.kubernetes.cluster_baseline import baseline_manifest

    return baseline_manifest(BaselineSpec(kind=kind), DnsSpec(), ["kube-system"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kind", ["GlobalNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"]
)
def test_a_cluster_baseline_counts_as_every_namespace_s_default_deny(kind):
    model = k8s(namespace("shop"), deployment("shop", "web"), _baseline(kind))
    assert messages(DEFAULT_DENY, model) == []
    assert messages(SELECTED, model) == []


def test_a_baseline_that_leaves_a_namespace_alone_does_not_count_for_it():
    model = k8s(
        namespace("kube-system"), deployment("kube-system", "dns"), _baseline("GlobalNetworkPolicy")
    )
    assert messages(DEFAULT_DENY, model, {"exemptNamespaces": []}) != []
