from __future__ import annotations

import ipaddress
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from netkit.errors import InvalidValue, NetkitError
from netkit.model import AddressSpace, Layer
from netkit.planner import SubnetRequest, parse_reserved, plan_subnets


def reserved(name: str, cidr: str) -> AddressSpace:
    return AddressSpace(name=name, layer=Layer.RESERVED, cidr=ipaddress.ip_network(cidr))


def planned(supernet: str, requests: list[str], reserve: list[str] = ()) -> dict[str, str]:
    allocations = plan_subnets(
        supernet,
        [SubnetRequest.parse(text) for text in requests],
        [parse_reserved(text) for text in reserve],
    )
    return {a.name: str(a.subnet) for a in allocations}


# --------------------------------------------------------------------------- placement


def test_the_plan_places_the_largest_first_around_a_reserved_range_in_request_order():
    allocations = plan_subnets(
        "10.20.0.0/16",
        [SubnetRequest("web", prefix=24), SubnetRequest("db", hosts=500)],
        [reserved("corp-vpn", "10.20.8.0/21")],
    )
    assert [(a.name, str(a.subnet)) for a in allocations] == [
        ("web", "10.20.2.0/24"),
        ("db", "10.20.0.0/23"),
    ]


def test_requests_of_one_size_are_placed_by_name():
    assert planned("10.0.0.0/16", ["b=/24", "a=/24", "c=/25"]) == {
        "b": "10.0.1.0/24",
        "a": "10.0.0.0/24",
        "c": "10.0.2.0/25",
    }


def test_the_plan_does_not_depend_on_request_order():
    requests = ["web=/24", "db=500", "cache=/28", "api=/24"]
    assert planned("10.0.0.0/16", requests) == planned("10.0.0.0/16", requests[::-1])


def test_a_subnet_takes_the_lowest_free_address_aligned_to_its_prefix():
    # 10.20.0.0/25 is taken: a /24 cannot start at .128, a /25 can.
    assert planned("10.20.0.0/16", ["big=/24", "small=/25"], ["vpn=10.20.0.0/25"]) == {
        "big": "10.20.1.0/24",
        "small": "10.20.0.128/25",
    }


def test_reserved_ranges_of_the_other_family_or_outside_the_supernet_are_ignored():
    assert planned("10.20.0.0/16", ["web=/24"], ["v6=fd00::/8", "elsewhere=10.30.0.0/16"]) == {
        "web": "10.20.0.0/24"
    }


def test_a_reserved_range_wider_than_the_supernet_leaves_no_room():
    with pytest.raises(NetkitError) as caught:
        planned("10.20.0.0/16", ["web=/24"], ["all=10.0.0.0/8"])
    assert str(caught.value) == (
        "cannot place 'web' (/24) in 10.20.0.0/16: no address is free; "
        "free a range or use a larger supernet"
    )


def test_ipv6_subnets_are_planned_too():
    assert planned("fd00:20::/48", ["lan=/64", "dmz=/64"]) == {
        "lan": "fd00:20:0:1::/64",
        "dmz": "fd00:20::/64",
    }


@pytest.mark.parametrize(
    ("hosts", "prefix"),
    [(1, 30), (2, 30), (3, 29), (254, 24), (255, 23), (500, 23), (510, 23), (511, 22)],
)
def test_an_ipv4_host_count_includes_the_network_and_broadcast_addresses(hosts, prefix):
    assert SubnetRequest("db", hosts=hosts).prefix_for(4) == prefix


@pytest.mark.parametrize(("hosts", "prefix"), [(1, 127), (255, 120), (256, 119)])
def test_an_ipv6_host_count_includes_the_subnet_router_anycast_address(hosts, prefix):
    assert SubnetRequest("db", hosts=hosts).prefix_for(6) == prefix


# --------------------------------------------------------------------------- errors


def test_a_request_that_does_not_fit_names_the_largest_free_block():
    # Everything but 10.20.8.0/21 is taken.
    taken = [
        "a=10.20.0.0/21",
        "b=10.20.16.0/20",
        "c=10.20.32.0/19",
        "d=10.20.64.0/18",
        "e=10.20.128.0/17",
    ]
    with pytest.raises(NetkitError) as caught:
        planned("10.20.0.0/16", ["db=/20"], taken)
    assert str(caught.value) == (
        "cannot place 'db' (/20) in 10.20.0.0/16: the largest free block is /21 (10.20.8.0/21); "
        "free a range or use a larger supernet"
    )


def test_a_host_count_that_does_not_fit_shows_the_prefix_it_needs():
    with pytest.raises(NetkitError) as caught:
        planned("10.20.0.0/24", ["web=/25", "db=500"])
    assert str(caught.value) == (
        "cannot place 'db' (/23 for 500 hosts) in 10.20.0.0/24: the largest free block is /24 "
        "(10.20.0.0/24); free a range or use a larger supernet"
    )


def test_space_taken_by_earlier_requests_is_not_offered_as_free():
    # 'a' takes 10.20.0.0/24; only 10.20.1.128/25 is left for 'b'.
    with pytest.raises(NetkitError, match=r"the largest free block is /25 \(10\.20\.1\.128/25\)"):
        planned("10.20.0.0/23", ["a=/24", "b=/24"], ["x=10.20.1.0/25"])


def test_more_hosts_than_the_family_holds_is_refused():
    with pytest.raises(NetkitError) as caught:
        planned("10.0.0.0/8", ["huge=5000000000"])
    assert str(caught.value) == (
        "cannot place 'huge' (5,000,000,000 hosts) in 10.0.0.0/8: "
        "an IPv4 network is too small for that many hosts"
    )


def test_a_prefix_longer_than_the_family_allows_is_refused():
    with pytest.raises(InvalidValue) as caught:
        planned("10.0.0.0/8", ["web=/33"])
    assert str(caught.value) == (
        "subnet request 'web=/33': prefix must be 0-32 in the IPv4 supernet 10.0.0.0/8"
    )


def test_a_name_requested_twice_is_refused():
    with pytest.raises(InvalidValue, match="subnet name 'web' is requested twice"):
        planned("10.0.0.0/8", ["web=/24", "web=/25"])


def test_a_request_needs_exactly_one_of_prefix_and_hosts():
    with pytest.raises(InvalidValue, match=r"give a prefix .* not both or neither"):
        SubnetRequest("web", prefix=24, hosts=10)
    with pytest.raises(InvalidValue, match="not both or neither"):
        SubnetRequest("web")


def test_a_request_needs_at_least_one_host():
    with pytest.raises(InvalidValue, match="hosts 0 must be at least 1"):
        SubnetRequest("web", hosts=0)


def test_a_request_name_must_be_a_docker_name():
    with pytest.raises(InvalidValue, match="subnet name 'my web'"):
        SubnetRequest("my web", prefix=24)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("web", "--subnet 'web': expected NAME=/PREFIX or NAME=HOSTS, like 'web=/24' or 'db=500'"),
        (
            "web=/x",
            "--subnet 'web=/x': '/x' is not a prefix or a number; "
            "expected NAME=/PREFIX or NAME=HOSTS, like 'web=/24' or 'db=500'",
        ),
        (
            "web=-3",
            "--subnet 'web=-3': '-3' is not a prefix or a number; "
            "expected NAME=/PREFIX or NAME=HOSTS, like 'web=/24' or 'db=500'",
        ),
    ],
)
def test_a_malformed_request_shows_the_value_and_the_syntax(text, message):
    with pytest.raises(InvalidValue) as caught:
        SubnetRequest.parse(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("corp-vpn", "--reserved 'corp-vpn': expected NAME=CIDR, like 'corp-vpn=10.8.0.0/16'"),
        (
            "=10.0.0.0/8",
            "--reserved '=10.0.0.0/8': the name before '=' is empty, like 'corp-vpn=...'",
        ),
        (
            "vpn=10.8.0.1/16",
            "subnet '10.8.0.1/16' in --reserved vpn: host bits are set; did you mean '10.8.0.0/16'?",
        ),
    ],
)
def test_a_malformed_reserved_range_shows_the_value_and_the_fix(text, message):
    with pytest.raises(InvalidValue) as caught:
        parse_reserved(text)
    assert str(caught.value) == message


# --------------------------------------------------------------------------- properties

names = st.text("abcdefghij", min_size=1, max_size=6)


@given(
    names,
    st.one_of(
        st.integers(0, 128).map(lambda p: ("prefix", p)),
        st.integers(1, 10**9).map(lambda h: ("hosts", h)),
    ),
)
def test_a_request_parses_back_from_its_text(name, size):
    kind, value = size
    request = SubnetRequest(name, **{kind: value})
    assert SubnetRequest.parse(str(request)) == request


@given(names, st.integers(0, 2**32 - 1), st.integers(0, 32))
def test_a_reserved_range_parses_back_from_its_text(name, address, prefix):
    network = ipaddress.IPv4Network((address, prefix), strict=False)
    space = parse_reserved(f"{name}={network}")
    assert (space.name, space.cidr, space.layer) == (name, network, Layer.RESERVED)


@st.composite
def scenarios(draw: st.DrawFn):
    version = draw(st.sampled_from([4, 6]))
    top = 32 if version == 4 else 128
    super_prefix = draw(st.integers(top - 16, top - 6))
    base = draw(st.integers(0, 2**top - 1)) >> (top - super_prefix) << (top - super_prefix)
    family = ipaddress.IPv4Network if version == 4 else ipaddress.IPv6Network
    supernet = family((base, super_prefix))
    count = draw(st.integers(1, 12))
    requests = []
    for index in range(count):
        if draw(st.booleans()):
            requests.append(SubnetRequest(f"r{index}", prefix=draw(st.integers(super_prefix, top))))
        else:
            hosts = draw(st.integers(1, 2 ** (top - super_prefix) // 8))
            requests.append(SubnetRequest(f"r{index}", hosts=hosts))
    spaces = []
    for index in range(draw(st.integers(0, 4))):
        offset = draw(st.integers(0, supernet.num_addresses - 1))
        prefix = draw(st.integers(super_prefix - 2, top))
        cidr = family((base + offset, prefix), strict=False)
        spaces.append(AddressSpace(f"x{index}", Layer.RESERVED, cidr))
    return supernet, requests, spaces


@settings(max_examples=300)
@given(scenarios())
def test_allocations_fit_their_request_inside_the_supernet_clear_of_everything(scenario):
    supernet, requests, spaces = scenario
    try:
        allocations = plan_subnets(supernet, requests, spaces)
    except NetkitError as error:
        # Only a request larger than every free block may fail to fit.
        found = re.fullmatch(
            r"cannot place '(\w+)' .*: (?:the largest free block is /(\d+) .*|no address is free.*)",
            str(error),
        )
        assert found, str(error)
        name, free = found.groups()
        [failed] = [r for r in requests if r.name == name]
        assert free is None or failed.prefix_for(supernet.version) < int(free)
        wanted = sum(
            2 ** (supernet.max_prefixlen - r.prefix_for(supernet.version)) for r in requests
        )
        assert spaces or wanted > supernet.num_addresses, "requests that add up must fit"
        return
    assert [a.name for a in allocations] == [r.name for r in requests]
    for allocation, request in zip(allocations, requests, strict=True):
        assert allocation.request == request
        assert allocation.subnet.prefixlen == request.prefix_for(supernet.version)
        assert allocation.subnet.subnet_of(supernet)
        for other in spaces:
            assert not allocation.subnet.overlaps(other.cidr)
    for i, a in enumerate(allocations):
        for b in allocations[i + 1 :]:
            assert not a.subnet.overlaps(b.subnet)


@settings(max_examples=200)
@given(st.lists(st.integers(16, 24), min_size=1, max_size=30))
def test_requests_that_add_up_to_the_supernet_always_fit_without_reserved_ranges(prefixes):
    assume(sum(2 ** (24 - p) for p in prefixes) <= 2 ** (24 - 16))
    requests = [SubnetRequest(f"r{i}", prefix=p) for i, p in enumerate(prefixes)]
    assert len(plan_subnets("10.0.0.0/16", requests, [])) == len(requests)
