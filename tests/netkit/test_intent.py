"""The stack's intent survives the trip through the NetworkStack resource's inputs:
what `stack_props` writes, `intent_from_props` reads back, field by field."""

from __future__ import annotations

import copy
import ipaddress
from pathlib import Path

import yaml

from netkit.intent import intent_from_props, stack_props
from netkit.model import Layer
from netkit.spec import parse_stack_config

ROOT = Path(__file__).parents[2]
DEV = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]


def test_every_intent_field_comes_back_from_the_resource_inputs():
    config = copy.deepcopy(DEV)
    k8s = config["netkit:kubernetes"]
    k8s["nodeCidrs"] = ["192.168.50.0/24"]
    k8s["dns"] = {"namespace": "dns", "podLabels": {"app": "coredns"}}
    k8s["ingressController"] = {"namespace": "edge", "podLabels": {"app": "traefik"}}
    k8s["ingresses"][0]["allowPlaintextHosts"] = ["shop.dev.example.com"]
    config["netkit:exposure"] = {"externalIps": ["203.0.113.7"], "overlayEncryption": True}
    spec = parse_stack_config(config, "Pulumi.dev.yaml")

    intent = intent_from_props(stack_props(spec), "urn:stack")

    nodes = [s for s in intent.address_spaces if s.layer is Layer.NODE]
    assert [(s.name, s.cidr) for s in nodes] == [
        ("nodes-0", ipaddress.ip_network("192.168.50.0/24"))
    ]
    assert (intent.dns_namespace, dict(intent.dns_labels)) == ("dns", {"app": "coredns"})
    assert (intent.ingress_controller_namespace, dict(intent.ingress_controller_labels)) == (
        "edge",
        {"app": "traefik"},
    )
    assert intent.exposure.plaintext_hosts == {"shop.dev.example.com"}
    assert intent.exposure.allowed_external_ips == {"203.0.113.7"}
    assert intent.exposure.require_overlay_encryption
    assert [(c.source.describe(), c.destination.describe()) for c in intent.connections] == [
        ("shop-web/web", "shop-api/api"),
        ("shop-api/api", "shop-data/db"),
    ]
    assert {s.source for s in intent.address_spaces} == {"urn:stack"}
