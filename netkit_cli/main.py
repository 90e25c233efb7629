"""`netkit` command line: one subcommand per module in `netkit_cli.commands`."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import netkit
from netkit import output
from netkit.errors import NetkitError, OutputError, one_line
from netkit_cli.messages import report

# Each module exposes `register(subparsers)`, which adds its parser and sets
# `handler=<callable(args) -> int>` as a default.
COMMAND_MODULES = (
    "synth",
    "check",
    "connlist",
    "diff",
    "why",
    "learn",
    "selects",
    "overlap",
    "plan",
    "validate",
    "probe",
    "preflight",
    "paths",
)

Handler = Callable[[argparse.Namespace], int]


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage mistake on one line like every other netkit error (argparse
    prints the whole usage block first); the message keeps argparse's valid choices."""

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        # argparse drops a '--' it finds among an option's values, so `--deadline=--`
        # would leave the option without its value (and the command would run on []).
        if arg_strings == ["--"] and action.option_strings and action.nargs is None:
            self.error(f"argument {'/'.join(action.option_strings)}: expected one argument")
        return super()._get_values(action, arg_strings)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"netkit: error: {one_line(message)}; see `{self.prog} --help`\n")


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
    with output.guarded_stdout():
        try:
            # Flag values are checked while parsing (netkit_cli.arguments): a bad one is
            # a FlagError, reported below like any other mistake, before any I/O.
            args = parser.parse_args(argv)
            handler: Handler = args.handler
            status = handler(args)
            # What is still buffered is written now, while a failure can be reported.
            output.flush_stdout()
        except NetkitError as error:
            # A user mistake or a failed write: one line that names the value and the
            # fix, no traceback.
            report(error)
            if isinstance(error, OutputError) and error.problems[0].startswith(output.STDOUT):
                output.silence_stdout()
            return 2
        except OSError as error:
            # A file or folder the readers above did not expect to fail (permissions
            # changed under them, an I/O error): still one line.
            where = f"{error.filename}: " if error.filename else ""
            report(NetkitError(f"{where}{error.strerror or error}"))
            return 2
    return status


if __name__ == "__main__":
    raise SystemExit(main())
