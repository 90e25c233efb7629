"""The local cluster's address plan comes from the stack spec, not from the script."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from netkit.errors import NetkitError
from netkit.local_cluster import api_service_address, node_pod_cidrs
from netkit.spec import StackSpec, parse_stack_config

ROOT = Path(__file__).parents[2]
DEV = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]


def _spec(**kubernetes: str) -> StackSpec:
    config = copy.deepcopy(DEV)
    config["netkit:kubernetes"].update(kubernetes)
    config["netkit:kubernetes"].pop("nodeCidrs", None)
    return parse_stack_config(config, "Pulumi.dev.yaml")


def test_each_node_gets_a_24_of_the_pod_range_after_the_first():
    assert node_pod_cidrs(_spec(), 2) == ["10.244.1.0/24", "10.244.2.0/24"]
    assert node_pod_cidrs(_spec(podCidr="10.50.0.0/20"), 3) == [
        "10.50.1.0/24",
        "10.50.2.0/24",
        "10.50.3.0/24",
    ]


def test_the_api_service_address_is_the_first_of_the_service_range():
    assert api_service_address(_spec()) == "10.96.0.1"
    assert api_service_address(_spec(serviceCidr="172.30.0.0/16")) == "172.30.0.1"


def test_a_pod_range_too_small_for_the_nodes_names_the_key_and_the_fix():
    with pytest.raises(NetkitError) as caught:
        node_pod_cidrs(_spec(podCidr="10.50.0.0/23"), 2)
    assert str(caught.value) == (
        "kubernetes.podCidr: '10.50.0.0/23' is too small for the local cluster's 2 nodes "
        "(one /24 each); use an IPv4 /21 or larger"
    )
