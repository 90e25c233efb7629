"""Writing what a command prints: standard output, a file (`-o FILE`), a job summary.

A write can fail for reasons that are the user's environment, not a bug: a full disk
(`> file` on a full filesystem, `> /dev/full`), a reader that closed the pipe early, a
folder or a missing folder where a file was expected. Each becomes an `OutputError`
naming the output and the reason, which the command line prints as one line (exit 2),
never a traceback nor Python's "Exception ignored" notice at exit.

`guarded_stdout()` covers every `print` of a command: inside it, `sys.stdout` turns an
`OSError` into an `OutputError`; `flush_stdout()` forces what is buffered out while the
error can still be reported.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from netkit.errors import OutputError

__all__ = ["STDOUT", "flush_stdout", "guarded_stdout", "silence_stdout", "write_text"]

STDOUT = "standard output"


def _reason(where: str, error: OSError) -> str:
    if error.errno == errno.EPIPE:
        return (
            f"{where}: the reading end of the pipe closed before all output was written "
            "(Broken pipe); the output is incomplete"
        )
    if error.errno == errno.ENOSPC:
        return f"{where}: cannot write: no space left on the device; free some and run again"
    if error.errno == errno.EISDIR:
        return f"{where}: is a folder; give a file name"
    if error.errno == errno.ENOENT:
        return f"{where}: cannot write: its folder does not exist"
    reason = error.strerror or type(error).__name__
    return f"{where}: cannot write: {reason}"


class _GuardedStream:
    """A text stream whose write and flush failures are `OutputError`s."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as error:
            raise OutputError(_reason(STDOUT, error)) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            raise OutputError(_reason(STDOUT, error)) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def guarded_stdout() -> Iterator[None]:
    """`sys.stdout` raises `OutputError` instead of `OSError` inside the block."""
    original = sys.stdout
    sys.stdout = _GuardedStream(original)  # type: ignore[assignment,unused-ignore]
    try:
        yield
    finally:
        sys.stdout = original


def flush_stdout() -> None:
    """Write out what `sys.stdout` buffers; a failure is an `OutputError`."""
    try:
        sys.stdout.flush()
    except OSError as error:
        raise OutputError(_reason(STDOUT, error)) from None


def silence_stdout() -> None:
    """After standard output failed: point its descriptor at the null device, so that
    the interpreter's own flush at exit finds nothing to fail on. A stream without a
    descriptor (a test's capture) is left alone."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else None
        if fd is None:
            return
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)


def write_text(text: str, path: Path | None = None, *, append: bool = False) -> None:
    """`text` to `path` (replaced, or appended to with `append`), or to standard output
    when `path` is None; any failure is an `OutputError` naming where."""
    if path is None:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except OSError as error:
            raise OutputError(_reason(STDOUT, error)) from None
        return
    try:
        with path.open("a" if append else "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as error:
        raise OutputError(_reason(str(path), error)) from None
