from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netkit.model import AddressSpace, IPNetwork, Layer
from netkit.overlap import (
    Overlap,
    Relation,
    expected_nesting,
    find_overlaps,
    overlapping_pairs,
    relation_of,
)


def space(name: str, cidr: str, layer: Layer = Layer.RESERVED, source: str = "") -> AddressSpace:
    return AddressSpace(name=name, layer=layer, cidr=ipaddress.ip_network(cidr), source=source)


BACKEND = space("backend", "10.10.0.0/16", Layer.DOCKER_BRIDGE, "bridge-backend")
VPN = space("corp-vpn", "10.10.8.0/21", Layer.RESERVED, "--reserved corp-vpn")


# --------------------------------------------------------------------------- messages


def test_a_bridge_containing_a_reserved_range_says_contains_with_both_layers():
    [overlap] = find_overlaps([BACKEND, VPN])
    assert overlap.relation is Relation.CONTAINS
    assert overlap.message() == (
        "docker bridge 'backend' 10.10.0.0/16 contains reserved 'corp-vpn' 10.10.8.0/21"
    )


def test_a_range_listed_first_inside_a_later_one_says_is_inside():
    [overlap] = find_overlaps([VPN, BACKEND])
    assert (overlap.first, overlap.second, overlap.relation) == (VPN, BACKEND, Relation.INSIDE)
    assert overlap.message() == (
        "reserved 'corp-vpn' 10.10.8.0/21 is inside docker bridge 'backend' 10.10.0.0/16"
    )


def test_two_identical_ranges_are_the_same_range():
    pool = space("default", "10.244.0.0/16", Layer.CALICO_POOL)
    bridge = space("k8s", "10.244.0.0/16", Layer.DOCKER_BRIDGE)
    [overlap] = find_overlaps([pool, bridge])
    assert overlap.relation is Relation.SAME
    assert overlap.message() == (
        "calico pool 'default' 10.244.0.0/16 is the same range as docker bridge 'k8s' 10.244.0.0/16"
    )


def test_a_partial_overlap_says_overlaps():
    overlap = Overlap(BACKEND, VPN, Relation.PARTIAL)
    assert overlap.message() == (
        "docker bridge 'backend' 10.10.0.0/16 overlaps reserved 'corp-vpn' 10.10.8.0/21"
    )


# --------------------------------------------------------------------------- the index


def test_disjoint_and_adjacent_ranges_do_not_overlap():
    spaces = [space("a", "10.0.0.0/24"), space("b", "10.0.1.0/24"), space("c", "10.0.2.0/23")]
    assert find_overlaps(spaces) == []


def test_ipv4_and_ipv6_ranges_with_the_same_integers_never_overlap():
    # ::a00:0/104 covers the integers of 10.0.0.0/8; the families are indexed apart.
    assert find_overlaps([space("v4", "10.0.0.0/8"), space("v6", "::a00:0/104")]) == []


def test_ipv6_ranges_overlap_among_themselves():
    [overlap] = find_overlaps([space("site", "fd00::/48"), space("lan", "fd00:0:0:1::/64")])
    assert overlap.relation is Relation.CONTAINS


def test_every_pair_is_listed_in_input_order_across_families():
    spaces = [
        space("wide6", "fd00::/16"),
        space("wide", "10.0.0.0/8"),
        space("narrow6", "fd00::/64"),
        space("mid", "10.1.0.0/16"),
        space("narrow", "10.1.2.0/24"),
    ]
    pairs = [(o.first.name, o.second.name) for o in find_overlaps(spaces)]
    assert pairs == [
        ("wide6", "narrow6"),
        ("wide", "mid"),
        ("wide", "narrow"),
        ("mid", "narrow"),
    ]


def test_pieces_with_the_same_source_and_name_are_kept_for_the_caller():
    a = space("backend", "10.0.0.0/24", source="bridge-backend")
    [overlap] = find_overlaps([a, a])
    assert overlap.relation is Relation.SAME


def test_allowed_drops_the_pairs_it_accepts_and_sees_them_in_input_order():
    seen: list[tuple[str, str]] = []

    def allowed(first: AddressSpace, second: AddressSpace) -> bool:
        seen.append((first.name, second.name))
        return second.name == "corp-vpn"

    other = space("ops", "10.10.1.0/24")
    overlaps = find_overlaps([BACKEND, VPN, other], allowed=allowed)
    assert seen == [("backend", "corp-vpn"), ("backend", "ops")]
    assert [(o.first.name, o.second.name) for o in overlaps] == [("backend", "ops")]


# --------------------------------------------------------------------------- expected by design


POD = space("pods", "10.244.0.0/16", Layer.POD_CIDR, "kubernetes")


def test_a_calico_pool_inside_the_pod_cidr_is_expected_in_either_order():
    pool = space("default-ipv4", "10.244.0.0/17", Layer.CALICO_POOL, "calico-pool")
    assert expected_nesting(pool, POD)
    assert expected_nesting(POD, pool)
    assert find_overlaps([POD, pool], allowed=expected_nesting) == []


def test_a_calico_pool_equal_to_the_pod_cidr_is_expected():
    pool = space("default-ipv4", "10.244.0.0/16", Layer.CALICO_POOL, "calico-pool")
    assert expected_nesting(pool, POD)


def test_a_calico_pool_wider_than_the_pod_cidr_is_not_expected():
    pool = space("too-wide", "10.0.0.0/8", Layer.CALICO_POOL, "calico-pool")
    assert not expected_nesting(pool, POD)
    assert len(find_overlaps([pool, POD], allowed=expected_nesting)) == 1


def test_a_calico_pool_inside_the_service_cidr_is_not_expected():
    service = space("services", "10.96.0.0/12", Layer.SERVICE_CIDR, "kubernetes")
    pool = space("pool", "10.96.0.0/16", Layer.CALICO_POOL, "calico-pool")
    assert not expected_nesting(pool, service)


def test_two_ranges_of_one_resource_still_overlap():
    # One Installation's pools, or the stack intent's reserved range and service CIDR,
    # share a source; Calico and Kubernetes refuse the overlap all the same.
    pool = space("pool-0", "10.244.0.0/16", Layer.CALICO_POOL, "urn:installation")
    other = space("pool-1", "10.244.128.0/17", Layer.CALICO_POOL, "urn:installation")
    vpn = space("corp-vpn", "10.96.0.0/16", Layer.RESERVED, "urn:stack")
    services = space("services", "10.96.0.0/12", Layer.SERVICE_CIDR, "urn:stack")
    assert not expected_nesting(pool, other)
    assert not expected_nesting(vpn, services)


def test_what_is_not_the_stacks_own_is_expected():
    vpn = space("corp-vpn", "10.8.0.0/16", Layer.RESERVED, "config")
    office = space("office", "10.8.4.0/24", Layer.RESERVED, "spec")
    route = space("eth0", "10.8.0.0/16", Layer.HOST_ROUTE, "ip route")
    nested_route = space("wg0", "10.8.4.0/24", Layer.HOST_ROUTE, "ip route")
    docker_pool = space("default pool", "10.8.0.0/16", Layer.DOCKER_DEFAULT_POOL, "daemon")
    assert expected_nesting(vpn, office)
    assert expected_nesting(route, nested_route)
    assert expected_nesting(docker_pool, route)
    assert not expected_nesting(vpn, route), "a route into a reserved range is worth a look"


def test_a_docker_bridge_inside_the_pod_cidr_is_not_expected():
    bridge = space("k8s", "10.244.1.0/24", Layer.DOCKER_BRIDGE, "bridge-k8s")
    assert not expected_nesting(bridge, POD)


# --------------------------------------------------------------------------- intervals


@pytest.mark.parametrize(
    ("first", "second", "relation"),
    [
        ((0, 9), (0, 9), Relation.SAME),
        ((0, 9), (2, 9), Relation.CONTAINS),
        ((2, 3), (0, 9), Relation.INSIDE),
        ((0, 5), (5, 9), Relation.PARTIAL),
        ((5, 9), (0, 5), Relation.PARTIAL),
    ],
)
def test_relation_of_integer_ranges(first, second, relation):
    assert relation_of(first, second) is relation


def test_overlapping_pairs_finds_partial_overlaps_of_general_ranges():
    # A Docker ip_range given as a span, against a CIDR it straddles.
    assert overlapping_pairs([(100, 199), (0, 127), (128, 255), (300, 400)]) == [
        (0, 1),
        (0, 2),
    ]


def test_overlapping_pairs_refuses_a_range_that_ends_before_it_starts():
    with pytest.raises(ValueError, match=r"interval 1 \(5, 4\) ends before it starts"):
        overlapping_pairs([(0, 1), (5, 4)])


# --------------------------------------------------------------------------- properties


def _brute_force(spaces: list[AddressSpace]) -> list[tuple[int, int, Relation]]:
    found = []
    for i, a in enumerate(spaces):
        for j in range(i + 1, len(spaces)):
            b = spaces[j]
            if a.cidr.version != b.cidr.version or not a.cidr.overlaps(b.cidr):
                continue
            if a.cidr == b.cidr:
                relation = Relation.SAME
            elif b.cidr.subnet_of(a.cidr):  # type: ignore[arg-type]
                relation = Relation.CONTAINS
            else:
                relation = Relation.INSIDE
            found.append((i, j, relation))
    return found


@st.composite
def networks(draw: st.DrawFn) -> IPNetwork:
    # Few address bits, so overlaps are common; the IPv6 ranges use the same integers
    # as the IPv4 ones (::a00:0 is 10.0.0.0), so mixing the families would show.
    offset = draw(st.integers(0, 2**12 - 1))
    if draw(st.booleans()):
        return ipaddress.IPv4Network((0x0A000000 + offset, draw(st.integers(18, 32))), strict=False)
    return ipaddress.IPv6Network((0x0A000000 + offset, draw(st.integers(114, 128))), strict=False)


@settings(max_examples=300)
@given(st.lists(networks(), max_size=40))
def test_the_sweep_finds_exactly_the_pairs_a_pairwise_check_finds(cidrs):
    spaces = [AddressSpace(f"s{i}", Layer.RESERVED, cidr) for i, cidr in enumerate(cidrs)]
    found = [
        (spaces.index(o.first), spaces.index(o.second), o.relation) for o in find_overlaps(spaces)
    ]
    assert found == _brute_force(spaces)


@st.composite
def intervals(draw: st.DrawFn) -> tuple[int, int]:
    start = draw(st.integers(0, 200))
    return start, start + draw(st.integers(0, 40))


@settings(max_examples=300)
@given(st.lists(intervals(), max_size=40))
def test_overlapping_pairs_matches_a_pairwise_check_on_general_ranges(ranges):
    expected = [
        (i, j)
        for i in range(len(ranges))
        for j in range(i + 1, len(ranges))
        if ranges[i][0] <= ranges[j][1] and ranges[j][0] <= ranges[i][1]
    ]
    assert overlapping_pairs(ranges) == expected


# --------------------------------------------------------------------------- running engines


def live(name: str, cidr: str, layer: Layer, host: str) -> AddressSpace:
    return AddressSpace(name, layer, ipaddress.ip_network(cidr), "engine", host=host, live=True)


def declared(name: str, cidr: str, layer: Layer, host: str = "") -> AddressSpace:
    return AddressSpace(name, layer, ipaddress.ip_network(cidr), "urn", host=host)


def test_a_declared_network_and_its_running_copy_are_one_network():
    mine = declared("db", "10.226.1.0/24", Layer.DOCKER_BRIDGE, "host1")
    running = live("db", "10.226.1.0/24", Layer.DOCKER_BRIDGE, "host1")
    assert expected_nesting(mine, running)
    # The same range on another host: another bridge, and two hosts' bridges never meet.
    assert expected_nesting(mine, live("db", "10.226.1.0/24", Layer.DOCKER_BRIDGE, "host2"))
    # A stack without hosts runs on the engine named `local`.
    assert expected_nesting(
        declared("db", "10.226.1.0/24", Layer.DOCKER_BRIDGE),
        live("db", "10.226.1.0/24", Layer.DOCKER_BRIDGE, "local"),
    )


def test_an_overlay_meets_the_bridges_of_every_host():
    overlay = declared("mesh", "10.226.7.0/25", Layer.DOCKER_OVERLAY, "host1")
    bridge = live("other", "10.226.7.0/24", Layer.DOCKER_BRIDGE, "host3")
    assert not expected_nesting(overlay, bridge)
    same_host = live("other", "10.226.1.0/24", Layer.DOCKER_BRIDGE, "host1")
    assert not expected_nesting(
        declared("db", "10.226.1.0/25", Layer.DOCKER_BRIDGE, "host1"), same_host
    )


def test_pools_are_expected_only_where_their_allocator_sees_the_network():
    swarm = live("default-addr-pool", "10.0.0.0/8", Layer.DOCKER_SWARM_POOL, "host1")
    daemon = live("default-address-pools", "172.16.0.0/12", Layer.DOCKER_DEFAULT_POOL, "host2")
    assert expected_nesting(swarm, declared("mesh", "10.1.0.0/24", Layer.DOCKER_OVERLAY))
    assert not expected_nesting(swarm, declared("db", "10.1.1.0/24", Layer.DOCKER_BRIDGE, "host2"))
    assert expected_nesting(daemon, declared("db", "172.20.0.0/24", Layer.DOCKER_BRIDGE, "host2"))
    assert not expected_nesting(daemon, declared("mesh", "172.20.1.0/24", Layer.DOCKER_OVERLAY))
    assert expected_nesting(swarm, daemon)
