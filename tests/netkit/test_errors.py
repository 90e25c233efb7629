"""A message is one line of bounded length, whatever the value it shows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from netkit.errors import MAX_LINE, MAX_SHOWN, NetkitError, one_line, shown

texts = st.text(max_size=50) | st.integers(0, 5000).flatmap(
    lambda n: st.sampled_from(["a", " ", "\n", "\r\n", "\u2028", "\x85", "é", "\x00"]).map(
        lambda c: c * n
    )
)


@given(st.lists(texts, max_size=5).map("".join))
def test_one_line_is_one_line_of_bounded_length(text):
    line = one_line(text)

    assert len(line.splitlines()) <= 1
    assert len(line) <= MAX_LINE + 60


@given(st.text(min_size=MAX_SHOWN + 1, max_size=5000) | st.lists(st.integers(), min_size=100))
def test_a_long_value_is_shown_cut_with_its_length(value):
    text = shown(value)

    assert len(text) <= MAX_SHOWN + 30
    assert text.endswith(f"({len(value):,} {'characters' if isinstance(value, str) else 'items'})")


@given(st.text(max_size=MAX_SHOWN - 5))
def test_a_short_value_is_shown_as_its_repr(value):
    if len(repr(value)) <= MAX_SHOWN:
        assert shown(value) == repr(value)


def test_an_error_keeps_each_problem_as_given():
    error = NetkitError("first", "second")

    assert error.problems == ("first", "second")
    assert str(error) == "first\nsecond"
