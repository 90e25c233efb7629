"""Declared intent against reachability, as typed findings (the rule words them)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from netkit.intent_check import (
    DeniedDeclared,
    MissingWorkload,
    MoreUndeclared,
    Undeclared,
    check_intent,
)
from netkit.manifests import model_from_objects
from netkit.model import DeclaredConnection, Endpoint, NetworkModel, PolicyPort
from netkit.portset import ConnectionSet
from netkit.reachability import Direction


def deployment(name: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": name, "ports": [{"containerPort": 5432}]}]},
            },
        },
    }


DENY_ALL = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "deny", "namespace": "shop"},
    "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
}
WEB_TO_DB = DeclaredConnection(
    Endpoint("shop", "web"), Endpoint("shop", "db"), (PolicyPort("TCP", 5432),)
)
TCP_5432 = ConnectionSet.ports("TCP", 5432)


def model(*objects: dict[str, Any], connections: tuple[DeclaredConnection, ...]) -> NetworkModel:
    built = model_from_objects((f"doc {i}", obj) for i, obj in enumerate(objects))
    return replace(built, connections=connections)


def test_plain_manifests_declare_nothing_to_compare():
    assert list(check_intent(model_from_objects([("doc", deployment("web"))]))) == []


def test_a_denied_declaration_blames_the_side_that_denies_it_and_a_missing_workload_is_named():
    to_api = DeclaredConnection(Endpoint("shop", "web"), Endpoint("shop", "api"))
    found = list(
        check_intent(
            model(deployment("web"), deployment("db"), DENY_ALL, connections=(WEB_TO_DB, to_api))
        )
    )

    [denied] = [f for f in found if isinstance(f, DeniedDeclared)]
    assert (denied.src.name, denied.dst.name, denied.blame.name) == ("web", "db", "web")
    assert (denied.declared, denied.missing) == (TCP_5432, TCP_5432)
    assert [f for f in found if isinstance(f, MissingWorkload)] == [
        MissingWorkload(to_api, Endpoint("shop", "api"))
    ]
    assert len(found) == 2  # everything else is denied: nothing undeclared is allowed


def test_open_pods_allow_more_than_declared_and_the_open_sides_are_named():
    found = list(
        check_intent(
            model(deployment("web"), deployment("db"), connections=(WEB_TO_DB,)),
            check_external=False,
        )
    )

    by_pair = {(f.src.name, f.dst.name): f for f in found if isinstance(f, Undeclared)}
    assert set(by_pair) == {
        ("shop/db[Deployment]", "shop/web[Deployment]"),
        ("shop/web[Deployment]", "shop/db[Deployment]"),
    }
    web_to_db = by_pair[("shop/web[Deployment]", "shop/db[Deployment]")]
    assert (web_to_db.covered, web_to_db.extra) == (TCP_5432, ConnectionSet.all() - TCP_5432)
    assert web_to_db.blame.name == "web"  # its egress is open
    assert web_to_db.open_sides() == [(Direction.EGRESS, "shop"), (Direction.INGRESS, "shop")]
    assert len(found) == 2


def test_undeclared_destinations_beyond_the_limit_are_one_finding_per_source():
    found = list(
        check_intent(
            model(deployment("a"), deployment("b"), deployment("c"), connections=()),
            check_external=False,
            max_per_source=1,
        )
    )

    shown = [(f.src.name, f.dst.name) for f in found if isinstance(f, Undeclared)]
    more = [
        (f.src.name, [d.name for d in f.destinations])
        for f in found
        if isinstance(f, MoreUndeclared)
    ]
    assert shown == [
        ("shop/a[Deployment]", "shop/b[Deployment]"),
        ("shop/b[Deployment]", "shop/a[Deployment]"),
        ("shop/c[Deployment]", "shop/a[Deployment]"),
    ]
    assert more == [
        ("shop/a[Deployment]", ["shop/c[Deployment]"]),
        ("shop/b[Deployment]", ["shop/c[Deployment]"]),
        ("shop/c[Deployment]", ["shop/b[Deployment]"]),
    ]


def test_exempt_namespaces_are_not_compared():
    assert (
        list(
            check_intent(
                model(deployment("web"), deployment("db"), connections=()),
                exempt={"shop"},
                check_external=False,
            )
        )
        == []
    )
