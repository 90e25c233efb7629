"""User-facing errors, and how a value or a message is shown on one bounded line.

Every mistake a user can make (a bad CIDR, an unknown config key, a malformed manifest)
raises a subclass of `NetkitError`. The CLI prints each of its `problems` on one line
(`one_line`) and exits 2; no traceback is shown for these. Messages name where the value
came from, the value (`shown`, a bounded `!r`) and the fix.
"""

from __future__ import annotations

MAX_SHOWN = 200
"""Characters of a value a message shows; a longer one is cut (`shown`)."""
MAX_TOKEN = 200
"""A run of characters without a space longer than this is cut on output (`one_line`)."""
MAX_LINE = 2000
"""Characters of one output line; the middle of a longer one is cut (`one_line`)."""


class NetkitError(Exception):
    """Base of every error caused by user input rather than by a bug.

    `problems` are the mistakes found, each one line of output (a stack file may hold
    several); `str()` joins them with line breaks."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems: tuple[str, ...] = problems or ("",)


class InvalidValue(NetkitError, ValueError):
    """A single value is malformed (CIDR, port, label, name)."""


class InvalidStackConfig(NetkitError, ValueError):
    """A `Pulumi.<stack>.yaml` file does not describe a valid stack."""


class ManifestError(NetkitError, ValueError):
    """A Kubernetes manifest cannot be read into the model."""


class OutputError(NetkitError):
    """Output could not be written (a full disk, a closed pipe, a path that is a folder)."""


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """`repr(value)` for a message, cut to about `limit` characters: a longer one ends in
    an ellipsis and the value's length, so a megabyte value costs a message a few
    hundred characters, not a megabyte."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = len(value) if isinstance(value, str | bytes | list | tuple | dict) else len(text)
    unit = "characters" if isinstance(value, str) else "bytes" if isinstance(value, bytes) else ""
    unit = unit or ("items" if isinstance(value, list | tuple | dict) else "characters")
    return f"{text[: max(limit - 30, 20)]}… ({size:,} {unit})"


def printable(text: str, limit: int = MAX_SHOWN) -> str:
    """`text` as it may stand inside a message: unprintable characters escaped, and cut
    as `shown` cuts a value (for names that identify an object in a message)."""
    escaped = _escaped(text)
    if len(escaped) <= limit:
        return escaped
    return f"{escaped[: max(limit - 30, 20)]}… ({len(text):,} characters)"


def _escaped(text: str) -> str:
    """`text` with every character that is not printable written as an escape, so that no
    line break (nor a character a terminal or `str.splitlines` breaks on) survives."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() or char == " " else repr(char)[1:-1] for char in text)


def _cut_long_runs(text: str) -> str:
    parts = text.split(" ")
    if all(len(part) <= MAX_TOKEN for part in parts):
        return text
    return " ".join(
        part if len(part) <= MAX_TOKEN else f"{part[: MAX_TOKEN // 2]}… ({len(part):,} characters)"
        for part in parts
    )


def one_line(text: str) -> str:
    """`text` as one output line of bounded length: unprintable characters (line breaks
    among them) escaped, a run of more than `MAX_TOKEN` characters without a space cut
    with its length, and a line still longer than `MAX_LINE` cut in the middle."""
    line = _cut_long_runs(_escaped(text))
    if len(line) <= MAX_LINE:
        return line
    head, tail = line[: MAX_LINE * 2 // 3], line[-(MAX_LINE // 4) :]
    return f"{head}… ({len(line) - len(head) - len(tail):,} characters cut) …{tail}"
