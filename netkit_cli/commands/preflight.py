"""`netkit preflight`: before `pulumi up`, refuse objects that another state owns.

    netkit preflight --stack dev                      # runs `pulumi stack export` itself
    pulumi stack export --stack dev | netkit preflight --stack dev --state -

Looks up every Docker network, container and namespace the stack creates under a fixed
name on its engines and cluster; any that exists with an ID the stack's state does not
hold belongs to another state (a second checkout, or this checkout before its state moved
to another backend). Exit status: 0 when none does, 1 with one line naming them and their
owner, 2 for a mistake (an unreadable state, an engine or cluster that does not answer).
`make up` runs it before `pulumi up`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from netkit import docker_hosts, ownership
from netkit.errors import NetkitError
from netkit.spec import LOCAL_HOST, StackSpec, parse_stack_config, read_stack_file, stack_file
from netkit_cli import arguments, options

DEFAULT_ENGINE = "unix:///var/run/docker.sock"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "preflight",
        help="before pulumi up: refuse objects that exist outside the stack's state",
        description=(
            "Look up the Docker networks, containers and namespaces the stack creates; refuse, "
            "in one line naming their owner, those its state does not hold."
        ),
    )
    options.add_stack(parser, "the stack about to be deployed", required=True)
    parser.add_argument(
        "--state",
        type=arguments.text("--state", "a `pulumi stack export` file, or - for standard input"),
        metavar="FILE",
        help="the stack's `pulumi stack export` ('-': standard input); default: run it",
    )
    parser.set_defaults(handler=run)


def _export(args: argparse.Namespace) -> tuple[Any, str]:
    if args.state == "-":
        return _json(sys.stdin.read(), "standard input"), "standard input"
    if args.state is not None:
        try:
            text = Path(args.state).read_text(encoding="utf-8")
        except OSError as error:
            raise NetkitError(f"{args.state}: cannot be read: {error.strerror}") from None
        return _json(text, args.state), args.state
    command = ["pulumi", "stack", "export", "--stack", args.stack]
    try:
        done = subprocess.run(
            command, cwd=args.project_dir, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise NetkitError(f"`{' '.join(command)}` cannot run: {error.strerror}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise NetkitError(f"`{' '.join(command)}` failed: {last}")
    return _json(done.stdout, "pulumi stack export"), "pulumi stack export"


def _json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise ownership.StateExportError(f"{source}: not JSON ({error})") from None


def backend_description() -> str:
    """The state backend named in the environment, its password masked."""
    url = os.environ.get("PULUMI_BACKEND_URL", "")
    if not url:
        return "the backend `pulumi login` chose"
    return re.sub(r"//([^/@:]*):[^/@]*@", r"//\1:****@", url)


def _engine_urls(spec: StackSpec) -> dict[str, str]:
    if spec.docker.hosts:
        return {h.name: docker_hosts.engine_url(h.url) for h in spec.docker.hosts}
    return {LOCAL_HOST: spec.docker.host or os.environ.get("DOCKER_HOST") or DEFAULT_ENGINE}


def _docker_existing(
    spec: StackSpec, wanted: Sequence[ownership.Declared]
) -> list[ownership.Existing]:
    import docker
    from docker.errors import DockerException, NotFound

    urls = _engine_urls(spec)
    down = docker_hosts.unanswered_hosts(sorted(urls.items()))
    if down is not None:
        raise NetkitError(down)
    found = []
    clients: dict[str, Any] = {}
    for item in wanted:
        url = urls[item.place]
        try:
            client = clients.get(url) or clients.setdefault(
                url, docker.APIClient(base_url=url, timeout=20)
            )
            if item.kind == ownership.DOCKER_NETWORK:
                attrs = client.inspect_network(item.name)
                labels = attrs.get("Labels") or {}
            else:
                attrs = client.inspect_container(item.name)
                labels = (attrs.get("Config") or {}).get("Labels") or {}
        except NotFound:
            continue
        except DockerException as error:
            raise NetkitError(f"Docker host {item.place!r} at {url}: {error}") from None
        # Docker finds a network by ID prefix too: only an exact name is this one.
        if attrs.get("Name", "").lstrip("/") != item.name:
            continue
        found.append(
            ownership.Existing(item, str(attrs["Id"]), labels, str(attrs.get("Created", "")))
        )
    return found


def _namespaces_existing(
    spec: StackSpec, wanted: Sequence[ownership.Declared]
) -> list[ownership.Existing]:
    if not wanted:
        return []
    from kubernetes import client as k8s
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    from netkit.live import api_client

    core = k8s.CoreV1Api(api_client(spec.kubernetes.kubeconfig, spec.kubernetes.context))
    found = []
    for item in wanted:
        try:
            namespace = core.read_namespace(item.name, _request_timeout=20)
        except ApiException as error:
            if error.status == 404:
                continue
            raise NetkitError(
                f"namespace {item.name!r}: reading it was refused ({error.status} {error.reason})"
            ) from None
        except HTTPError as error:
            raise NetkitError(
                f"the cluster does not answer ({type(error).__name__}); is it running?"
            ) from None
        meta = namespace.metadata
        created = meta.creation_timestamp.isoformat() if meta.creation_timestamp else ""
        found.append(ownership.Existing(item, item.name, meta.labels or {}, created))
    return found


def run(args: argparse.Namespace) -> int:
    path = stack_file(args.project_dir or Path.cwd(), args.stack)
    spec = parse_stack_config(read_stack_file(path), path.name)
    export, source = _export(args)
    state = ownership.state_holding(export, source)
    wanted = ownership.declared(spec)
    existing = _docker_existing(spec, [w for w in wanted if w.kind != ownership.NAMESPACE])
    existing += _namespaces_existing(spec, [w for w in wanted if w.kind == ownership.NAMESPACE])
    foreign = ownership.foreign(existing, state)
    if foreign:
        print(ownership.refusal(path.name, backend_description(), foreign), file=sys.stderr)
        return 1
    return 0
