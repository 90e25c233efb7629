"""NetworkPolicy reachability: Kubernetes semantics, explanations and hypothetical peers."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from netkit.manifests import model_from_objects
from netkit.model import ContainerPort, IPBlock, NetworkModel
from netkit.portset import ConnectionSet
from netkit.reachability import (
    Direction,
    PeerKind,
    UnknownPeerError,
    analyze,
    egress_to,
    ingress_from,
)

ALL = ConnectionSet.all()
NONE = ConnectionSet.none()


def TCP(*ports: int) -> ConnectionSet:  # noqa: N802 - reads like the notation: TCP(80)
    return ConnectionSet.ports("TCP", *ports)


def UDP(*ports: int) -> ConnectionSet:  # noqa: N802
    return ConnectionSet.ports("UDP", *ports)


def namespace(name: str, **labels: str) -> dict[str, Any]:
    return {"kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def deploy(
    name: str, ns: str = "default", ports: list[dict[str, Any]] | None = None, **labels: str
) -> dict[str, Any]:
    return {
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "template": {
                "metadata": {"labels": labels or {"app": name}},
                "spec": {"containers": [{"name": "c", "ports": ports or []}]},
            }
        },
    }


def netpol(name: str, spec: dict[str, Any], ns: str = "default") -> dict[str, Any]:
    return {"kind": "NetworkPolicy", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def model(*objects: dict[str, Any]) -> NetworkModel:
    return model_from_objects([(f"test, document {i}", o) for i, o in enumerate(objects, 1)])


def lines(m: NetworkModel) -> list[str]:
    return [str(c) for c in analyze(m).connections()]


def only(app: str) -> dict[str, Any]:
    return {"matchLabels": {"app": app}}


# --------------------------------------------------------------------------- basics


def test_without_policies_every_pair_and_the_outside_are_allowed():
    assert lines(model(deploy("a"), deploy("b"))) == [
        "0.0.0.0-255.255.255.255[External] => default/a[Deployment] : All Connections",
        "0.0.0.0-255.255.255.255[External] => default/b[Deployment] : All Connections",
        "default/a[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections",
        "default/a[Deployment] => default/b[Deployment] : All Connections",
        "default/b[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections",
        "default/b[Deployment] => default/a[Deployment] : All Connections",
    ]


def test_a_connection_needs_both_the_source_egress_and_the_destination_ingress():
    m = model(
        deploy("a"),
        deploy("b"),
        netpol(
            "a-out",
            {
                "podSelector": only("a"),
                "policyTypes": ["Egress"],
                "egress": [{"ports": [{"port": 80}, {"port": 443}]}],
            },
        ),
        netpol(
            "b-in",
            {"podSelector": only("b"), "ingress": [{"ports": [{"port": 443}, {"port": 8443}]}]},
        ),
    )
    assert analyze(m).allowed("default/a[Deployment]", "default/b[Deployment]") == TCP(443)


def test_policies_selecting_one_pod_add_up():
    m = model(
        deploy("a"),
        deploy("b"),
        netpol("one", {"podSelector": only("b"), "ingress": [{"ports": [{"port": 80}]}]}),
        netpol(
            "two", {"podSelector": {}, "ingress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]}
        ),
    )
    assert analyze(m).allowed("default/a[Deployment]", "default/b[Deployment]") == TCP(80) | UDP(53)


def test_a_workload_s_traffic_to_itself_is_not_listed_but_can_be_asked():
    m = model(deploy("a"), netpol("deny", {"podSelector": {}}))
    reach = analyze(m)
    assert lines(m) == [
        "default/a[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections"
    ]
    assert reach.allowed("default/a[Deployment]", "default/a[Deployment]") == NONE


def test_policy_types_default_to_ingress_and_add_egress_when_the_policy_has_egress_rules():
    out_only = model(
        deploy("a"),
        deploy("b"),
        netpol(
            "a",
            {"podSelector": only("a"), "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]},
        ),
    )
    reach = analyze(out_only)
    assert reach.is_egress_isolated("default/a[Deployment]")
    assert reach.is_ingress_isolated("default/a[Deployment]")  # Ingress is always implied
    assert reach.allowed("default/a[Deployment]", "default/b[Deployment]") == UDP(53)
    assert reach.allowed("default/b[Deployment]", "default/a[Deployment]") == NONE

    in_only = model(deploy("a"), deploy("b"), netpol("a", {"podSelector": only("a")}))
    reach = analyze(in_only)
    assert not reach.is_egress_isolated("default/a[Deployment]")
    assert reach.allowed("default/a[Deployment]", "default/b[Deployment]") == ALL


def test_declared_policy_types_ignore_rules_of_an_undeclared_direction():
    m = model(
        deploy("a"),
        deploy("b"),
        netpol(
            "a",
            {
                "podSelector": only("a"),
                "policyTypes": ["Egress"],
                "ingress": [{"ports": [{"port": 1}]}],
                "egress": [{}],
            },
        ),
    )
    reach = analyze(m)
    assert not reach.is_ingress_isolated("default/a[Deployment]")
    assert reach.allowed("default/b[Deployment]", "default/a[Deployment]") == ALL


# --------------------------------------------------------------------------- peers


def test_a_pod_selector_alone_means_the_policy_s_own_namespace():
    m = model(
        namespace("shop"),
        deploy("web", "shop"),
        deploy("web", "other"),
        deploy("db", "shop"),
        netpol(
            "db",
            {"podSelector": only("db"), "ingress": [{"from": [{"podSelector": only("web")}]}]},
            ns="shop",
        ),
    )
    reach = analyze(m)
    assert reach.allowed("shop/web[Deployment]", "shop/db[Deployment]") == ALL
    assert reach.allowed("other/web[Deployment]", "shop/db[Deployment]") == NONE


def test_namespace_and_pod_selector_in_one_peer_both_must_match():
    together = {
        "from": [{"namespaceSelector": {"matchLabels": {"team": "a"}}, "podSelector": only("web")}]
    }
    apart = {
        "from": [
            {"namespaceSelector": {"matchLabels": {"team": "a"}}},
            {"podSelector": only("web")},
        ]
    }
    objects = [
        namespace("a", team="a"),
        namespace("b", team="b"),
        deploy("web", "b"),
        deploy("cron", "a"),
        deploy("web", "a"),
        deploy("db", "b"),
    ]
    reach = analyze(
        model(*objects, netpol("db", {"podSelector": only("db"), "ingress": [together]}, ns="b"))
    )
    assert reach.allowed("a/web[Deployment]", "b/db[Deployment]") == ALL
    assert (
        reach.allowed("a/cron[Deployment]", "b/db[Deployment]") == NONE
    )  # right namespace, wrong pod
    assert (
        reach.allowed("b/web[Deployment]", "b/db[Deployment]") == NONE
    )  # right pod, wrong namespace

    reach = analyze(
        model(*objects, netpol("db", {"podSelector": only("db"), "ingress": [apart]}, ns="b"))
    )
    assert reach.allowed("a/cron[Deployment]", "b/db[Deployment]") == ALL  # any pod of team a
    assert (
        reach.allowed("b/web[Deployment]", "b/db[Deployment]") == ALL
    )  # web of the policy's namespace


def test_namespaces_always_carry_their_name_label_even_when_undeclared():
    m = model(
        deploy("web", "front"),
        deploy("db", "back"),
        netpol(
            "db",
            {
                "podSelector": {},
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {
                                    "matchLabels": {"kubernetes.io/metadata.name": "front"}
                                }
                            }
                        ]
                    }
                ],
            },
            ns="back",
        ),
    )
    assert analyze(m).allowed("front/web[Deployment]", "back/db[Deployment]") == ALL


@pytest.mark.parametrize(
    ("expression", "allowed_tiers"),
    [
        ({"key": "tier", "operator": "In", "values": ["web", "api"]}, {"web", "api"}),
        (
            {"key": "tier", "operator": "NotIn", "values": ["web"]},
            {"api", "none"},
        ),  # absent key passes
        ({"key": "tier", "operator": "Exists"}, {"web", "api"}),
        ({"key": "tier", "operator": "DoesNotExist"}, {"none"}),
    ],
)
def test_every_match_expression_operator_follows_kubernetes(expression, allowed_tiers):
    m = model(
        deploy("web", tier="web"),
        deploy("api", tier="api"),
        deploy("none", other="x"),
        deploy("db", app="db"),
        netpol(
            "db",
            {
                "podSelector": only("db"),
                "ingress": [{"from": [{"podSelector": {"matchExpressions": [expression]}}]}],
            },
        ),
    )
    reach = analyze(m)
    allowed = {
        name
        for name in ("web", "api", "none")
        if reach.allowed(f"default/{name}[Deployment]", "default/db[Deployment]")
    }
    assert allowed == allowed_tiers


# --------------------------------------------------------------------------- ports


def test_end_port_allows_a_range():
    m = model(
        deploy("a"),
        deploy("b"),
        netpol(
            "b",
            {"podSelector": only("b"), "ingress": [{"ports": [{"port": 8000, "endPort": 8010}]}]},
        ),
    )
    assert "default/a[Deployment] => default/b[Deployment] : TCP 8000-8010" in lines(m)


def test_a_ports_entry_without_port_allows_every_port_of_its_protocol():
    m = model(
        deploy("a"),
        deploy("b"),
        netpol("b", {"podSelector": only("b"), "ingress": [{"ports": [{"protocol": "UDP"}]}]}),
    )
    assert "default/a[Deployment] => default/b[Deployment] : UDP 1-65535" in lines(m)


def test_named_ports_resolve_on_the_destination_with_their_protocol():
    ports = [
        {"name": "dns", "containerPort": 53, "protocol": "UDP"},
        {"name": "http", "containerPort": 8080},
    ]
    m = model(
        deploy("client"),
        deploy("server", ports=ports),
        deploy("other", ports=[{"name": "http", "containerPort": 9090}]),
        netpol(
            "all-in",
            {
                "podSelector": {},
                "ingress": [
                    {
                        "ports": [
                            {"port": "http"},
                            {"port": "dns", "protocol": "UDP"},
                            {"port": "dns"},
                            {"port": "missing"},
                        ]
                    }
                ],
            },
        ),
    )
    reach = analyze(m)
    # "dns" over TCP does not match the UDP container port; "missing" matches nothing.
    assert reach.allowed("default/client[Deployment]", "default/server[Deployment]") == TCP(
        8080
    ) | UDP(53)
    assert reach.allowed("default/client[Deployment]", "default/other[Deployment]") == TCP(9090)
    assert reach.allowed("default/server[Deployment]", "default/client[Deployment]") == NONE
    # The explanation reads the rules pair by pair; it must resolve names the same way.
    explained = reach.explain("default/client[Deployment]", "default/server[Deployment]")
    assert explained.allowed == TCP(8080) | UDP(53)


def test_egress_named_ports_resolve_on_the_destination_and_never_on_an_address():
    m = model(
        deploy("client", ports=[{"name": "http", "containerPort": 1111}]),
        deploy("server", ports=[{"name": "http", "containerPort": 8080}]),
        netpol("out", {"podSelector": only("client"), "egress": [{"ports": [{"port": "http"}]}]}),
    )
    reach = analyze(m)
    assert reach.allowed("default/client[Deployment]", "default/server[Deployment]") == TCP(8080)
    assert not any(
        str(c.dst).endswith("[External]") and c.src.name.startswith("default/client")
        for c in reach.connections()
    )


# --------------------------------------------------------------------------- addresses


def test_ip_blocks_with_except_split_the_address_space_by_their_boundaries():
    m = model(
        deploy("web"),
        netpol(
            "web",
            {
                "podSelector": {},
                "ingress": [
                    {
                        "from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
                        "ports": [{"port": 443}],
                    }
                ],
            },
        ),
    )
    assert lines(m) == [
        "10.0.0.0-10.0.255.255[External] => default/web[Deployment] : TCP 443",
        "10.2.0.0-10.255.255.255[External] => default/web[Deployment] : TCP 443",
        "default/web[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections",
    ]


def test_egress_ip_blocks_split_destinations_only():
    m = model(
        deploy("web"),
        netpol(
            "web",
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"ipBlock": {"cidr": "192.168.0.0/16"}}]}],
            },
        ),
    )
    assert lines(m) == [
        "0.0.0.0-255.255.255.255[External] => default/web[Deployment] : All Connections",
        "default/web[Deployment] => 192.168.0.0-192.168.255.255[External] : All Connections",
    ]


def test_ip_blocks_never_match_pods():
    m = model(
        deploy("a"),
        deploy("b"),
        netpol(
            "b",
            {"podSelector": only("b"), "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]},
        ),
    )
    reach = analyze(m)
    assert reach.allowed("default/a[Deployment]", "default/b[Deployment]") == NONE
    assert reach.allowed("0.0.0.0-255.255.255.255[External]", "default/b[Deployment]") == ALL


def test_extra_ip_blocks_refine_the_external_ranges():
    reach = analyze(
        model(deploy("a")), extra_ip_blocks=[IPBlock(ipaddress.ip_network("128.0.0.0/1"))]
    )
    assert [str(c) for c in reach.connections()] == [
        "0.0.0.0-127.255.255.255[External] => default/a[Deployment] : All Connections",
        "128.0.0.0-255.255.255.255[External] => default/a[Deployment] : All Connections",
        "default/a[Deployment] => 0.0.0.0-127.255.255.255[External] : All Connections",
        "default/a[Deployment] => 128.0.0.0-255.255.255.255[External] : All Connections",
    ]


# --------------------------------------------------------------------------- ingress controller


def service(
    name: str, selector: dict[str, str], ports: list[dict[str, Any]], ns: str = "default"
) -> dict[str, Any]:
    return {
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"selector": selector, "ports": ports},
    }


def ingress(backend_service: str, port: dict[str, Any]) -> dict[str, Any]:
    backend = {"service": {"name": backend_service, "port": port}}
    return {
        "kind": "Ingress",
        "metadata": {"name": "edge"},
        "spec": {"rules": [{"http": {"paths": [{"path": "/", "backend": backend}]}}]},
    }


def test_the_ingress_controller_reaches_the_service_target_port_of_the_pods_behind_an_ingress():
    m = model(
        deploy("web", ports=[{"containerPort": 8080, "name": "http"}]),
        deploy("db", ports=[{"containerPort": 5432}]),
        service("web", {"app": "web"}, [{"port": 80, "targetPort": "http", "name": "front"}]),
        ingress("web", {"name": "front"}),
    )
    assert "{ingress-controller} => default/web[Deployment] : TCP 8080" in lines(m)
    assert not [line for line in lines(m) if line.startswith("{ingress-controller} => default/db")]


def _routed(m: NetworkModel) -> list[str]:
    return [line for line in lines(m) if line.startswith("{ingress-controller}")]


def test_a_backend_port_may_name_the_services_target_port_as_netpol_analyzer_reads_it():
    m = model(
        deploy("web", ports=[{"containerPort": 8080}]),
        service("web", {"app": "web"}, [{"port": 80, "targetPort": 8080}]),
        ingress("web", {"number": 8080}),
    )
    assert _routed(m) == ["{ingress-controller} => default/web[Deployment] : TCP 8080"]


def test_the_ingress_controller_speaks_tcp_only():
    m = model(
        deploy("dns", ports=[{"containerPort": 5353, "protocol": "UDP"}]),
        service("dns", {"app": "dns"}, [{"port": 53, "targetPort": 5353, "protocol": "UDP"}]),
        ingress("dns", {"number": 53}),
    )
    assert _routed(m) == []


def test_a_service_routes_only_to_pods_of_its_own_namespace():
    m = model(
        namespace("other"),
        deploy("web", ports=[{"containerPort": 8080}]),
        deploy("web", ns="other", ports=[{"containerPort": 8080}]),
        service("web", {"app": "web"}, [{"port": 80, "targetPort": 8080}]),
        ingress("web", {"number": 80}),
    )
    assert _routed(m) == ["{ingress-controller} => default/web[Deployment] : TCP 8080"]


def test_destination_ingress_policies_still_apply_to_the_ingress_controller():
    objects = [
        deploy("web", ports=[{"containerPort": 8080}]),
        service("web", {"app": "web"}, [{"port": 80, "targetPort": 8080}]),
        ingress("web", {"number": 80}),
    ]
    same_namespace_only = netpol(
        "web", {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]}
    )
    assert not [
        line for line in lines(model(*objects, same_namespace_only)) if line.startswith("{ingress")
    ]
    any_namespace = netpol(
        "web", {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]}
    )
    assert "{ingress-controller} => default/web[Deployment] : TCP 8080" in lines(
        model(*objects, any_namespace)
    )


def test_an_ingress_to_a_port_the_pod_does_not_declare_reaches_nothing():
    m = model(
        deploy("web", ports=[{"containerPort": 9999}]),
        service("web", {"app": "web"}, [{"port": 80, "targetPort": 8080}]),
        ingress("web", {"number": 80}),
    )
    assert not [line for line in lines(m) if line.startswith("{ingress")]


# --------------------------------------------------------------------------- explanations


def test_explain_names_the_rules_that_allow_each_side():
    m = model(
        deploy("front"),
        deploy("back"),
        netpol(
            "front",
            {
                "podSelector": only("front"),
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"podSelector": only("back")}], "ports": [{"port": 9090}]}],
            },
        ),
        netpol(
            "back",
            {
                "podSelector": only("back"),
                "ingress": [{"from": [{"podSelector": only("front")}], "ports": [{"port": 9090}]}],
            },
        ),
    )
    explanation = analyze(m).explain("default/front[Deployment]", "default/back[Deployment]")
    assert explanation.allowed == TCP(9090)
    assert [(r.policy, r.direction, r.index, str(r.conns)) for r in explanation.egress.rules] == [
        ("default/front", Direction.EGRESS, 0, "TCP 9090")
    ]
    assert str(explanation) == "\n".join(
        [
            "default/front[Deployment] => default/back[Deployment] : TCP 9090",
            "    egress: TCP 9090 allowed by default/front spec.egress[0]",
            "    egress: anything else is denied (default/front[Deployment] is isolated by default/front)",
            "    ingress: TCP 9090 allowed by default/back spec.ingress[0]",
            "    ingress: anything else is denied (default/back[Deployment] is isolated by default/back)",
        ]
    )


def test_explain_says_which_policies_deny_an_isolated_pair():
    m = model(deploy("a"), deploy("b"), netpol("deny-all", {"podSelector": {}}))
    reach = analyze(m)
    explanation = reach.explain("default/a[Deployment]", "default/b[Deployment]")
    assert explanation.allowed == NONE
    assert explanation.lines() == [
        "default/a[Deployment] => default/b[Deployment] : No Connections",
        "    egress: default/a[Deployment] is not isolated for egress (no NetworkPolicy selects it): All Connections",
        "    ingress: denied; default/b[Deployment] is isolated for ingress by default/deny-all and no ingress rule matches default/a[Deployment]",
    ]
    assert [(s.name, d.name) for s, d in reach.denied()] == [
        ("default/a[Deployment]", "default/b[Deployment]"),
        ("default/b[Deployment]", "default/a[Deployment]"),
    ]


def test_explain_covers_external_ranges_and_the_ingress_controller():
    m = model(
        deploy("web", ports=[{"containerPort": 8080}]),
        service("web", {"app": "web"}, [{"port": 80, "targetPort": 8080}]),
        ingress("web", {"number": 80}),
        netpol(
            "web",
            {
                "podSelector": {},
                "ingress": [
                    {"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}, {"namespaceSelector": {}}]}
                ],
            },
        ),
    )
    reach = analyze(m)
    outside = reach.explain("10.0.0.0-10.255.255.255[External]", "default/web[Deployment]")
    assert outside.egress is None
    assert (
        outside.lines()[1] == "    ingress: All Connections allowed by default/web spec.ingress[0]"
    )
    controller = reach.explain("{ingress-controller}", "default/web[Deployment]")
    assert controller.allowed == TCP(8080)
    assert controller.routes == ("routes: TCP 8080 via Ingress default/edge to Service web",)


# --------------------------------------------------------------------------- queries


def test_hypothetical_peers_answer_can_this_pod_still_reach_kube_dns():
    m = model(
        deploy("api"),
        netpol(
            "api",
            {
                "podSelector": only("api"),
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [
                            {
                                "namespaceSelector": {
                                    "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                                },
                                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                            }
                        ],
                        "ports": [{"port": 53, "protocol": "UDP"}, {"port": "dns-tcp"}],
                    }
                ],
            },
        ),
    )
    (api,) = m.workloads
    kube_system = {"kubernetes.io/metadata.name": "kube-system"}
    dns_ports = [ContainerPort(53, "TCP", "dns-tcp")]
    assert egress_to(m, api, kube_system, {"k8s-app": "kube-dns"}, ports=dns_ports) == UDP(
        53
    ) | TCP(53)
    assert egress_to(m, api, kube_system, {"k8s-app": "kube-dns"}) == UDP(53)
    assert (
        egress_to(m, api, {"kubernetes.io/metadata.name": "default"}, {"k8s-app": "kube-dns"})
        == NONE
    )
    assert ingress_from(m, api, kube_system, {}) == ALL  # api's ingress is not isolated


def test_isolation_and_selecting_policies_are_reported_per_workload():
    m = model(
        deploy("a"),
        deploy("b"),
        netpol("in", {"podSelector": only("a")}),
        netpol("out", {"podSelector": {}, "policyTypes": ["Egress"]}),
    )
    reach = analyze(m)
    assert reach.is_ingress_isolated("default/a[Deployment]")
    assert not reach.is_ingress_isolated("default/b[Deployment]")
    assert reach.is_egress_isolated("default/b[Deployment]")
    assert [p.name for p in reach.policies_selecting("default/a[Deployment]")] == ["in", "out"]
    assert [
        p.name for p in reach.policies_selecting("default/a[Deployment]", Direction.EGRESS)
    ] == ["out"]
    assert [p.name for p in reach.policies_selecting(m.workloads[1], Direction.INGRESS)] == []


def test_connections_name_their_peers_by_kind():
    m = model(deploy("a"))
    kinds = {(c.src.kind, c.dst.kind) for c in analyze(m).connections()}
    assert kinds == {(PeerKind.EXTERNAL, PeerKind.WORKLOAD), (PeerKind.WORKLOAD, PeerKind.EXTERNAL)}


def test_an_unknown_workload_is_a_clear_error():
    with pytest.raises(UnknownPeerError) as error:
        analyze(model(deploy("a"))).allowed("default/a[Deployment]", "default/zz[Deployment]")
    assert (
        str(error.value)
        == "'default/zz[Deployment]' is not a workload or peer of the analyzed model"
    )


def test_pods_of_one_workload_with_different_labels_combine_their_connections():
    pods = [
        {
            "kind": "Pod",
            "metadata": {
                "name": f"p{i}",
                "labels": {"app": app},
                "ownerReferences": [{"name": "mixed", "controller": True}],
            },
            "spec": {},
        }
        for i, app in enumerate(["command", "query"])
    ]
    m = model(
        *pods,
        deploy("db"),
        netpol(
            "db",
            {
                "podSelector": only("db"),
                "ingress": [{"from": [{"podSelector": only("query")}], "ports": [{"port": 5432}]}],
            },
        ),
    )
    assert analyze(m).allowed("default/mixed[Pod]", "default/db[Deployment]") == TCP(5432)


def test_the_api_the_policy_pack_uses_is_locked():
    import inspect

    import netkit.reachability as reachability

    assert sorted(reachability.__all__) == [
        "Connection",
        "Direction",
        "DirectionVerdict",
        "Explanation",
        "INGRESS_CONTROLLER",
        "INGRESS_CONTROLLER_NAMESPACE",
        "Peer",
        "PeerKind",
        "Reachability",
        "RuleMatch",
        "StepKind",
        "UnknownPeerError",
        "WalkStep",
        "analyze",
        "egress_to",
        "ingress_from",
    ]
    signatures = {
        name: str(inspect.signature(getattr(reachability, name)))
        for name in ("analyze", "egress_to", "ingress_from")
    }
    assert signatures == {
        "analyze": "(model: 'NetworkModel', *, extra_ip_blocks: 'Iterable[IPBlock]' = (), "
        "ingress_controller_namespace: 'str | None' = None, "
        "ingress_controller_labels: 'Mapping[str, str] | None' = None) -> 'Reachability'",
        "egress_to": "(model: 'NetworkModel', workload: 'Workload', namespace_labels: 'Mapping[str, str]', "
        "pod_labels: 'Mapping[str, str]', *, ports: 'Sequence[ContainerPort]' = ()) -> 'ConnectionSet'",
        "ingress_from": "(model: 'NetworkModel', workload: 'Workload', namespace_labels: 'Mapping[str, str]', "
        "pod_labels: 'Mapping[str, str]') -> 'ConnectionSet'",
    }
    methods = {
        name
        for name, _ in inspect.getmembers(reachability.Reachability, inspect.isfunction)
        if not name.startswith("_")
    }
    assert methods == {
        "allowed",
        "connections",
        "denied",
        "denied_by_default",
        "explain",
        "external",
        "is_egress_isolated",
        "is_governed",
        "is_ingress_isolated",
        "peer",
        "peers",
        "policies_selecting",
    }
