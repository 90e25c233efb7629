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
from netkit.manifests import load_manifests
from netkit.model import NetworkModel
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
    parser.add_argument("--format", choices=FORMATS, default="txt", help="default: txt")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout"
    )
    parser.set_defaults(handler=run)


STACK_PREFIX = "stack:"


def load_side(source: str) -> tuple[str, NetworkModel]:
    """A label and a model for one side of the diff: manifests, or `stack:NAME`.

    The single place that turns an argument into a model, so the diff itself does not
    care where a side came from.
    """
    if source.startswith(STACK_PREFIX):
        from netkit_cli.synth import model_for_stack  # runs the program: only when asked

        return source, model_for_stack(source[len(STACK_PREFIX) :])
    return source, load_manifests([Path(source)])


def run(args: argparse.Namespace) -> int:
    old_label, old_model = load_side(args.old)
    new_label, new_model = load_side(args.new)
    diffs = diff(old_model, new_model)
    write_output(render_diff(diffs, args.format, old=old_label, new=new_label), args.output)
    return 1 if diffs else 0
