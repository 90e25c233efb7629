"""CIDR parsing: every mistake names the value and suggests the fix, in both families."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netkit.cidr import parse_cidr
from netkit.errors import InvalidValue


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10.0.0.1", "the prefix length is missing; did you mean '10.0.0.1/32'?"),
        ("fd00::1", "the prefix length is missing; did you mean 'fd00::1/128'?"),
        ("10.0.0.1/24", "host bits are set; did you mean '10.0.0.0/24'?"),
        ("fd00::1/64", "host bits are set; did you mean 'fd00::/64'?"),
        ("10.0.0.0/33", "prefix must be 0-32"),
        ("fd00::/129", "prefix must be 0-128"),
    ],
)
def test_a_bad_cidr_names_the_field_and_the_fix(text, message):
    with pytest.raises(InvalidValue) as error:
        parse_cidr(text, "bridges[0].subnet")
    assert str(error.value) == f"subnet {text!r} in bridges[0].subnet: {message}"


networks = st.one_of(
    st.builds(
        ipaddress.IPv4Network,
        st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 32)),
        strict=st.just(False),
    ),
    st.builds(
        ipaddress.IPv6Network,
        st.tuples(st.integers(0, 2**128 - 1), st.integers(0, 128)),
        strict=st.just(False),
    ),
)


@given(networks)
def test_every_network_reads_back_as_itself(network):
    assert parse_cidr(str(network)) == network
    assert parse_cidr(f" {network} ") == network
