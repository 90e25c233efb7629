"""`netkit connlist`: list the connections NetworkPolicies allow between workloads.

    netkit connlist manifests/                       # txt, the netpol-analyzer format
    netkit connlist manifests/ --format md -o conns.md
    netkit connlist manifests/ --explain             # name the policy rules behind each line
    netkit connlist --stack dev --format svg -o dev.svg
    netkit connlist --kubeconfig ~/.kube/config      # a running cluster, as it is now

Each line is `SRC => DST : CONNECTIONS`; sources and destinations are workloads
(`namespace/name[Kind]`), external address ranges (`FIRST-LAST[External]`) and the
`{ingress-controller}`. With --explain, pairs that a policy denies are listed too, as
`No Connections`, each followed by the policies that isolate them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from netkit.connlist import FORMATS, Row, render
from netkit.errors import NetkitError
from netkit.reachability import analyze
from netkit_cli import options


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "connlist",
        help="list the connections NetworkPolicies allow between workloads",
        description=(
            "List every connection the NetworkPolicies allow, between workloads, external "
            "address ranges and the ingress controller, in netpol-analyzer's format."
        ),
    )
    options.add_paths(parser, "Kubernetes manifests: files or folders (read recursively)")
    options.add_stack(parser, "analyze the stack's model (its program run offline)")
    options.add_cluster(parser)
    options.add_format(parser, FORMATS, "txt")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="follow each line with the policies and rules that allow it; list denied pairs",
    )
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout"
    )
    parser.set_defaults(handler=run)


def write_output(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text + "\n")
        return
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        raise NetkitError(f"{output}: cannot write: {error.strerror}") from None


def run(args: argparse.Namespace) -> int:
    source = options.required_source(
        args,
        "nothing to analyze: give manifest files or folders, --stack NAME or --kubeconfig FILE",
    )
    model = options.LOADER.load(source)
    for note in model.notes:
        print(f"netkit: note: {note}", file=sys.stderr)
    reach = analyze(model)
    connections = reach.connections()
    rows: list[Row] = list(connections)
    if args.explain:
        rows = [reach.explain(c.src, c.dst) for c in connections]
        rows.extend(reach.explain(src, dst) for src, dst in reach.denied())
    write_output(render(rows, args.format, peers=reach.peers()), args.output)
    return 0
