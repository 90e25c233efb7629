"""`netkit validate DIR`: rendered manifests against the Kubernetes schemas."""

from __future__ import annotations

import argparse
from typing import Any

from netkit.errors import one_line
from netkit.validate import DEFAULT_KUBERNETES_VERSION, schema_version, validate_folder
from netkit_cli import arguments


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="validate rendered manifests against the Kubernetes API schemas",
        description="Validate every manifest under DIR (strict: unknown fields are errors). "
        "Custom resources without a published schema are listed as skipped.",
    )
    parser.add_argument("folder", type=arguments.path("DIR"), metavar="DIR")
    parser.add_argument(
        "--kubernetes-version",
        type=arguments.checked("--kubernetes-version", schema_version),
        default=DEFAULT_KUBERNETES_VERSION,
        help=f"the schemas to validate against (default: {DEFAULT_KUBERNETES_VERSION})",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list every object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    report = validate_folder(args.folder, args.kubernetes_version)
    # A verdict names the object and, for an invalid one, the schema's message, which may
    # quote a value: each stays one bounded line.
    for line in report.invalid:
        print(f"invalid  {one_line(line)}")
    for line in report.skipped:
        print(f"skipped  {one_line(line)}")
    if args.verbose:
        for line in report.valid:
            print(f"valid    {one_line(line)}")
    print(report.summary())
    return 0 if report.ok else 1
