"""Numbers in text are read from ASCII digits only: never a traceback, never a number the
user did not write."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netkit.cidr import parse_cidr
from netkit.digits import decimal
from netkit.errors import InvalidValue
from netkit.planner import SubnetRequest
from netkit.ports import parse_port_spec
from netkit.portset import ConnectionSet

# Characters str.isdigit() accepts that are not 0-9: int() refuses the first, reads the
# others as digits of another script.
NON_ASCII_DIGITS = ["\u00b2", "\u0663", "\uff15", "\u07c1"]  # ² ٣ fullwidth-5 NKo-1


@given(st.text(max_size=25))
def test_decimal_is_int_of_ascii_digits_and_none_otherwise(text):
    value = decimal(text)
    if text and len(text) <= 18 and all("0" <= c <= "9" for c in text):
        assert value == int(text)
    else:
        assert value is None


@pytest.mark.parametrize("digit", NON_ASCII_DIGITS)
def test_a_prefix_of_other_digits_is_refused_with_the_range(digit):
    with pytest.raises(InvalidValue, match=r"prefix must be 0-32"):
        parse_cidr(f"10.0.0.0/{digit}")


@pytest.mark.parametrize("digit", NON_ASCII_DIGITS)
def test_a_port_of_other_digits_is_refused(digit):
    with pytest.raises(InvalidValue, match=r"expected a port number 1-65535"):
        parse_port_spec(f"8{digit}")


@pytest.mark.parametrize("digit", NON_ASCII_DIGITS)
def test_a_subnet_request_of_other_digits_is_refused(digit):
    with pytest.raises(InvalidValue, match=r"is not a prefix or a number"):
        SubnetRequest.parse(f"web=/{digit}")


def test_a_connection_range_of_other_digits_is_refused():
    with pytest.raises(InvalidValue, match=r"is not a port or range"):
        ConnectionSet.parse("TCP 8²")


def test_a_prefix_of_five_thousand_digits_is_refused_not_converted():
    with pytest.raises(InvalidValue, match=r"prefix must be 0-32"):
        parse_cidr("10.0.0.0/" + "1" * 5000)
