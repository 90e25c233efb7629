"""`netkit diff`: what changes in allowed connectivity from one set of manifests to another.

    netkit diff manifests/v1 manifests/v2
    netkit diff old.yaml new.yaml --format md -o diff.md
    netkit diff stack:staging stack:prod
    netkit diff stack:prod stack:staging --focus-workload shop-data/db --allowed-only
    netkit diff manifests/v1 manifests/v2 --exposure  # and who else could reach each workload
    netkit diff --staged manifests/        # what the staged Calico policies would change

Lines say `changed`, `added` or `removed`, with the connections before (old) and after
(new), and whether a workload itself appeared or disappeared. Exit status: 0 when the
connectivity is the same, 1 when it differs, 2 on an error. The focus options narrow
the diff (a workload, the peer at its other end, a direction, a port; lines that allow
something new, or deny something that was allowed); the what-if options add a
hypothetical pod or namespace labels to both sides.
"""

from __future__ import annotations

import argparse
import json

from netkit.diff import FORMATS, ExposureChange, compare, diff, render_diff, render_exposure_diff
from netkit.errors import NetkitError
from netkit.focus import focus_diffs
from netkit.model import NetworkModel
from netkit.reachability import Peer, PeerKind
from netkit.sources import Source
from netkit.staged import has_staged, staged_effect
from netkit_cli import arguments, options, queries
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
        "old",
        type=arguments.side("OLD"),
        metavar="OLD",
        help="before: a manifest file or folder, or stack:NAME",
    )
    parser.add_argument(
        "new",
        type=arguments.side("NEW"),
        metavar="NEW",
        nargs="?",
        help="after: a manifest file or folder, or stack:NAME (not with --staged)",
    )
    parser.add_argument(
        "--staged",
        action="store_true",
        help="compare OLD as enforced with OLD as if its staged Calico policies were "
        "(StagedNetworkPolicy, StagedGlobalNetworkPolicy, StagedKubernetesNetworkPolicy)",
    )
    options.add_project_dir(parser)
    options.add_format(parser, FORMATS, "txt")
    parser.add_argument(
        "-o",
        "--output",
        type=arguments.path("--output"),
        metavar="FILE",
        help="write to FILE instead of stdout",
    )
    parser.add_argument(
        "--exposure",
        action="store_true",
        help="also the exposure change: potential peers (any namespace, namespaces or pods "
        "by label) a workload is newly exposed to, or no longer",
    )
    queries.add_focus(parser, diff=True)
    queries.add_what_if(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Each side is labelled as the user named it (`stack:prod`, `manifests/v2`).
    old_model = queries.apply_what_if(
        options.LOADER.load(Source.parse(args.old, args.project_dir)), args
    )
    changes: list[ExposureChange] = []
    if args.staged:
        if args.new is not None:
            raise NetkitError("--staged compares one source with itself: give OLD only")
        if not has_staged(old_model):
            raise NetkitError(f"{args.old}: no staged policy to compare (Calico's Staged* kinds)")
        if args.exposure:
            raise NetkitError("--exposure compares two sources: give OLD and NEW, not --staged")
        diffs = staged_effect(old_model)
        labels = {"old": f"{args.old} as enforced", "new": f"{args.old} with its staged policies"}
        new_model = old_model
    else:
        if args.new is None:
            raise NetkitError("give OLD and NEW to compare, or --staged with OLD alone")
        new_model = queries.apply_what_if(
            options.LOADER.load(Source.parse(args.new, args.project_dir)), args
        )
        if args.exposure:
            diffs, changes = compare(old_model, new_model)
        else:
            diffs = diff(old_model, new_model)
        labels = {"old": args.old, "new": args.new}
    focus = queries.focus_of(
        args, _peers(old_model, new_model, [d.src for d in diffs] + [d.dst for d in diffs])
    )
    diffs = focus_diffs(diffs, focus)
    text = render_diff(diffs, args.format, **labels)
    if args.exposure:
        changes = [c for c in changes if focus.selects_workload(c.workload, c.direction)]
        exposure_text = render_exposure_diff(changes, args.format)
        if args.format == "json":
            document = {"connectivity": json.loads(text), "exposure": json.loads(exposure_text)}
            text = json.dumps(document, indent=2)
        else:
            text = f"{text}\n\n{exposure_text}"
    write_output(text, args.output)
    return 1 if diffs or changes else 0


def _peers(old: NetworkModel, new: NetworkModel, names: list[str]) -> list[Peer]:
    """The workloads of both sides and the other peers the diff names."""
    found = {
        w.ref: Peer(PeerKind.WORKLOAD, w.ref, workload=w) for w in (*old.workloads, *new.workloads)
    }
    for name in names:
        kind = PeerKind.EXTERNAL if name.endswith("[External]") else PeerKind.INGRESS_CONTROLLER
        found.setdefault(name, Peer(kind, name))
    return [found[name] for name in sorted(found)]
