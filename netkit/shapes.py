"""Checked reads of plain data whose shape a user controls (resource lists, the stack
intent a resource carries): a wrong shape is an `InvalidValue` naming the field and
what was found, never an `AttributeError` or `KeyError` from deep inside a reader."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit.errors import InvalidValue


def describe(value: object) -> str:
    """`a list`, `the string 'x'`, `the number 5`, `null`: what was found instead."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return type(value).__name__


def mapping(value: object, field: str) -> Mapping[str, Any]:
    """`value` as a mapping; None reads as empty."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidValue(f"{field}: expected a mapping, got {describe(value)}")
    return value


def mappings(value: object, field: str) -> list[Mapping[str, Any]]:
    """`value` as a list of mappings; None reads as empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidValue(f"{field}: expected a list, got {describe(value)}")
    return [mapping(item, f"{field}[{index}]") for index, item in enumerate(value)]


def required(entry: Mapping[str, Any], key: str, field: str) -> Any:
    """`entry[key]`, or an error naming the missing field."""
    if entry.get(key) is None:
        raise InvalidValue(f"{field}.{key}: is missing")
    return entry[key]


def integer(value: object, field: str) -> int | None:
    """A whole number (JSON may carry it as 26.0); None when absent."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"{field}: expected a whole number, got {describe(value)}")
    return value
