"""A learned file: what `netkit learn --format json` wrote, read back for the policy pack.

The pack's `k8s-connection-disallow-unused` rule reads the window and the `used` list
of such a file and flags every declared connection of the stack that is not in it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from netkit.documents import read_text
from netkit.errors import InvalidValue, shown
from netkit.structured import DocumentProblem, load_json

_DURATION = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(value: object) -> timedelta:
    """`30m`, `24h`, `7d`, `2w` as a duration."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidValue(
            f"window {shown(value)}: expected a number and a unit (s, m, h, d, w), like '7d'"
        )
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


@dataclass(frozen=True)
class Learned:
    """The window a learned file covers and the declared connections it saw used."""

    start: datetime
    end: datetime
    used: frozenset[tuple[str, str, str, str]]
    """(src, dst, port, protocol) of each used item, as the report writes them."""

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def read_learned(path: Path) -> Learned:
    """The window and used items of a `netkit learn --format json` file."""
    where = f"learned file {path}"
    text = read_text(path, InvalidValue, where)
    try:
        document = load_json(text)
    except (json.JSONDecodeError, DocumentProblem) as error:
        raise InvalidValue(
            f"{where}: no JSON ({error}); write it with `netkit learn --format json`"
        ) from None
    window = document.get("window") if isinstance(document, dict) else None
    used = document.get("used") if isinstance(document, dict) else None
    if not isinstance(window, dict) or not isinstance(used, list):
        raise InvalidValue(
            f"{where}: expected `netkit learn --format json` output with 'window' and 'used' "
            "(a file learned from no flows has no window: learn over a window with traffic)"
        )
    try:
        start = datetime.fromisoformat(str(window.get("start")))
        end = datetime.fromisoformat(str(window.get("end")))
    except ValueError:
        raise InvalidValue(
            f"{where}: window {shown(window)}: expected ISO 8601 start and end"
        ) from None
    items = set()
    for index, item in enumerate(used):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("src", "dst", "port", "protocol")
        ):
            raise InvalidValue(
                f"{where}: used[{index}]: {shown(item)}: expected {{src, dst, port, protocol}} strings"
            )
        items.add((item["src"], item["dst"], item["port"], item["protocol"]))
    return Learned(start, end, frozenset(items))
