"""`netkit validate DIR`: rendered manifests against the Kubernetes schemas."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from netkit.validate import DEFAULT_KUBERNETES_VERSION, validate_folder


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="validate rendered manifests against the Kubernetes API schemas",
        description="Validate every manifest under DIR (strict: unknown fields are errors). "
        "Custom resources without a published schema are listed as skipped.",
    )
    parser.add_argument("folder", type=Path, metavar="DIR")
    parser.add_argument("--kubernetes-version", default=DEFAULT_KUBERNETES_VERSION)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    report = validate_folder(args.folder, args.kubernetes_version)
    for line in report.invalid:
        print(f"invalid  {line}")
    for line in report.skipped:
        print(f"skipped  {line}")
    if args.verbose:
        for line in report.valid:
            print(f"valid    {line}")
    print(report.summary())
    return 0 if report.ok else 1
