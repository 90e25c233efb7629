"""What the command line says on standard error: notes and errors, one bounded line each."""

from __future__ import annotations

import sys

from netkit.errors import NetkitError, one_line


def note(text: str) -> None:
    """`netkit: note: TEXT`, on one line of bounded length."""
    print(f"netkit: note: {one_line(text)}", file=sys.stderr)


def report(error: NetkitError, program: str = "netkit") -> None:
    """Each problem of `error` as `PROGRAM: error: ...`, on a line of its own."""
    for problem in error.problems:
        print(f"{program}: error: {one_line(problem)}", file=sys.stderr)
