"""`netkit selects`: the policies that select a workload, per direction, and what each allows.

    netkit selects shop-api/api --stack dev
    netkit selects x/a manifests/ --format json
    netkit selects billing/probe --stack dev --what-if-pod billing/probe:app=probe

For ingress, then egress: each NetworkPolicy whose podSelector selects the workload for
that direction, and each of its rules as the peers it admits and the ports it opens; a
direction no policy selects is open.
"""

from __future__ import annotations

import argparse
import sys

from netkit.peer_names import known_peers, resolve
from netkit.reachability import PeerKind, UnknownPeerError, analyze
from netkit.selects import render_selections, selections
from netkit_cli import options, queries


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "selects",
        help="the policies that select a workload, per direction, with what each allows",
        description=(
            "List the NetworkPolicies that select WORKLOAD for ingress and for egress, and "
            "what each of their rules allows."
        ),
    )
    parser.add_argument(
        "workload", type=queries.peer_name("WORKLOAD"), metavar="WORKLOAD", help="ns/name or ns/name[Kind]"
    )
    options.add_paths(parser, "Kubernetes manifests: files or folders (read recursively)")
    options.add_stack(parser, "analyze the stack's model (its program run offline)")
    options.add_cluster(parser)
    queries.add_what_if(parser)
    options.add_format(parser, ("txt", "json"), "txt")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    source = options.required_source(
        args,
        "nothing to analyze: give manifest files or folders, --stack NAME or --kubeconfig FILE",
    )
    model = queries.apply_what_if(options.LOADER.load(source), args)
    for note in model.notes:
        print(f"netkit: note: {note}", file=sys.stderr)
    reach = analyze(model)
    workloads = [peer for peer in known_peers(reach) if peer.kind is PeerKind.WORKLOAD]
    spec = resolve(args.workload, workloads, "workload")
    if spec.peer is None:
        raise UnknownPeerError(
            f"workload {args.workload!r}: an address is selected by no NetworkPolicy; "
            "name a workload (ns/name)"
        )
    print(render_selections(selections(reach, spec.peer), args.format))
    return 0
