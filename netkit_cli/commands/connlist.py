"""`netkit connlist`: list the connections NetworkPolicies allow between workloads.

    netkit connlist manifests/                       # txt, the netpol-analyzer format
    netkit connlist manifests/ --format md -o conns.md
    netkit connlist manifests/ --explain             # name the policy rules behind each line
    netkit connlist --stack dev --format svg -o dev.svg   # the whole stack, both halves
    netkit connlist --stack dev --format html -o dev.html # the same, filterable, explained
    netkit connlist manifests/ --exposure            # who else could reach each workload
    netkit connlist --kubeconfig ~/.kube/config      # a running cluster, as it is now
    netkit connlist --docker netkit-hosts://host1 --docker netkit-hosts://host2
    netkit connlist --stack dev --focus-workload shop-api/api --focus-direction ingress
    netkit connlist --stack dev --denied-only --focus-port TCP/5432 --explain
    netkit connlist --stack dev --what-if-pod billing/probe:app=probe --focus-workload billing/probe

Each line is `SRC => DST : CONNECTIONS`; sources and destinations are workloads
(`namespace/name[Kind]`), Docker containers (`host/name[Container]`) and hosts
(`host[Host]`), external address ranges (`FIRST-LAST[External]`) and the
`{ingress-controller}`. With --explain, pairs that a policy denies are listed too, as
`No Connections`, each followed by the policies that isolate them; a Docker pair is
followed by the networks that carry it (or why none does) and the names that resolve. The
focus options narrow the list (a workload, the peer at its other end, a direction, a port,
allowed or denied pairs); the what-if options add a hypothetical pod or namespace labels
first.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from netkit.connectivity import analyze_all
from netkit.connlist import FORMATS, render
from netkit.focus import focus_connections
from netkit.output import write_text
from netkit.peer_names import known_peers
from netkit.reachability.exposure import exposure
from netkit_cli import arguments, messages, options, queries


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "connlist",
        help="list the connections allowed between workloads and Docker containers",
        description=(
            "List every connection the NetworkPolicies allow (between workloads, external "
            "address ranges and the ingress controller) and every connection Docker allows "
            "(between containers, their hosts and the outside), in netpol-analyzer's format."
        ),
    )
    options.add_paths(parser, "Kubernetes manifests: files or folders (read recursively)")
    options.add_stack(parser, "analyze the stack's model (its program run offline)")
    options.add_cluster(parser)
    options.add_docker(parser)
    options.add_format(parser, FORMATS, "txt")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="follow each line with the policies and rules that allow it; list denied pairs",
    )
    parser.add_argument(
        "--exposure",
        action="store_true",
        help="add the exposure section: per workload, the pods beyond the input that its "
        "policies let in or out (any namespace, namespaces or pods by label), as "
        "netpol-analyzer's --exposure (txt, json, md)",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=arguments.path("--output"),
        metavar="FILE",
        help="write to FILE instead of stdout",
    )
    queries.add_focus(parser)
    queries.add_what_if(parser)
    parser.set_defaults(handler=run)


def write_output(text: str, output: Path | None) -> None:
    """`text` and a line break to `output`, or to standard output; a failed write is
    one line naming where (`netkit.output`)."""
    write_text(text + "\n", output)


def run(args: argparse.Namespace) -> int:
    source = options.required_source(
        args,
        "nothing to analyze: give manifest files or folders, --stack NAME, --kubeconfig FILE or --docker URL",
    )
    model = queries.apply_what_if(options.LOADER.load(source), args)
    for note in model.notes:
        messages.note(note)
    reach = analyze_all(model)
    focus = queries.focus_of(args, known_peers(reach))
    rows = focus_connections(reach, focus, explain=args.explain)
    # Exposure is the Kubernetes half's: who else could reach a workload.
    exposed = exposure(reach.kubernetes).only(focus.selects_workload) if args.exposure else None
    text = render(
        rows,
        args.format,
        peers=reach.peers(),
        picture=reach,
        title=f"netkit: {source.describe()}",
        icmp=reach.shows_icmp,
        exposure=exposed,
    )
    write_output(text, args.output)
    return 0
