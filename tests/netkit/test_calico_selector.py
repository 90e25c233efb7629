"""Calico's selector language: parsed as Calico parses it, refused with the column."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netkit.calico_selector import SelectorError, parse

KEYS = ("app", "tier", "projectcalico.org/namespace")
VALUES = ("a", "b", "")
labels = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=3)


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> tuple[str, object]:
    """(Calico text, a Python function of the labels that reads the same)."""
    if depth < 2 and draw(st.booleans()):
        (left, lf), (right, rf) = draw(expressions(depth + 1)), draw(expressions(depth + 1))
        if draw(st.booleans()):
            return f"({left}) && ({right})", lambda m: lf(m) and rf(m)  # type: ignore[operator]
        return f"({left}) || ({right})", lambda m: lf(m) or rf(m)  # type: ignore[operator]
    key, value = draw(st.sampled_from(KEYS)), draw(st.sampled_from(VALUES))
    quote = draw(st.sampled_from(["'", '"']))
    shape = draw(st.integers(0, 8))
    if shape == 0:
        return f"{key} == {quote}{value}{quote}", lambda m: m.get(key) == value
    if shape == 1:
        return f"{key} != {quote}{value}{quote}", lambda m: m.get(key) != value
    if shape == 2:
        return f"{key} in {{'{value}', 'b'}}", lambda m: m.get(key) in (value, "b")
    if shape == 3:
        return f"{key} not in {{'{value}'}}", lambda m: m.get(key) != value
    if shape == 4:
        return f"has({key})", lambda m: key in m
    if shape == 5:
        return f"!has( {key} )", lambda m: key not in m
    if shape == 6:
        return f"{key} starts with '{value}'", lambda m: key in m and m[key].startswith(value)
    if shape == 7:
        return "all()", lambda m: True
    inner, f = draw(expressions(depth + 1)) if depth < 2 else ("all()", lambda m: True)
    return f"!({inner})", lambda m: not f(m)  # type: ignore[operator]


@given(expressions(), labels)
def test_a_selector_matches_exactly_the_labels_its_reading_says(expression, values):
    text, reading = expression
    assert parse(text).matches(values) == reading(values)


@given(expressions())
def test_the_keys_of_a_selector_are_the_labels_it_names(expression):
    text, _ = expression
    assert parse(text).keys <= set(KEYS)


def test_an_empty_selector_is_all_and_global_is_marked():
    assert parse("").is_all and parse("  ").is_all and parse("all()").is_all
    assert parse("global()").is_global
    assert parse("k != 'v'").matches({})  # != and not in also take labels that are absent
    assert parse("k not in {'v'}").matches({})
    assert not parse("k == 'v'").matches({})


def test_and_binds_tighter_than_or():
    selector = parse("a == 'x' || b == 'x' && c == 'x'")
    assert selector.matches({"a": "x"})
    assert not selector.matches({"b": "x"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a = 'b'", "expected == at column 3"),
        ("a == b", "expected a quoted string at column 6, found 'b'"),
        ("a == 'b", "unterminated string at column 6"),
        ("has(", "no label name in has( at column 1"),
        ("a == 'x' &&", "expected a label, has(), all(), '!' or '(' at column 12, found the end"),
        ("(a == 'x'", "expected ')' at column 10, found the end"),
        ("a in {'x'", "expected '}' closing the set at column 10, found the end"),
        ("a == 'x' b", "expected '&&', '||' or the end at column 10, found 'b'"),
        ("a @ 'x'", "expected an operator"),
    ],
)
def test_a_selector_calico_refuses_is_refused_naming_the_column(text, message):
    with pytest.raises(SelectorError) as error:
        parse(text)
    assert message in str(error.value)
