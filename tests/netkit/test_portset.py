"""ConnectionSet: a normalized set of (protocol, port) pairs and its connlist notation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netkit.errors import InvalidValue
from netkit.portset import MAX_PORT, PROTOCOLS, ConnectionSet

SMALL = 12  # brute force over ports 1..SMALL of each protocol (plus the full range)

intervals = st.tuples(st.integers(1, SMALL), st.integers(1, SMALL)).map(lambda t: (min(t), max(t)))
connection_sets = st.dictionaries(
    st.sampled_from(PROTOCOLS), st.lists(intervals, max_size=4), max_size=3
).map(ConnectionSet)


def members(conns: ConnectionSet) -> set[tuple[str, int]]:
    """The set as plain (protocol, port) pairs, read through the public queries only."""
    return {(p, port) for p in PROTOCOLS for port in range(1, SMALL + 1) if conns.allows(p, port)}


@given(connection_sets, connection_sets)
def test_union_intersection_and_difference_agree_with_plain_sets(a, b):
    assert members(a | b) == members(a) | members(b)
    assert members(a & b) == members(a) & members(b)
    assert members(a - b) == members(a) - members(b)


@given(connection_sets, connection_sets, connection_sets)
def test_the_algebra_laws_hold(a, b, c):
    assert a | b == b | a
    assert a & b == b & a
    assert (a | b) | c == a | (b | c)
    assert a & (b | c) == (a & b) | (a & c)
    assert (a - b) | (a & b) == a
    assert (a - b) & b == ConnectionSet.none()
    assert a | ConnectionSet.none() == a
    assert a & ConnectionSet.all() == a
    assert ConnectionSet.all() - (ConnectionSet.all() - a) == a


@given(connection_sets, connection_sets)
def test_equal_sets_are_equal_and_hash_alike_however_built(a, b):
    rebuilt = (a | b) - (b - a)
    assert rebuilt == a
    assert hash(rebuilt) == hash(a)
    assert (members(a) == members(b)) == (a == b)


@given(connection_sets)
def test_the_notation_parses_back_to_the_same_set(a):
    assert ConnectionSet.parse(str(a)) == a


def test_emptiness_and_fullness_are_reported():
    assert ConnectionSet.none().is_empty
    assert not ConnectionSet.none()
    assert ConnectionSet.all().is_all
    assert not ConnectionSet.protocol("TCP").is_all
    every_port = (
        ConnectionSet.protocol("TCP")
        | ConnectionSet.protocol("UDP")
        | ConnectionSet.protocol("SCTP")
    )
    # Every port is not every connection: ICMP is left. netpol-analyzer's notation has no
    # ICMP, so it still says All Connections; the full notation says what is missing.
    assert not every_port.is_all and str(every_port) == "All Connections"
    assert every_port.text(icmp=True) == "SCTP 1-65535,TCP 1-65535,UDP 1-65535"
    everything = every_port | ConnectionSet.icmp()
    assert everything.is_all and everything == ConnectionSet.all()


def test_all_connections_and_no_connections_print_as_netpol_analyzer_does():
    assert str(ConnectionSet.all()) == "All Connections"
    assert str(ConnectionSet.none()) == "No Connections"


def test_groups_print_sorted_by_protocol_with_merged_ranges():
    conns = (
        ConnectionSet.ports("UDP", 10053)
        | ConnectionSet.ports("TCP", 10054)
        | ConnectionSet.ports("TCP", 10053)
    )
    assert str(conns) == "TCP 10053-10054,UDP 10053"
    mixed = (
        ConnectionSet.ports("TCP", 8080, 8081)
        | ConnectionSet.ports("SCTP", 7070)
        | ConnectionSet.ports("UDP", 9090)
    )
    assert str(mixed) == "SCTP 7070,TCP 8080-8081,UDP 9090"


def test_every_port_of_one_protocol_prints_as_the_full_range():
    assert str(ConnectionSet.protocol("TCP")) == f"TCP 1-{MAX_PORT}"


def test_separate_ports_print_comma_separated_within_their_protocol():
    conns = ConnectionSet.ports("SCTP", 9090) | ConnectionSet.ports("SCTP", 8956)
    assert str(conns) == "SCTP 8956,9090"


def test_membership_reads_protocol_and_port():
    conns = ConnectionSet.ports("TCP", 80, 90)
    assert ("TCP", 85) in conns
    assert ("tcp", 85) in conns
    assert ("UDP", 85) not in conns
    assert ("TCP", 91) not in conns
    assert list(conns) == [("TCP", (80, 90))]
    assert conns.ranges("TCP") == ((80, 90),)
    assert conns.protocols() == ("TCP",)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ConnectionSet.ports("TCP", 0), "port 0: ports are 1-65535"),
        (lambda: ConnectionSet.ports("TCP", 70000), "port 70000: ports are 1-65535"),
        (
            lambda: ConnectionSet.ports("TCP", 90, 80),
            "port range 90-80: the end is before the start",
        ),
        (lambda: ConnectionSet.protocol("ICMP"), "protocol 'ICMP': expected one of TCP, UDP, SCTP"),
        (
            lambda: ConnectionSet.parse("HTTP 80"),
            "connections 'HTTP 80': expected 'All Connections' or 'TCP 80,UDP 53'",
        ),
    ],
)
def test_bad_values_are_refused_with_the_value_in_the_message(build, message):
    with pytest.raises(InvalidValue) as error:
        build()
    assert str(error.value) == message


def _icmp_union(pairs: list[tuple[int, int | None]]) -> ConnectionSet:
    result = ConnectionSet.none()
    for kind, code in pairs:
        result |= ConnectionSet.icmp(kind, code)
    return result


icmp_sets = st.lists(
    st.tuples(st.integers(0, 255), st.none() | st.integers(0, 255)), max_size=4
).map(_icmp_union)


@given(connection_sets, icmp_sets)
def test_the_full_notation_parses_back_to_the_same_set_with_its_icmp_messages(ports, icmp):
    conns = ports | icmp
    assert ConnectionSet.parse(conns.text(icmp=True)) == conns


@given(icmp_sets, icmp_sets)
def test_icmp_messages_follow_the_set_algebra(a, b):
    def held(conns: ConnectionSet) -> set[tuple[int, int]]:
        return {(t, c) for t in (0, 3, 8, 255) for c in (0, 1, 255) if conns.allows_icmp(t, c)}

    assert held(a | b) == held(a) | held(b)
    assert held(a & b) == held(a) & held(b)
    assert held(a - b) == held(a) - held(b)


def test_icmp_prints_as_types_and_type_code_pairs_only_in_the_full_notation():
    conns = (
        ConnectionSet.icmp(8)
        | ConnectionSet.icmp(3, 1)
        | ConnectionSet.icmp(3, 2)
        | ConnectionSet.ports("TCP", 80)
    )
    assert conns.text(icmp=True) == "ICMP 3:1-2,8,TCP 80"
    assert str(conns) == "TCP 80"  # netpol-analyzer's notation: ports only
    assert ConnectionSet.icmp().text(icmp=True) == "ICMP"
    assert str(ConnectionSet.icmp()) == "No Connections"
    assert (
        (ConnectionSet.all() - ConnectionSet.icmp(8))
        .text(icmp=True)
        .startswith("ICMP 0-7,9-255,SCTP 1-65535")
    )


def test_a_rule_without_ports_holds_icmp_and_one_with_ports_does_not():
    assert ConnectionSet.all().allows_icmp(8, 0)
    assert not ConnectionSet.ports("TCP", 80).allows_icmp(8, 0)
    assert ConnectionSet.all().ports_only == ConnectionSet.all() - ConnectionSet.icmp()


def test_icmp_types_and_codes_outside_0_255_are_refused():
    with pytest.raises(InvalidValue, match="ICMP type 256"):
        ConnectionSet.icmp(256)
    with pytest.raises(InvalidValue, match="ICMP code -1"):
        ConnectionSet.icmp(3, -1)
