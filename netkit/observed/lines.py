"""Reading a flow file line by line, with the checks every reader shares."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from netkit.errors import printable
from netkit.observed.flow import FlowFileError, bad_line
from netkit.structured import DocumentProblem, load_json

MAX_LINE = 1 << 20
"""Characters of one line a reader accepts (a flow is a few hundred)."""


def numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line that is not blank, from 1."""
    if not path.is_file():
        raise bad_line(str(path), 0, "file", str(path), "is no regular file; give a flow file")
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, text in enumerate(handle, start=1):
            if len(text) > MAX_LINE:
                raise bad_line(
                    str(path),
                    number,
                    "line",
                    f"{len(text):,} characters",
                    f"is longer than {MAX_LINE:,} characters; a flow file holds one flow a line",
                )
            text = text.strip()
            if text:
                yield number, text


def json_object(text: str, origin: str, line: int, example: str) -> Mapping[str, Any]:
    """The JSON object on one line; anything else is refused naming `example`."""
    try:
        value = load_json(text)
    except (json.JSONDecodeError, DocumentProblem) as error:
        message = error.msg if isinstance(error, json.JSONDecodeError) else error.message
        raise bad_line(
            origin,
            line,
            "line",
            text,
            f"is no JSON ({message}); expected one object a line, like {example}",
        ) from None
    if not isinstance(value, dict):
        raise bad_line(
            origin, line, "line", text, f"is no JSON object; expected one like {example}"
        )
    return value


def field(
    document: Mapping[str, Any], path: str, origin: str, line: int, fix: str, prefix: str = ""
) -> Any:
    """The value at a dotted `path` (named `prefix + path`); a missing one is refused
    with `fix`."""
    value: Any = document
    for step in path.split("."):
        if not isinstance(value, dict) or step not in value:
            raise FlowFileError(f"{printable(origin)}:{line}: {prefix}{path}: missing; {fix}")
        value = value[step]
    return value


def optional(document: Mapping[str, Any], path: str) -> Any:
    value: Any = document
    for step in path.split("."):
        if not isinstance(value, dict) or step not in value:
            return None
        value = value[step]
    return value


def address(value: object, origin: str, line: int, name: str) -> str:
    """A normalised IP address."""
    try:
        return str(ipaddress.ip_address(str(value).strip("[]")))
    except ValueError:
        raise bad_line(
            origin,
            line,
            name,
            value,
            "is no IP address; expected one like '10.244.0.5' or 'fd00::5'",
        ) from None


def port(value: object, origin: str, line: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise bad_line(origin, line, name, value, "is no port; expected a number 0-65535")
    try:
        number = int(value)
    except ValueError:
        raise bad_line(origin, line, name, value, "is no port; expected a number 0-65535") from None
    if not 0 <= number <= 65535:
        raise bad_line(origin, line, name, value, "is out of range; a port is 0-65535")
    return number


def text(value: object, origin: str, line: int, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise bad_line(origin, line, name, value, "is no string; expected a name")
    return value


def rfc3339(value: object, origin: str, line: int, name: str) -> datetime:
    """An RFC 3339 time (`2024-05-01T10:00:00.123456789Z`); nanoseconds are cut to
    microseconds."""
    if isinstance(value, str):
        head, dot, tail = value.partition(".")
        if dot:  # more than six digits of a second: keep six, and the zone after them
            digits = len(tail) - len(tail.lstrip("0123456789"))
            value = f"{head}.{tail[: min(digits, 6)]}{tail[digits:]}"
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise bad_line(
        origin, line, name, value, "is no RFC 3339 time; expected one like '2024-05-01T10:00:00Z'"
    )


def epoch(
    value: object, origin: str, line: int, name: str, *, nanoseconds: bool = False
) -> datetime:
    """Seconds (or nanoseconds) since 1970 as a UTC time."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise bad_line(origin, line, name, value, "is no time; expected seconds since 1970")
    try:
        number = float(value)
        if nanoseconds:
            number /= 1e9
        return datetime.fromtimestamp(number, tz=UTC)
    except (ValueError, OverflowError, OSError):
        unit = "nanoseconds" if nanoseconds else "seconds"
        raise bad_line(
            origin, line, name, value, f"is no time; expected {unit} since 1970"
        ) from None


def protocol(value: object, origin: str, line: int, name: str) -> str:
    """`TCP`, `UDP`, `SCTP`, `ICMP`, from a name or an IANA number."""
    numbers = {"6": "TCP", "17": "UDP", "132": "SCTP", "1": "ICMP", "58": "ICMPV6"}
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value:
        upper = value.upper()
        if upper in numbers:
            return numbers[upper]
        if upper.isalnum():
            return upper
    raise bad_line(origin, line, name, value, "is no protocol; expected one like 'tcp', 'udp' or 6")
