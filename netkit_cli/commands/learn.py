"""`netkit learn`: observed connections against the stack's declared and allowed ones.

    netkit learn --stack dev --flows hubble.json
    netkit learn --stack dev --flows calico-flows.json --format markdown
    netkit learn --stack dev --flows ct-node1.txt --flows ct-node2.txt --kubeconfig KUBECONFIG
    netkit learn --stack dev --flows hubble.json --format json > learned.json
    netkit learn --stack dev --flows hubble.json --write     # apply the proposed change
    netkit learn --stack lab --netns host1 --netns host2 --window 5m --docker ...  # sample conntrack

Three lists: used and declared; declared (or merely allowed) but never used in the
window, the over-privilege; used but not declared, which a default deny would break.
Attempts a policy denied are listed apart as "attempted, denied" (Hubble and Calico files
only: connection tracking never sees them). The flows are mapped by name where the file
names pods (Hubble, Calico, Inspektor Gadget) and by address where it does not
(conntrack): the addresses come from a running cluster (--kubeconfig/--context) or
Docker engines (--docker). --netns samples connection tracking itself, in each named
network namespace, for --window (Ctrl-C stops early and keeps what was sampled). The proposed change of `Pulumi.<stack>.yaml` (new
`connections:` entries, unused ones removed) is printed as a unified diff; only
--write changes the file. Exit status: 0 when observed and declared agree (or after
--write), 1 when something is unused or undeclared, 2 on a mistake.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from netkit.errors import NetkitError
from netkit.model import NetworkModel
from netkit.observed import FlowFormat, FlowSet, learn, read_flows
from netkit.observed.proposal import propose
from netkit.observed.render import FORMATS, render
from netkit.observed.sampler import Progress, Target, sample
from netkit.sources import Source, merge
from netkit.spec import stack_file
from netkit_cli import arguments, messages, options
from netkit_cli.commands.connlist import write_output


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "learn",
        help="compare observed connections (flow files) with the stack's declared ones",
        description=(
            "Read flow files (Hubble, Calico, Inspektor Gadget, conntrack), map them onto "
            "the stack's workloads and Services, and list what is used and declared, "
            "declared or allowed but unused, and used but undeclared; propose the change "
            "of the stack file as a diff (--write applies it). Exit status 1 when "
            "something is unused or undeclared."
        ),
    )
    options.add_stack(parser, "the stack whose declared connections are compared", required=True)
    parser.add_argument(
        "--flows",
        action="append",
        default=[],
        type=arguments.path("--flows"),
        metavar="FILE",
        help="a flow file (repeatable): hubble observe -o json, Calico flow logs (JSON "
        "lines), kubectl gadget trace network -o json, conntrack -L -o extended",
    )
    parser.add_argument(
        "--flows-format",
        choices=tuple(FlowFormat),
        default=None,
        help="the format of every --flows file (default: recognised from each file's first line)",
    )
    parser.add_argument(
        "--netns",
        action="append",
        default=[],
        type=arguments.text("--netns", "a network namespace of `ip netns list`"),
        metavar="NAME",
        help="sample this network namespace's connection tracking (repeatable; needs root "
        "and conntrack): `ip netns exec NAME conntrack -L -o extended` every --interval",
    )
    parser.add_argument(
        "--containers",
        action="store_true",
        help="sample the connection tracking of every running container of the --docker "
        "engines, each in its own network namespace (nsenter -t PID -n): the only place "
        "a connection over an overlay shows (engines of this machine only)",
    )
    parser.add_argument(
        "--window",
        type=_duration,
        default="60s",
        metavar="DURATION",
        help="how long to sample with --netns, e.g. 90s, 5m, 1h (default: 60s; Ctrl-C stops early)",
    )
    parser.add_argument(
        "--interval",
        type=_duration,
        default="2s",
        metavar="DURATION",
        help="time between two samples of --netns (default: 2s)",
    )
    options.add_cluster(parser)
    options.add_docker(
        parser,
        "a running Docker engine whose container addresses map the flows (repeatable)",
    )
    options.add_format(parser, FORMATS, "text")
    parser.add_argument(
        "--write",
        action="store_true",
        help="apply the proposed change to Pulumi.<stack>.yaml (only its connections: entries change)",
    )
    parser.set_defaults(handler=run)


def _duration(text: str) -> float:
    from netkit.observed.learned import parse_duration

    try:
        return parse_duration(text).total_seconds()
    except NetkitError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _progress(step: Progress) -> None:
    print(
        f"netkit: sampling: round {step.round}, {step.elapsed:.0f} s of {step.window:.0f} s, "
        f"{step.connections} connection(s) so far (Ctrl-C stops)",
        file=sys.stderr,
        flush=True,
    )


def _flows(args: argparse.Namespace) -> FlowSet:
    """The flows of --flows files and of --netns and --containers samples, as one set."""
    if not args.flows and not args.netns and not args.containers:
        raise NetkitError(
            "nothing observed: give --flows FILE (a flow file), --netns NAME or --containers "
            "(sample conntrack)"
        )
    if args.containers and not args.docker:
        raise NetkitError("--containers samples the containers of --docker engines: name them")
    flow_format = FlowFormat(args.flows_format) if args.flows_format else None
    parts = [read_flows(args.flows, flow_format)] if args.flows else []
    targets: list[str | Target] = list(args.netns)
    if args.containers:
        from netkit.docker_live import container_processes

        targets += [Target.process(label, pid) for label, pid in container_processes(args.docker)]
        if not targets:
            raise NetkitError(
                "--containers: the --docker engines run no container; nothing to sample"
            )
    if targets:
        parts.append(sample(targets, args.window, args.interval, progress=_progress))
    if len(parts) == 1:
        return parts[0]
    return FlowSet(
        tuple(f for p in parts for f in p.flows),
        tuple(f for p in parts for f in p.denied),
        tuple(n for p in parts for n in p.notes),
        tuple(k for p in parts for k in p.formats),
    )


def _addresses(args: argparse.Namespace) -> NetworkModel | None:
    """What runs, for its addresses: the cluster and engines the options name."""
    models = []
    if args.kubeconfig is not None or args.context is not None:
        source = Source.of_cluster(args.context or "", args.kubeconfig or "", args.namespace)
        models.append(options.LOADER.load(source))
    elif args.namespace:
        raise NetkitError(
            "--namespace reads part of a running cluster: give it with --kubeconfig FILE or --context NAME"
        )
    if args.docker:
        models.append(options.LOADER.load(Source.of_docker(args.docker)))
    if not models:
        return None
    return merge(*models) if len(models) > 1 else models[0]


def run(args: argparse.Namespace) -> int:
    flows = _flows(args)
    model = options.LOADER.load(Source.of_stack(args.stack, args.project_dir))
    for note in model.notes:
        messages.note(note)
    report = learn(model, flows, addresses=_addresses(args))
    path = stack_file(args.project_dir or Path.cwd(), args.stack)
    proposal = propose(path, report)
    sources = [f"{p.name} ({f})" for p, f in zip(args.flows, flows.formats, strict=False)]
    sources += [f"netns {name} (conntrack)" for name in args.netns]
    if args.containers:
        sources.append("the --docker engines' containers (conntrack)")
    files = ", ".join(sources)
    title = f"netkit learn: stack {args.stack}, {len(flows.flows) + len(flows.denied):,} flows from {files}"
    write_output(render(report, args.format, title, proposal), None)
    if args.write and proposal.changes:
        proposal.write()
        messages.note(
            f"{path.name}: written ({len(proposal.added)} added, {len(proposal.removed)} "
            "removed or narrowed); review it, then `make up`"
        )
        return 0
    return 1 if report.has_findings else 0
