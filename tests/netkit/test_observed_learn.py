"""Observed against declared and allowed: the three lists, the denied attempts apart,
and conntrack's addresses mapped through a model of what runs."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from netkit.manifests import load_manifests
from netkit.model import DeclaredConnection, Endpoint, NetworkModel, PodPlacement, PolicyPort
from netkit.observed import Flow, FlowEnd, FlowFormat, FlowSet, learn, read_flows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "observed"
AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
MANIFESTS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop-web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: x, ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop-api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: x, ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop-data}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: x, ports: [{containerPort: 5432}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop-api}
spec: {selector: {app: api}, clusterIP: 10.96.0.20, ports: [{port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop-data}
spec: {selector: {app: db}, clusterIP: 10.96.0.30, ports: [{port: 5432}]}
"""
DECLARED = (
    DeclaredConnection(
        Endpoint("shop-web", "web"), Endpoint("shop-api", "api"), (PolicyPort("TCP", "http"),)
    ),
    DeclaredConnection(
        Endpoint("shop-api", "api"), Endpoint("shop-data", "db"), (PolicyPort("TCP", 5432),)
    ),
)


def _model(tmp_path: Path) -> NetworkModel:
    path = tmp_path / "shop.yaml"
    path.write_text(MANIFESTS)
    return replace(load_manifests([path]), connections=DECLARED)


def _running(model: NetworkModel) -> NetworkModel:
    """The same workloads with the pod addresses the conntrack fixture uses."""
    addresses = {"web": "10.244.0.11", "api": "10.244.0.21", "db": "10.244.0.31"}
    workloads = tuple(
        replace(w, placements=(PodPlacement(0, ipaddress.ip_address(addresses[w.name])),))
        for w in model.workloads
    )
    return replace(model, workloads=workloads, connections=None)


def _lines(items):
    return [item.line() for item in items]


def test_hubble_flows_are_used_declared_and_a_denied_attempt_is_apart(tmp_path):
    report = learn(_model(tmp_path), read_flows([FIXTURES / "hubble.json"]), allowed=False)

    assert _lines(report.used) == [
        "shop-web/web -> shop-api/api : http/TCP  1x  via shop-api/api",
        "shop-api/api -> shop-data/db : 5432/TCP  1x  via shop-data/db",
    ]
    assert _lines(report.undeclared) == ["shop-api/api -> 93.184.216.34 : 443/TCP  1x"]
    assert _lines(report.denied) == [
        "shop-web/web -> shop-data/db : 5432/TCP  1x  via shop-data/db"
    ]
    assert report.unused == () and report.sees_denied


def test_conntrack_maps_addresses_through_a_model_of_what_runs(tmp_path):
    model = _model(tmp_path)
    flows = read_flows([FIXTURES / "conntrack.txt"], observed_at=AT)

    report = learn(model, flows, addresses=_running(model), allowed=False)

    assert _lines(report.used) == [
        "shop-web/web -> shop-api/api : http/TCP  1x  via shop-api/api",
        "shop-api/api -> shop-data/db : 5432/TCP  2x  via shop-data/db",
    ]
    # ICMP web -> api is a use no declared port covers; DNS and the node's own
    # connection to the kubelet are not (the DNS Service and the nodes are not in it).
    assert _lines(report.undeclared) == ["shop-web/web -> shop-api/api : 0/ICMP  1x"]
    assert report.unmapped == {"10.96.0.10": 1, "10.213.0.2": 1, "10.213.0.9": 1}
    assert not report.sees_denied and report.denied == ()


def test_a_declared_port_nothing_used_is_unused_and_so_is_an_allowed_pair(tmp_path):
    flows = FlowSet(
        (
            Flow(
                FlowEnd("", "shop-web", "web-1"),
                FlowEnd("", "shop-api", "api-1"),
                8080,
                "TCP",
                AT,
                AT,
                4,
            ),
        ),
        (),
        (),
        (FlowFormat.HUBBLE,),
    )

    report = learn(_model(tmp_path), flows)

    assert _lines(report.used) == ["shop-web/web -> shop-api/api : http/TCP  4x"]
    unused = _lines(report.unused)
    assert unused[0] == "shop-api/api -> shop-data/db : 5432/TCP"
    # No NetworkPolicy: every other pair is allowed, never declared, never used.
    assert (
        "shop-data/db -> shop-web/web : * /TCP  (allowed, not declared)".replace(" /", "/")
        in unused
    )
    assert report.undeclared == () and report.has_findings
    assert report.to_json()["unused"][0] == {
        "src": "shop-api/api",
        "dst": "shop-data/db",
        "port": "5432",
        "protocol": "TCP",
        "declared": True,
        "count": 0,
        "connection": 1,
    }
