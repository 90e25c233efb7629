"""The one error a user of the local environment sees: one line, then exit status 1."""

from __future__ import annotations


class EnvError(Exception):
    """A failure the user can act on; its message is the whole line shown."""


class CommandFailed(EnvError):
    """A command exited non-zero: the message carries the command, its status and output."""

    def __init__(self, argv: list[str], status: int, output: str) -> None:
        self.argv = argv
        self.status = status
        self.output = output
        tail = output.strip().splitlines()[-8:]
        shown = "\n  ".join(tail) if tail else "(no output)"
        super().__init__(f"`{' '.join(argv)}` exited {status}:\n  {shown}")
