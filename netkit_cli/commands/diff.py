"""`netkit diff`: what changes in allowed connectivity from one set of manifests to another.

    netkit diff manifests/v1 manifests/v2
    netkit diff old.yaml new.yaml --format md -o diff.md
    netkit diff stack:staging stack:prod

Lines say `changed`, `added` or `removed`, with the connections before (old) and after
(new), and whether a workload itself appeared or disappeared. Exit status: 0 when the
connectivity is the same, 1 when it differs, 2 on an error.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from netkit.diff import FORMATS, diff, render_diff
from netkit.sources import Source
from netkit_cli import options
from netkit_cli.commands.connlist import write_output


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="compare the connectivity of two sets of manifests",
        description=(
            "Compare the connections allowed by two sets of Kubernetes manifests: pairs "
            "added, removed, or whose allowed connections changed. Exit status 1 when the "
            "connectivity differs."
        ),
    )
    parser.add_argument(
        "old", metavar="OLD", help="before: a manifest file or folder, or stack:NAME"
    )
    parser.add_argument(
        "new", metavar="NEW", help="after: a manifest file or folder, or stack:NAME"
    )
    options.add_project_dir(parser)
    options.add_format(parser, FORMATS, "txt")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Each side is labelled as the user named it (`stack:prod`, `manifests/v2`).
    old_model = options.LOADER.load(Source.parse(args.old, args.project_dir))
    new_model = options.LOADER.load(Source.parse(args.new, args.project_dir))
    diffs = diff(old_model, new_model)
    write_output(render_diff(diffs, args.format, old=args.old, new=args.new), args.output)
    return 1 if diffs else 0
