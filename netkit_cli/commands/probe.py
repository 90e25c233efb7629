"""`netkit probe`: what netkit computes against what a running cluster enforces.

    netkit probe --kubeconfig ~/.kube/config
    netkit probe --context staging --namespace shop-web --namespace shop-api

Reads the cluster into netkit's model, computes which workloads may reach which on
every port their containers declare, then tries each of those connections from inside
a pod of the source to a pod of the destination (TCP with `nc`, UDP with
`netkit-probe`, both in the image the probed pods run). Prints one line per
disagreement and a final `N/M probes agree`. Exit status: 0 when all agree, 1 on any
disagreement, 2 on a usage error or an unreachable cluster.
"""

from __future__ import annotations

import argparse

from netkit.errors import NetkitError
from netkit_cli import options


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "probe",
        help="probe a running cluster: does it enforce what netkit computes?",
        description=(
            "Compute reachability from the live cluster's objects and compare it with "
            "connections tried from inside its pods, on every declared port and protocol."
        ),
    )
    options.add_cluster(parser)
    parser.add_argument(
        "--namespace",
        action="append",
        metavar="NAME",
        help="probe only workloads of these namespaces (repeatable; default: all)",
    )
    parser.add_argument(
        "--max-probes", type=int, default=2000, metavar="N", help="refuse more than N (2000)"
    )
    parser.add_argument(
        "--deadline", type=float, default=900, metavar="SECONDS", help="stop after (900)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from netkit import probe
    from netkit.live import cluster_objects, connect, pod_exec
    from netkit.manifests import model_from_objects

    # The pods themselves, not only the model: the probes run from inside them.
    objects = list(cluster_objects(connect(args.kubeconfig, args.context)))
    model = model_from_objects(objects)
    try:
        probes = probe.plan(
            model,
            probe.live_pods(objects),
            namespaces=args.namespace,
            limit=args.max_probes,
        )
    except ValueError as error:
        raise NetkitError(f"--max-probes: {error}; narrow it with --namespace") from None
    if not probes:
        raise NetkitError(
            "no running, ready pods with declared container ports to probe"
            + (f" in namespaces {', '.join(args.namespace)}" if args.namespace else "")
        )
    outcomes = probe.run(probes, pod_exec(args.kubeconfig, args.context), deadline=args.deadline)
    for outcome in outcomes:
        if not outcome.agrees:
            print(outcome.line())
    agree = sum(outcome.agrees for outcome in outcomes)
    print(f"{agree}/{len(outcomes)} probes agree")
    return 0 if agree == len(outcomes) else 1
