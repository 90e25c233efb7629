"""Helpers for the policy pack's tests: models from our dev stack, from small manifests,
and the messages one rule reports on them."""

from __future__ import annotations

import copy
import functools
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from netkit.manifests import model_from_objects
from netkit.model import NetworkModel
from netkit.resources import Resource, model_from_resources
from netkit_cli.synth import ResourceRecord, synthesize
from netkit_policies.registry import rule_named, run_rule
from netkit_policies.rules.base import Context, Finding

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"

Manifest = dict[str, Any]
Edit = Callable[[str, dict[str, Any]], dict[str, Any] | None]


CALICO = {
    "ipPools": [{"cidr": "10.244.0.0/17", "blockSize": 26, "encapsulation": "VXLANCrossSubnet"}]
}
"""The Calico section the Calico rules' tests add to the dev stack (staging and prod
install Calico; dev runs on the local cluster, whose enforcer is kube-router)."""


@functools.cache
def dev_records(calico: bool = False) -> tuple[ResourceRecord, ...]:
    """The dev stack as `netkit synth` records it (synthesized once per session), with
    `calico`: installing Calico (`netkit-dev-calico-installation`) instead of declaring
    kube-router as the cluster's CNI."""
    if not calico:
        return tuple(synthesize("dev", ROOT))
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    kubernetes = document["config"]["netkit:kubernetes"]
    kubernetes.pop("clusterCni")
    kubernetes["calico"] = CALICO
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document))
        return tuple(synthesize("dev", Path(folder)))


def dev_resources(
    edit: Edit | None = None, extra: Sequence[Resource] = (), *, calico: bool = False
) -> list[Resource]:
    """The dev stack's resources; `edit(name, inputs)` may change a copy or drop it (None)."""
    resources: list[Resource] = []
    for record in dev_records(calico):
        inputs: dict[str, Any] | None = copy.deepcopy(record.inputs)
        if edit is not None and inputs is not None:
            inputs = edit(record.name, inputs)
        if inputs is not None:
            resources.append(Resource(record.type, record.name, record.urn, inputs))
    return [*resources, *extra]


def dev_model(
    edit: Edit | None = None, extra: Sequence[Resource] = (), *, calico: bool = False
) -> NetworkModel:
    return model_from_resources(dev_resources(edit, extra, calico=calico))


def findings(
    rule: str, model: NetworkModel, config: Mapping[str, Any] | None = None
) -> list[Finding]:
    return run_rule(rule_named(rule), Context(model), config)


def messages(rule: str, model: NetworkModel, config: Mapping[str, Any] | None = None) -> list[str]:
    """What `rule` reports on `model` (with `config` properties), in order."""
    return [finding.message for finding in findings(rule, model, config)]


# --------------------------------------------------------------------------- manifests


def k8s(*objects: Manifest, intent: NetworkModel | None = None) -> NetworkModel:
    """A model of Kubernetes objects; `intent` lends its stack intent (connections, DNS...)."""
    model = model_from_objects(
        (f"test.yaml, document {i}", obj) for i, obj in enumerate(objects, 1)
    )
    if intent is None:
        return model
    return replace(
        model,
        connections=intent.connections,
        exposure=intent.exposure,
        pod_cidr=intent.pod_cidr,
        dns_namespace=intent.dns_namespace,
        dns_labels=intent.dns_labels,
    )


def namespace(name: str, **labels: str) -> Manifest:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def deployment(
    ns: str,
    name: str,
    *,
    port: int = 8080,
    labels: Mapping[str, str] | None = None,
    host_network: bool = False,
    host_port: int | None = None,
    kind: str = "Deployment",
) -> Manifest:
    pod_labels = dict(labels or {"app": name})
    container_port: Manifest = {"name": "http", "containerPort": port, "protocol": "TCP"}
    if host_port is not None:
        container_port["hostPort"] = host_port
    spec: Manifest = {"containers": [{"name": name, "image": "img", "ports": [container_port]}]}
    if host_network:
        spec["hostNetwork"] = True
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "selector": {"matchLabels": pod_labels},
            "template": {"metadata": {"labels": pod_labels}, "spec": spec},
        },
    }


def policy(
    ns: str,
    name: str,
    pods: Mapping[str, str] | None = None,
    *,
    types: Sequence[str] | None = ("Ingress", "Egress"),
    ingress: Sequence[Manifest] | None = None,
    egress: Sequence[Manifest] | None = None,
) -> Manifest:
    spec: Manifest = {"podSelector": {"matchLabels": dict(pods)} if pods else {}}
    if types is not None:
        spec["policyTypes"] = list(types)
    if ingress is not None:
        spec["ingress"] = list(ingress)
    if egress is not None:
        spec["egress"] = list(egress)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def pods_in(ns: str, **labels: str) -> Manifest:
    """A peer: pods with `labels` in namespace `ns`."""
    return {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}},
        "podSelector": {"matchLabels": labels},
    }


def tcp(port: int) -> Manifest:
    return {"protocol": "TCP", "port": port}


DNS_PEER = pods_in("kube-system", **{"k8s-app": "kube-dns"})
DNS_PORTS = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]


def isolated(ns: str) -> list[Manifest]:
    """A default deny and DNS egress for `ns`: what netkit's NamespaceIsolation writes."""
    return [
        policy(ns, "default-deny"),
        policy(ns, "allow-dns", types=["Egress"], egress=[{"to": [DNS_PEER], "ports": DNS_PORTS}]),
    ]


def service(ns: str, name: str, *, type_: str = "ClusterIP", **spec: Any) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "type": type_,
            "selector": {"app": name},
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
            **spec,
        },
    }


def ingress(
    ns: str,
    name: str,
    hosts: Sequence[str],
    *,
    tls: Sequence[str] | None = None,
    path: str = "/",
    annotations: Mapping[str, str] | None = None,
) -> Manifest:
    spec: Manifest = {
        "ingressClassName": "nginx",
        "rules": [
            {
                "host": host,
                "http": {
                    "paths": [
                        {
                            "path": path,
                            "pathType": "Prefix",
                            "backend": {"service": {"name": "web", "port": {"number": 80}}},
                        }
                    ]
                },
            }
            for host in hosts
        ],
    }
    if tls is not None:
        spec["tls"] = [{"hosts": list(tls), "secretName": f"{name}-tls"}]
    metadata: Manifest = {"name": name, "namespace": ns}
    if annotations:
        metadata["annotations"] = dict(annotations)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata,
        "spec": spec,
    }
