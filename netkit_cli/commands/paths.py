"""`netkit policy-pack-path` and `netkit component-package-path`: the installed folders
the Pulumi engine runs, for `--policy-pack` and a program's `packages:` in Pulumi.yaml."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from netkit import install


def register(subparsers: Any) -> None:
    for name, folder, help_text in (
        (
            "policy-pack-path",
            install.policy_pack,
            "print the installed policy pack's folder (pulumi preview --policy-pack DIR)",
        ),
        (
            "component-package-path",
            install.component_package,
            "print the installed component package's folder (packages: in Pulumi.yaml)",
        ),
    ):
        parser = subparsers.add_parser(name, help=help_text, description=help_text)
        parser.set_defaults(handler=_printer(folder))


def _printer(folder: Callable[[], Path]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        print(folder())
        return 0

    return run
