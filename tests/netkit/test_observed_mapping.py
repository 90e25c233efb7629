"""Flow ends onto the model: pod and container addresses, Service cluster IPs and the
pod their translation reached, pod names with their generated suffixes; what nothing
maps is kept and reported."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

from netkit.model import (
    AddressSpace,
    DockerAttachment,
    DockerContainer,
    Layer,
    NetworkModel,
    PodPlacement,
    Service,
    Workload,
    frozen_labels,
)
from netkit.observed import Flow, FlowEnd, ModelIndex, Party, PartyKind, map_flows

AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def _workload(namespace, name, address=None, **labels):
    placements = (PodPlacement(0, ipaddress.ip_address(address)),) if address else ()
    return Workload(
        "Deployment", name, namespace, frozen_labels(labels or {"app": name}), placements=placements
    )


MODEL = NetworkModel(
    workloads=(
        _workload("shop", "api", "10.244.0.21"),
        _workload("shop", "api-gateway", "10.244.0.22"),
        _workload("shop", "web", "10.244.0.11", tier="front"),
        _workload("shop", "web-canary", "10.244.0.12", tier="front"),
    ),
    services=(
        Service("api", "shop", selector=frozen_labels({"app": "api"}), cluster_ip="10.96.0.20"),
        Service(
            "front", "shop", selector=frozen_labels({"tier": "front"}), cluster_ip="10.96.0.30"
        ),
    ),
    docker_containers=(
        DockerContainer(
            "netkit-lab-b",
            host="host2",
            networks=(DockerAttachment("netkit-lab-mesh", address="10.201.0.5"),),
        ),
    ),
    address_spaces=(
        AddressSpace("services", Layer.SERVICE_CIDR, ipaddress.ip_network("10.96.0.0/12")),
    ),
    pod_cidr=ipaddress.ip_network("10.244.0.0/16"),
)
INDEX = ModelIndex(MODEL)
API = Party(PartyKind.WORKLOAD, "shop/api", "shop", "api")


def test_a_pod_address_is_its_workload():
    assert INDEX.resolve(FlowEnd("10.244.0.21")) == (API, "")


def test_a_cluster_ip_is_the_pod_the_translation_reached_through_the_service():
    assert INDEX.resolve(FlowEnd("10.96.0.30"), translated="10.244.0.12") == (
        Party(PartyKind.WORKLOAD, "shop/web-canary", "shop", "web-canary"),
        "shop/front",
    )


def test_a_service_selecting_one_workload_is_that_workload_without_a_translation():
    assert INDEX.resolve(FlowEnd("", "shop", service="api")) == (API, "shop/api")


def test_a_service_selecting_several_workloads_stays_the_service():
    assert INDEX.resolve(FlowEnd("10.96.0.30")) == (
        Party(PartyKind.SERVICE, "shop/front", "shop", "front"),
        "shop/front",
    )


def test_a_pod_name_is_the_workload_whose_name_is_its_longest_prefix():
    assert (
        INDEX.resolve(FlowEnd("", "shop", "api-gateway-5c9b7d8f4-qz7lm"))[0].name
        == "shop/api-gateway"
    )
    assert INDEX.resolve(FlowEnd("", "shop", "api-5c9b7d8f4-*"))[0] == API


def test_a_container_address_is_host_and_container():
    assert INDEX.resolve(FlowEnd("10.201.0.5"))[0] == Party(
        PartyKind.CONTAINER, "host2/netkit-lab-b"
    )


def test_addresses_inside_the_model_ranges_are_unmapped_and_outside_external():
    assert INDEX.resolve(FlowEnd("10.244.9.9"))[0] == Party(PartyKind.UNMAPPED, "10.244.9.9")
    assert INDEX.resolve(FlowEnd("93.184.216.34"))[0] == Party(PartyKind.EXTERNAL, "93.184.216.34")
    assert INDEX.resolve(FlowEnd("", "other", "x-1"))[0].kind is PartyKind.UNMAPPED


def test_flows_of_one_connection_are_summed_and_unmapped_ends_counted():
    flows = [
        Flow(FlowEnd("10.244.0.11"), FlowEnd("10.96.0.20"), 8080, "TCP", AT, AT, 2, "10.244.0.21"),
        Flow(FlowEnd("", "shop", "web-1"), FlowEnd("", "shop", "api-2"), 8080, "TCP", AT, AT, 3),
        Flow(FlowEnd("10.244.0.11"), FlowEnd("10.244.7.7"), 80, "TCP", AT, AT, 1),
    ]
    mapped = map_flows(ModelIndex(MODEL), flows)

    web = Party(PartyKind.WORKLOAD, "shop/web", "shop", "web")
    (use, seen), _ = list(mapped.uses.items())
    assert (use.src, use.dst, seen.count, seen.via) == (web, API, 5, {"shop/api"})
    assert mapped.unmapped == {"10.244.7.7": 1}
