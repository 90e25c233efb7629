"""`netkit` command line: one subcommand per module in `netkit_cli.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

import netkit
from netkit.errors import NetkitError

# Each module exposes `register(subparsers)`, which adds its parser and sets
# `handler=<callable(args) -> int>` as a default.
COMMAND_MODULES = (
    "synth",
    "check",
    "connlist",
    "diff",
    "overlap",
    "plan",
    "validate",
    "probe",
    "paths",
)

Handler = Callable[[argparse.Namespace], int]


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage mistake on one line like every other netkit error (argparse
    prints the whole usage block first); the message keeps argparse's valid choices."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"netkit: error: {message}; see `{self.prog} --help`\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="netkit",
        description="Container networking as typed Pulumi components, proven safe before deploy.",
    )
    parser.add_argument("--version", action="version", version=f"netkit {netkit.__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"netkit_cli.commands.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except NetkitError as error:
        # A user mistake: one line that names the value and the fix, no traceback.
        print(f"netkit: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `netkit connlist ... | head`
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
