"""Address-space rules: overlaps, Docker's default pools, Calico pools, gateways."""

from __future__ import annotations

from typing import Any

from tests.policies.conftest import dev_model, findings, messages

OVERLAP = "docker-network-disallow-subnet-overlap"
EXPLICIT = "docker-network-require-explicit-subnet"
CALICO = "calico-ippool-require-valid-config"
IN_POD_CIDR = "calico-ippool-require-inside-pod-cidr"
GATEWAY = "docker-network-require-gateway-in-subnet"


def _subnet(network: str, **ipam: str) -> Any:
    def edit(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        if name == f"{network}-network":
            inputs["ipamConfigs"] = [ipam] if ipam else []
        return inputs

    return edit


def _pools(*pools: dict[str, Any]) -> Any:
    def edit(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        if name == "netkit-dev-calico-installation":
            inputs["spec"]["calicoNetwork"]["ipPools"] = list(pools)
        return inputs

    return edit


# --------------------------------------------------------------------------- overlap


def test_the_dev_stack_has_no_overlapping_ranges():
    assert messages(OVERLAP, dev_model()) == []


def test_a_bridge_inside_the_reserved_vpn_range_is_named_with_a_free_range_to_move_to():
    model = dev_model(_subnet("netkit-dev-backend", subnet="10.8.2.0/24"))

    [finding] = findings(OVERLAP, model)

    assert finding.resource.describe() == "DockerNetwork netkit-dev-backend"
    assert finding.resource.source.endswith(
        "docker:index/network:Network::netkit-dev-backend-network"
    )
    assert finding.message == (
        "docker bridge 'netkit-dev-backend' 10.8.2.0/24 is inside reserved 'corp-vpn' 10.8.0.0/16: "
        "the shared addresses 10.8.2.0/24 would route to only one of them; move docker bridge "
        "'netkit-dev-backend' 10.8.2.0/24 to a free range such as 10.9.0.0/24 (`netkit plan` finds one)"
    )


def test_an_overlay_inside_the_service_cidr_is_moved_out_of_it():
    model = dev_model(_subnet("netkit-dev-mesh", subnet="10.96.5.0/24"))

    assert messages(OVERLAP, model) == [
        "docker overlay 'netkit-dev-mesh' 10.96.5.0/24 is inside service cidr 'services' "
        "10.96.0.0/12: the shared addresses 10.96.5.0/24 would route to only one of them; move "
        "docker overlay 'netkit-dev-mesh' 10.96.5.0/24 to a free range such as 10.112.0.0/24 "
        "(`netkit plan` finds one)"
    ]


def test_two_bridges_sharing_addresses_suggest_the_next_free_range():
    model = dev_model(_subnet("netkit-dev-data", subnet="10.210.2.128/25"))

    assert messages(OVERLAP, model) == [
        "docker bridge 'netkit-dev-backend' 10.210.2.0/24 contains docker bridge 'netkit-dev-data' "
        "10.210.2.128/25: the shared addresses 10.210.2.128/25 would route to only one of them; "
        "move docker bridge 'netkit-dev-backend' 10.210.2.0/24 to a free range such as "
        "10.210.3.0/24 (`netkit plan` finds one)"
    ]


def test_a_calico_pool_inside_the_pod_cidr_is_expected_but_one_over_the_service_cidr_is_not():
    model = dev_model(_pools({"cidr": "10.96.0.0/16", "blockSize": 26}), calico=True)

    assert messages(OVERLAP, model) == [
        "calico pool 'pool-0' 10.96.0.0/16 is inside service cidr 'services' 10.96.0.0/12: the "
        "shared addresses 10.96.0.0/16 would route to only one of them; move calico pool "
        "'pool-0' 10.96.0.0/16 to a free range such as 10.112.0.0/16 (`netkit plan` finds one)"
    ]


def test_reserved_ranges_from_the_pack_config_count_like_the_stack_specs():
    config = {"reservedRanges": [{"name": "on-prem", "cidr": "10.210.1.0/24"}]}

    assert messages(OVERLAP, dev_model(), config) == [
        "docker bridge 'netkit-dev-frontend' 10.210.1.0/24 is the same range as reserved "
        "'on-prem' 10.210.1.0/24: the shared addresses 10.210.1.0/24 would route to only one of "
        "them; move docker bridge 'netkit-dev-frontend' 10.210.1.0/24 to a free range such as "
        "10.210.4.0/24 (`netkit plan` finds one)"
    ]


def test_docker0_counts_on_docker_hosts_and_its_subnet_is_configurable():
    model = dev_model(_subnet("netkit-dev-frontend", subnet="172.17.3.0/24"))

    assert messages(OVERLAP, model) == [
        "docker bridge 'netkit-dev-frontend' 172.17.3.0/24 is inside docker default pool "
        "'docker0' 172.17.0.0/16: the shared addresses 172.17.3.0/24 would route to only one of "
        "them; move docker bridge 'netkit-dev-frontend' 172.17.3.0/24 to a free range such as "
        "172.18.0.0/24 (`netkit plan` finds one)"
    ]
    assert messages(OVERLAP, model, {"dockerDefaultBridge": "172.30.0.0/16"}) == []


def test_two_reserved_ranges_overlapping_each_other_are_not_the_stacks_to_fix():
    config = {"reservedRanges": [{"name": "vpn-site", "cidr": "10.8.4.0/24"}]}

    assert messages(OVERLAP, dev_model(), config) == []


# --------------------------------------------------------------------------- default pools


def test_every_dev_network_has_an_explicit_subnet():
    assert messages(EXPLICIT, dev_model()) == []


def test_an_overlay_without_subnet_collides_with_the_stack_through_the_swarm_pool():
    model = dev_model(_subnet("netkit-dev-mesh"))

    assert messages(EXPLICIT, model) == [
        "docker overlay 'netkit-dev-mesh' has no subnet, so Docker takes one from the swarm's "
        "default address pool (10.0.0.0/8 as /24s), which overlaps docker bridge "
        "'netkit-dev-backend' 10.210.2.0/24, docker bridge 'netkit-dev-data' 10.210.3.0/24, docker "
        "bridge 'netkit-dev-frontend' 10.210.1.0/24 and 4 more; set an explicit subnet "
        "(docker.overlays[].subnets) clear of every range of the stack"
    ]


def test_a_bridge_without_subnet_passes_until_a_range_of_the_stack_sits_in_the_default_pools():
    model = dev_model(_subnet("netkit-dev-data"))
    on_prem = {"reservedRanges": [{"name": "on-prem", "cidr": "192.168.0.0/16"}]}

    assert messages(EXPLICIT, model) == []
    assert messages(EXPLICIT, model, on_prem) == [
        "docker bridge 'netkit-dev-data' has no subnet, so Docker takes one from its default "
        "address pools (172.17.0.0/16 as /16s, 172.18.0.0/15 as /16s, 172.20.0.0/14 as /16s, "
        "172.24.0.0/13 as /16s, 192.168.0.0/16 as /20s), which overlap reserved 'on-prem' "
        "192.168.0.0/16; set an explicit subnet (docker.bridges[].subnets) clear of every range "
        "of the stack"
    ]


def test_the_default_pools_follow_the_daemons_configuration():
    model = dev_model(_subnet("netkit-dev-data"))
    config = {"bridgeDefaultPools": [{"base": "10.210.0.0/16", "size": 24}]}

    assert messages(EXPLICIT, model, config) == [
        "docker bridge 'netkit-dev-data' has no subnet, so Docker takes one from its default "
        "address pools (10.210.0.0/16 as /24s), which overlaps docker bridge 'netkit-dev-backend' "
        "10.210.2.0/24, docker bridge 'netkit-dev-frontend' 10.210.1.0/24; set an explicit "
        "subnet (docker.bridges[].subnets) clear of every range of the stack"
    ]


# --------------------------------------------------------------------------- calico


def test_the_dev_calico_pool_is_valid_and_inside_the_pod_cidr():
    assert messages(CALICO, dev_model(calico=True)) == []
    assert messages(IN_POD_CIDR, dev_model(calico=True)) == []


def test_calico_pool_mistakes_are_each_named():
    model = dev_model(
        _pools(
            {"cidr": "10.244.0.0/24", "blockSize": 18},
            {"cidr": "10.244.1.0/28", "blockSize": 26},
            {"cidr": "169.254.0.0/16", "blockSize": 26},
            {"cidr": "fd00:10:244::/64", "blockSize": 122, "encapsulation": "IPIP"},
        ),
        calico=True,
    )

    assert messages(CALICO, model) == [
        "calico pool 'pool-0' 10.244.0.0/24 has blockSize 18; Calico allows 20-32 for IPv4; use "
        "26 (Calico's default) unless nodes need more addresses each",
        "calico pool 'pool-1' 10.244.1.0/28 is smaller than one /26 block, so no node can get a "
        "block; use a blockSize of at least 28 or a larger pool",
        "calico pool 'pool-2' 169.254.0.0/16 is link-local, which Calico refuses; use a private "
        "range inside the pod CIDR",
        "calico pool 'pool-3' fd00:10:244::/64 uses IPIP encapsulation, which cannot carry IPv6; "
        "use VXLAN, VXLANCrossSubnet or None",
    ]


def test_a_calico_pool_outside_the_pod_cidr_is_named():
    model = dev_model(_pools({"cidr": "10.245.0.0/17", "blockSize": 26}), calico=True)

    assert messages(IN_POD_CIDR, model) == [
        "calico pool 'pool-0' 10.245.0.0/17 is outside the pod CIDR 10.244.0.0/16: pods would "
        "get addresses the cluster does not treat as pod traffic; use a range inside 10.244.0.0/16"
    ]


def test_the_pod_cidr_can_come_from_the_config_when_the_stack_gives_none():
    model = dev_model(_pools({"cidr": "10.245.0.0/17", "blockSize": 26}), calico=True)

    assert messages(IN_POD_CIDR, model, {"podCidr": "10.245.0.0/16"}) == []


# --------------------------------------------------------------------------- gateways


def test_dev_gateways_sit_inside_their_subnets():
    assert messages(GATEWAY, dev_model()) == []


def test_a_gateway_or_ip_range_outside_the_subnet_is_named_with_an_address_inside():
    model = dev_model(
        _subnet(
            "netkit-dev-backend",
            subnet="10.210.2.0/24",
            gateway="10.210.9.1",
            ipRange="10.210.8.0/25",
        )
    )

    assert messages(GATEWAY, model) == [
        "docker bridge 'netkit-dev-backend' has gateway 10.210.9.1 outside its subnet "
        "10.210.2.0/24; use an address inside it, e.g. 10.210.2.1",
        "docker bridge 'netkit-dev-backend' has ipRange 10.210.8.0/25 outside its subnet "
        "10.210.2.0/24; use a range inside it",
    ]


def test_an_overlap_between_two_hosts_names_each_network_s_host():
    from netkit.resources import Resource

    def on_host1(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        if name == "netkit-dev-backend-network":
            inputs["labels"].append({"label": "netkit.host", "value": "host1"})
        return inputs

    far = Resource(
        "docker:index/network:Network",
        "far-network",
        "urn:far",
        {
            "name": "far",
            "driver": "bridge",
            "ipamConfigs": [{"subnet": "10.210.2.128/25"}],
            "labels": [{"label": "netkit.host", "value": "host3"}],
        },
    )

    [message] = [m for m in messages(OVERLAP, dev_model(on_host1, extra=[far])) if "'far'" in m]
    assert message == (
        "docker bridge 'netkit-dev-backend' 10.210.2.0/24 on host 'host1' contains docker bridge "
        "'far' 10.210.2.128/25 on host 'host3': the shared addresses 10.210.2.128/25 would route "
        "to only one of them; move docker bridge 'netkit-dev-backend' 10.210.2.0/24 on host "
        "'host1' to a free range such as 10.210.4.0/24 (`netkit plan` finds one)"
    )


# --------------------------------------------------------------------------- running engines


def test_a_stack_network_overlapping_one_already_on_its_engine_is_refused_naming_the_host():
    import ipaddress
    from dataclasses import replace as _replace

    from netkit.model import AddressSpace, Layer
    from netkit_policies.registry import run_rules
    from tests.policies.conftest import dev_model

    model = dev_model()
    mine = next(s for s in model.address_spaces if s.name == "netkit-dev-backend")
    own_copy = _replace(
        mine, source="docker network netkit-dev-backend on local", host="local", live=True
    )
    other = AddressSpace(
        "compose_default", Layer.DOCKER_BRIDGE, ipaddress.ip_network("10.210.2.0/25"),
        "docker network compose_default on local", host="local", live=True,
    )  # fmt: skip
    found = [
        f.message
        for f in run_rules(_replace(model, address_spaces=(*model.address_spaces, own_copy, other)))
        if f.rule == "docker-network-disallow-existing-overlap"
    ]
    assert found == [
        "docker bridge 'netkit-dev-backend' 10.210.2.0/24 contains existing docker bridge "
        "'compose_default' 10.210.2.0/25 on host 'local': Docker refuses a network whose "
        "subnet overlaps one on the same host when it is created, and an overlay that meets "
        "it cuts one of the two off; move docker bridge 'netkit-dev-backend' 10.210.2.0/24 to "
        "a free range such as 10.210.4.0/24 (`netkit plan` finds one)"
    ]
    # Its own running copy alone is no collision, and the overlap rule ignores both.
    alone = _replace(model, address_spaces=(*model.address_spaces, own_copy))
    assert [f.rule for f in run_rules(alone) if "overlap" in f.rule] == []
