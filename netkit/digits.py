"""Numbers written as text, read only from the ASCII digits 0-9.

`str.isdigit()` is also true for '²' (superscript two) or '٣' (Arabic-Indic three):
`int()` then refuses the first (a traceback where the user deserved a message) and reads
the second as a number the user never wrote. Every number netkit reads from text goes through `decimal`.
"""

from __future__ import annotations

MAX_DIGITS = 18
"""Longer runs of digits are no port, prefix or count netkit reads (and Python refuses
`int()` on more than 4300)."""


def decimal(text: str, max_digits: int = MAX_DIGITS) -> int | None:
    """The value of `text` when it is 1 to `max_digits` ASCII digits, else None."""
    if not text or len(text) > max_digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)
