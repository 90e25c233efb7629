"""`netkit probe`: what netkit computes against what the engines and the cluster enforce.

    netkit probe --stack lab                      # the stack's Docker half, on its engines
    netkit probe --docker netkit-hosts://host1 --docker netkit-hosts://host2
    netkit probe --kubeconfig ~/.kube/config
    netkit probe --context staging --namespace shop-web --namespace shop-api

Docker (`--stack NAME`: the stack's model against its running engines; `--docker URL...`:
the engines' own model): every container pair on every port the destination declares
(TCP with busybox `nc`, UDP with busybox `traceroute`), every name each container
resolves and a sample it must not, and each container to its host, from inside the
containers (`netkit.docker_probe`). Kubernetes (`--kubeconfig`/`--context`, the default
when nothing else is named): every workload pair on every declared port and protocol,
from inside a pod of the source (`netkit.probe`: one exec per source pod runs all of its
probes at once; a probe that did not connect is tried once more, and one that gave no
answer on either try counts as not connected, with a note on stderr). A cluster holding
AdminNetworkPolicies, ClusterNetworkPolicies or Calico policies is said to, first: no
enforcer of those kinds runs on the local cluster.

Prints one line per disagreement (with its cause when netkit knows it: the enforcer's
known deviation, or a policy of a kind the enforcer does not apply) and a final `N/M
probes agree`. Exit status: 0 when all agree, 1 on any disagreement, 2 on a usage error or
an engine or cluster that does not answer.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from netkit.enforcers import ENFORCED_KINDS
from netkit.errors import NetkitError
from netkit.sources import Source
from netkit_cli import arguments, options

if TYPE_CHECKING:
    from netkit.docker_live import EngineRef


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "probe",
        help="probe running engines or a cluster: do they enforce what netkit computes?",
        description=(
            "Compute reachability (a stack's Docker half, running Docker engines, or a live "
            "cluster's objects) and compare it with connections and name lookups tried from "
            "inside its containers and pods."
        ),
    )
    options.add_stack(parser, "probe the stack's Docker half on the engines it names")
    options.add_docker(
        parser,
        "probe a running Docker engine's containers (repeatable): unix://, tcp://, ssh:// or "
        "netkit-hosts://hostN; NAME=URL names its host",
    )
    options.add_cluster(parser)
    parser.add_argument(
        "--max-probes",
        type=arguments.count("--max-probes"),
        default=2000,
        metavar="N",
        help="refuse more than N (2000)",
    )
    parser.add_argument(
        "--deadline",
        type=arguments.seconds("--deadline"),
        default=900.0,
        metavar="SECONDS",
        help="stop after (900; a finite number above 0)",
    )
    parser.add_argument(
        "--enforcer",
        choices=sorted(ENFORCED_KINDS),
        help="the plugin that enforces policy, when it runs outside pods (the local "
        "cluster's kube-router does): disagreements it is known for are labelled",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    docker = bool(args.stack or args.docker)
    cluster = args.kubeconfig is not None or args.context is not None or not docker
    if args.stack and args.docker:
        raise NetkitError(
            "give --stack NAME (its engines are the ones its stack file names) or --docker "
            "URL, not both"
        )
    lines: list[str] = []
    agree = total = 0
    if docker:
        found = _probe_docker(args)
        lines.extend(found[0])
        agree, total = agree + found[1], total + found[2]
    if cluster:
        found = _probe_cluster(args)
        lines.extend(found[0])
        agree, total = agree + found[1], total + found[2]
    for line in lines:
        print(line)
    print(f"{agree}/{total} probes agree")
    return 0 if agree == total else 1


def _engines(args: argparse.Namespace) -> list[EngineRef]:
    """The engines `--docker` names, or those the stack file names."""
    if args.docker:
        return list(args.docker)
    from netkit.docker_live import DEFAULT_SOCKET, EngineRef
    from netkit.docker_reach import SINGLE_HOST
    from netkit.spec import load_stack_file, stack_file

    spec = load_stack_file(stack_file(args.project_dir or Path.cwd(), args.stack)).docker
    if spec.hosts:
        return [EngineRef(host.name, host.url) for host in spec.hosts]
    url = spec.host or os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET
    return [EngineRef(SINGLE_HOST, url)]


def _probe_docker(args: argparse.Namespace) -> tuple[list[str], int, int]:
    from netkit import docker_probe
    from netkit.docker_live import connect, load_engines
    from netkit.docker_reach import analyze_docker

    engines = _engines(args)
    connect_to = options.LOADER.docker_api or connect
    apis = {ref.name: connect_to(ref) for ref in engines}
    running = load_engines(engines, lambda ref: apis[ref.name])
    names = [engine.name for engine in running.docker_engines]
    apis = dict(zip(names, apis.values(), strict=True))
    model = (
        options.LOADER.load(Source.of_stack(args.stack, args.project_dir))
        if (args.stack)
        else running
    )
    if not model.docker_containers:
        raise NetkitError(
            "no Docker container to probe" + (f" in stack {args.stack}" if args.stack else "")
        )
    reach = analyze_docker(model)
    try:
        probes = docker_probe.plan(reach, running, limit=args.max_probes)
    except ValueError as error:
        raise NetkitError(f"--max-probes: {error}") from None
    if not probes:
        raise NetkitError(
            "none of the model's containers runs on the engines "
            + ", ".join(f"{ref.name or ref.url}" for ref in engines)
        )

    def execute(container: docker_probe.LiveContainer, command: list[str]) -> tuple[int, str]:
        return apis[container.host].exec(container.id, command, docker_probe.WAIT + 8)

    # A published port is tried from its host: a local host's network namespace, or this
    # machine for a local socket; the hosts of remote engines are out of reach.
    prefixes = _host_prefixes(engines, names)
    probes = [
        p
        for p in probes
        if p.kind is not docker_probe.ProbeKind.PUBLISHED or p.runner.host in prefixes
    ]

    def on_host(host: str, arguments: list[str]) -> tuple[int, str]:
        return run_on_host(
            [*prefixes[host], sys.executable, "-c", docker_probe.CONNECT, *arguments]
        )

    outcomes = docker_probe.run(probes, execute, on_host=on_host, deadline=args.deadline)
    lines = [outcome.line() for outcome in outcomes if not outcome.agrees]
    # A container the model declares that runs nowhere: its probes would all be lines.
    live = docker_probe.live_containers(running)
    from netkit.docker_reach import container_ref

    lines.extend(
        f"{container_ref(c)}: declared, but not running on its engine"
        for c in model.docker_containers
        if container_ref(c) not in live
    )
    missing = len(lines) - sum(1 for o in outcomes if not o.agrees)
    return lines, sum(o.agrees for o in outcomes), len(outcomes) + missing


def run_on_host(command: list[str]) -> tuple[int, str]:
    """Run a probe's command on a host (this machine, or a namespace of it)."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    return done.returncode, done.stdout + done.stderr


def _host_prefixes(engines: list[EngineRef], names: list[str]) -> dict[str, list[str]]:
    """Host name -> the command prefix that runs a command on that host."""
    from netkit import docker_hosts

    prefixes: dict[str, list[str]] = {}
    for ref, name in zip(engines, names, strict=True):
        namespace = docker_hosts.namespace(ref.url)
        if namespace is not None:
            prefixes[name] = ["ip", "netns", "exec", namespace]
        elif ref.client_url.startswith("unix://"):
            prefixes[name] = []
    return prefixes


def _probe_cluster(args: argparse.Namespace) -> tuple[list[str], int, int]:
    from netkit import probe
    from netkit.live import cluster_objects, connect, pod_exec, with_refusal_note
    from netkit.manifests import model_from_objects
    from netkit.reachability import analyze

    # The pods themselves, not only the model: the probes run from inside them.
    api = connect(args.kubeconfig, args.context)
    refused: list[str] = []
    objects = list(cluster_objects(api, args.namespace, refused))
    model = with_refusal_note(model_from_objects(objects), refused, api.server)
    enforcer = args.enforcer or next((install.plugin for install in model.cni), None)
    note = probe.limits_note(model, enforcer)
    if note is not None:
        print(f"netkit: note: {note}", file=sys.stderr)
    reach = analyze(model)
    try:
        probes = probe.plan(
            model,
            probe.live_pods(objects),
            namespaces=args.namespace or None,
            limit=args.max_probes,
            reach=reach,
        )
    except ValueError as error:
        raise NetkitError(f"--max-probes: {error}; narrow it with --namespace") from None
    if not probes:
        raise NetkitError(
            "no running, ready pods with declared container ports to probe"
            + (f" in namespaces {', '.join(args.namespace)}" if args.namespace else "")
        )
    outcomes = probe.run(probes, pod_exec(args.kubeconfig, args.context), deadline=args.deadline)
    failed = probe.failure_note(outcomes)
    if failed is not None:
        print(f"netkit: note: {failed}", file=sys.stderr)
    outcomes = probe.label(outcomes, model, reach, enforcer)
    lines = [outcome.line() for outcome in outcomes if not outcome.agrees]
    return lines, sum(outcome.agrees for outcome in outcomes), len(outcomes)
