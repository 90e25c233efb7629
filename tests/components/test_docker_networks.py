from __future__ import annotations

import pulumi
import pytest

from netkit.spec import SubnetSpec
from netkit_components.docker import (
    BridgeNetwork,
    BridgeNetworkArgs,
    OverlayNetwork,
    OverlayNetworkArgs,
)
from netkit_components.docker.bridge_network import internal_bridge_name
from netkit_components.docker.overlay_network import default_vxlan_id
from tests.components.conftest import NETWORK


def test_bridge_is_internal_with_icc_by_default(declare):
    declared = declare(
        lambda: BridgeNetwork(
            "backend",
            BridgeNetworkArgs(name="backend", subnets=[SubnetSpec(subnet="10.10.0.0/24")]),
        )
    )
    network = declared.one(NETWORK)
    assert network.inputs["driver"] == "bridge"
    assert network.inputs["internal"] is True
    assert network.inputs["options"] == {
        "com.docker.network.bridge.enable_icc": "true",
        # An nkint-* interface: scripts/docker-engine.sh keeps its containers off the host.
        "com.docker.network.bridge.name": internal_bridge_name("backend"),
    }
    assert len(internal_bridge_name("a-much-longer-network-name")) <= 15
    # A literal: the name must be the same in every process (the host firewall keys on it).
    assert internal_bridge_name("backend") == "nkint-10e08a419"
    assert network.inputs["ipamConfigs"] == [{"subnet": "10.10.0.0/24"}]
    assert network.name == "backend-network"
    assert network.parent == declared.named("backend").urn


def test_bridge_passes_every_ipam_and_driver_option(declare):
    args = BridgeNetworkArgs(
        name="front",
        subnets=[
            SubnetSpec(subnet="10.20.0.0/24", gateway="10.20.0.254", ip_range="10.20.0.128/25"),
            SubnetSpec(subnet="fd00:20::/64"),
        ],
        internal=False,
        icc=False,
        mtu=1400,
        bridge_name="br-front",
        labels={"team": "web"},
        role="frontend",
    )
    network = declare(lambda: BridgeNetwork("front", args)).one(NETWORK)
    assert network.inputs["internal"] is False
    assert network.inputs["ipv6"] is True
    assert network.inputs["options"] == {
        "com.docker.network.bridge.enable_icc": "false",
        "com.docker.network.driver.mtu": "1400",
        "com.docker.network.bridge.name": "br-front",
    }
    assert network.inputs["ipamConfigs"][0] == {
        "subnet": "10.20.0.0/24",
        "gateway": "10.20.0.254",
        "ipRange": "10.20.0.128/25",
    }
    labels = {item["label"]: item["value"] for item in network.inputs["labels"]}
    assert labels == {"team": "web", "netkit.role": "frontend", "netkit.component": "BridgeNetwork"}


def test_bridge_outputs_its_subnets(declare):
    seen: list[list[str]] = []

    def program() -> None:
        bridge = BridgeNetwork(
            "b", BridgeNetworkArgs(name="b", subnets=[SubnetSpec(subnet="10.1.0.0/24")])
        )
        pulumi.Output.all(bridge.subnets, bridge.network_name).apply(
            lambda values: seen.append([*values[0], values[1]])
        )

    declare(program)
    assert seen == [["10.1.0.0/24", "b"]]


def test_overlay_is_attachable_and_encrypts_when_asked(declare):
    args = OverlayNetworkArgs(
        name="mesh", subnets=[SubnetSpec(subnet="10.30.0.0/24")], encrypted=True
    )
    network = declare(lambda: OverlayNetwork("mesh", args)).one(NETWORK)
    assert network.inputs["driver"] == "overlay"
    assert network.inputs["attachable"] is True
    assert network.inputs["options"] == {
        "encrypted": "true",
        "com.docker.network.driver.overlay.vxlanid_list": str(default_vxlan_id("mesh")),
    }


def test_unencrypted_overlay_sets_no_encryption_option(declare):
    args = OverlayNetworkArgs(name="mesh", subnets=[SubnetSpec(subnet="10.30.0.0/24")])
    network = declare(lambda: OverlayNetwork("mesh", args)).one(NETWORK)
    assert "encrypted" not in network.inputs["options"]


def test_overlay_vxlan_id_is_pinned_so_docker_reads_back_what_was_declared(declare):
    args = OverlayNetworkArgs(
        name="mesh", subnets=[SubnetSpec(subnet="10.30.0.0/24")], vxlan_id=5000
    )
    network = declare(lambda: OverlayNetwork("mesh", args)).one(NETWORK)
    assert network.inputs["options"]["com.docker.network.driver.overlay.vxlanid_list"] == "5000"
    assert 4097 <= default_vxlan_id("anything") <= 16777215
    # A literal, not a second call: the ID must not change between runs or processes.
    assert default_vxlan_id("mesh") == 1697915 != default_vxlan_id("mesh2")


def test_bad_args_fail_before_any_resource_exists():
    with pytest.raises(ValueError, match=r"subnet '10.0.0.0/33': prefix must be 0-32"):
        BridgeNetworkArgs(name="b", subnets=[SubnetSpec(subnet="10.0.0.0/33")])


def test_an_overlay_states_the_gateway_swarm_picks(declare):
    # Swarm reports its gateway back once allocated; unstated, a refresh would replace it.
    args = OverlayNetworkArgs(name="mesh", subnets=[SubnetSpec(subnet="10.30.0.0/24")])
    network = declare(lambda: OverlayNetwork("mesh", args)).one(NETWORK)
    assert network.inputs["ipamConfigs"] == [{"subnet": "10.30.0.0/24", "gateway": "10.30.0.1"}]
