"""argparse `type=` functions: every flag's value is checked while the command line is
parsed, before anything is read, connected to or written.

Each raises `FlagError`, a `NetkitError` that is deliberately not a `ValueError`: argparse
would turn a `ValueError` into its own "invalid value" wording, whereas this one reaches
`netkit_cli.main` as it is and is printed as every netkit error is, one line naming the
flag, the value and the fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from netkit import names
from netkit.cidr import parse_cidr
from netkit.digits import decimal
from netkit.errors import NetkitError, shown
from netkit.model import AddressSpace, IPNetwork
from netkit.planner import SubnetRequest, parse_reserved
from netkit.sources import STACK_PREFIX

T = TypeVar("T")

MAX_COUNT = 10_000_000
"""The largest count a flag takes: far beyond any real use, well inside memory."""
MAX_SECONDS = 7 * 24 * 3600.0
"""The longest duration a flag takes: a week."""
_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")


class FlagError(NetkitError):
    """A flag's value is not one the command can use."""


def checked(flag: str, parse: Callable[[str], T]) -> Callable[[str], T]:
    """`parse` as an argparse type for `flag`: its `NetkitError`s become `FlagError`s."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except FlagError:
            raise
        except NetkitError as error:
            raise FlagError(*error.problems) from None

    convert.__name__ = flag  # argparse names the type in some of its own messages
    return convert


def count(flag: str, minimum: int = 1, maximum: int = MAX_COUNT) -> Callable[[str], int]:
    """A whole number of ASCII digits in `minimum`..`maximum`."""

    def parse(text: str) -> int:
        number = decimal(text, max_digits=len(str(maximum)))
        if number is None or not minimum <= number <= maximum:
            raise FlagError(
                f"{flag} {shown(text)}: expected a whole number from {minimum:,} to {maximum:,}"
            )
        return number

    return checked(flag, parse)


def seconds(flag: str, maximum: float = MAX_SECONDS) -> Callable[[str], float]:
    """A finite, positive number of seconds, at most `maximum` (`nan`, `inf`, `0`, `-5`
    and `1e400` are refused)."""

    def parse(text: str) -> float:
        try:
            value = float(text) if text.isascii() else math.nan
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and 0 < value <= maximum):
            raise FlagError(
                f"{flag} {shown(text)}: expected a number of seconds above 0 and at most "
                f"{maximum:,.0f}, like 900"
            )
        return value

    return checked(flag, parse)


def text(flag: str, what: str = "a value") -> Callable[[str], str]:
    """A non-empty value without line breaks or other unprintable characters."""

    def parse(value: str) -> str:
        if not value or not value.isprintable() or value != value.strip():
            raise FlagError(
                f"{flag} {shown(value)}: expected {what}, without surrounding spaces or "
                "unprintable characters"
            )
        return value

    return checked(flag, parse)


def path(flag: str) -> Callable[[str], Path]:
    """A non-empty path (whether it exists is checked where it is read or written)."""

    def parse(value: str) -> Path:
        if not value or "\0" in value:
            raise FlagError(f"{flag} {shown(value)}: expected a file or folder name")
        return Path(value)

    return checked(flag, parse)


def side(flag: str) -> Callable[[str], str]:
    """One side of a comparison: `stack:NAME`, or a file or folder."""
    name_of = stack_name(flag)
    as_path = path(flag)

    def parse(value: str) -> str:
        if value.startswith(STACK_PREFIX):
            name_of(value[len(STACK_PREFIX) :])
        else:
            as_path(value)
        return value

    return checked(flag, parse)


def stack_name(flag: str = "--stack") -> Callable[[str], str]:
    """A Pulumi stack name, optionally qualified as `org/stack` or `org/project/stack`."""

    def parse(value: str) -> str:
        parts = value.split("/")
        if len(parts) > 3 or not all(_STACK_NAME.fullmatch(part) for part in parts):
            raise FlagError(
                f"{flag} {shown(value)}: a stack name is letters, digits, '-', '_' or '.' "
                "(at most 100), optionally as org/stack or org/project/stack"
            )
        return value

    return checked(flag, parse)


def dns_label(flag: str) -> Callable[[str], str]:
    """A Kubernetes namespace name (a DNS-1123 label)."""
    return checked(flag, lambda value: names.dns_label(value, flag))


def cidr(flag: str) -> Callable[[str], IPNetwork]:
    """A CIDR such as 10.20.0.0/16 (host bits clear)."""
    return checked(flag, lambda value: parse_cidr(value, field=flag))


def reserved(flag: str) -> Callable[[str], AddressSpace]:
    """`NAME=CIDR`, a range to keep free."""
    return checked(flag, lambda value: parse_reserved(value, flag))


def subnet_request(flag: str) -> Callable[[str], SubnetRequest]:
    """`NAME=/PREFIX` or `NAME=HOSTS`."""
    return checked(flag, lambda value: SubnetRequest.parse(value, field=flag))
