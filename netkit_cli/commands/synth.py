"""`netkit synth --stack NAME`: every resource the program declares, offline."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from netkit_cli import options

if TYPE_CHECKING:
    from netkit_cli.synth import ResourceRecord


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "synth",
        help="run the Pulumi program under mocks and print the resources it declares",
        description="Run the Pulumi program offline (no engine, no providers) with the "
        "configuration of Pulumi.<stack>.yaml and print every resource it would declare.",
    )
    options.add_stack(parser, "stack name (reads Pulumi.<stack>.yaml)", required=True)
    options.add_format(parser, ("json", "table"), "table")
    parser.set_defaults(handler=run)


def _short_parent(record: ResourceRecord) -> str:
    return record.parent.rsplit("::", 1)[-1] if record.parent else ""


def render_table(records: list[ResourceRecord]) -> str:
    rows = [("TYPE", "NAME", "PARENT")] + [(r.type, r.name, _short_parent(r)) for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"{t:<{widths[0]}}  {n:<{widths[1]}}  {p}".rstrip() for t, n, p in rows]
    lines.append(f"{len(records)} resources")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    # Imported here: the program and Pulumi's runtime are only loaded when synthesizing,
    # which keeps every other command's start-up fast.
    from netkit_cli.synth import synthesize

    records = synthesize(args.stack, args.project_dir)
    if args.format == "json":
        print(json.dumps([r.to_json() for r in records], indent=2, sort_keys=True))
    else:
        print(render_table(records))
    return 0
