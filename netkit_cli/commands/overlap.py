"""`netkit overlap`: report address spaces that overlap across every layer.

    netkit overlap spaces.yaml --reserved corp-vpn=10.8.0.0/16 --host-routes
    netkit overlap --stack dev --format json
    netkit overlap rendered/dev/            # Kubernetes manifests
    netkit overlap --kubeconfig FILE        # a running cluster's objects
    netkit overlap --stack lab --docker netkit-hosts://host1 --docker netkit-hosts://host2
                                            # the stack against what runs on its engines

An address-spaces file (`netkit.sources.address_spaces`) is YAML or JSON:

    address_spaces:
      - {name: backend, layer: docker bridge, cidr: 10.10.0.0/16}
      - {name: pods, layer: pod cidr, cidr: 10.244.0.0/16, source: cluster}
    reserved:
      - {name: corp-vpn, cidr: 10.8.0.0/16}

Overlaps expected by design or not the stack's to fix (`netkit.overlap.expected_nesting`,
as the policy rules use it: a Calico pool inside the pod CIDR, reserved ranges among
themselves, the host's own nested routes and Docker's default pools) are not counted.
With `--docker URL` (repeatable), the networks already on those engines (each named
with its host: `docker_gwbridge`, `ingress`, other stacks' networks), the daemons'
default address pools and the swarm's default address pool count too, beside the stack's
or alone. A network the stack declares is not counted against its own running copy.
Exit status: 0 when no other overlap is found, 1 when one is, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from netkit import docker_hosts
from netkit.errors import NetkitError
from netkit.host_routes import read_host_routes
from netkit.model import AddressSpace, Layer
from netkit.overlap import Overlap, expected_nesting, find_overlaps
from netkit.sources import Source
from netkit_cli import arguments, messages, options


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "overlap",
        help="report overlapping subnets across Docker, Calico, Kubernetes and the host",
        description=(
            "Report every pair of address spaces that share addresses, naming both layers. "
            "Overlaps expected by design (a Calico pool inside the pod CIDR, pieces of one "
            "resource) are not counted. Exit status 1 when an overlap is found."
        ),
    )
    options.add_paths(
        parser,
        "an address-spaces file (YAML/JSON: address_spaces: [{name, layer, cidr}]), "
        "Kubernetes manifests (a file or a folder), or a resource list",
    )
    options.add_stack(parser)
    options.add_cluster(parser)
    options.add_docker(
        parser,
        "also check against a running Docker engine (repeatable): its networks, its "
        "default address pools, its swarm's pool; unix://, tcp://, ssh:// or "
        "netkit-hosts://hostN, NAME=URL names its host",
    )
    parser.add_argument(
        "--host-routes",
        action="store_true",
        help="also check against this host's routes (ip route), or with --stack, against "
        "each Docker host's (a local host's network namespace); routes of networks "
        "already deployed show up as the same range as their declaration",
    )
    parser.add_argument(
        "--reserved",
        "--reserve",
        dest="reserved",
        action="append",
        type=arguments.reserved("--reserved"),
        default=[],
        metavar="NAME=CIDR",
        help="a range that must stay free, e.g. corp-vpn=10.8.0.0/16 (repeatable)",
    )
    options.add_format(parser, ("txt", "json"), "txt")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    engines = args.docker
    # Here the engines join a stack too (its declared networks against running ones).
    source = options.named_source(argparse.Namespace(**{**vars(args), "docker": []}))
    if source is None and not (args.reserved or args.host_routes or engines):
        raise NetkitError(
            "nothing to check: give PATH..., --stack NAME, --kubeconfig FILE, --docker URL, "
            "--reserved NAME=CIDR or --host-routes"
        )
    spaces: list[AddressSpace] = []
    notes: list[str] = []
    if source is not None:
        model = options.LOADER.load(source, address_spaces=True)
        spaces.extend(model.address_spaces)
        notes.extend(model.notes)
    if engines:
        running = options.LOADER.load(Source.of_docker(engines))
        spaces.extend(running.address_spaces)
        notes.extend(running.notes)
    spaces.extend(args.reserved)
    if args.host_routes:
        spaces.extend(_host_routes(args.stack, args.project_dir, notes))

    every = find_overlaps(spaces)
    found = [o for o in every if not expected_nesting(o.first, o.second)]
    expected = len(every) - len(found)
    overlaps = [o for o in found if not in_running_pool(o)]
    advisory = [o for o in found if in_running_pool(o)]
    for note in notes:
        messages.note(note)
    if args.format == "json":
        print(json.dumps(_as_json(spaces, overlaps, expected, advisory), indent=2))
    else:
        for overlap in overlaps:
            print(overlap.message())
        for overlap in advisory:
            print(f"advisory: {overlap.message()}: {POOL_RISK}")
        print(summary(len(spaces), len(overlaps), expected, len(advisory)))
    return 1 if overlaps else 0


POOL_RISK = "Docker may allocate a network there that does not see it"


def in_running_pool(overlap: Overlap) -> bool:
    """An overlap with a running engine's default address pool or its swarm's: a range
    Docker may allocate later (for a network without a subnet), not one in use now.
    Reported as advisory: it does not change the exit status."""
    return any(
        space.live and space.layer in (Layer.DOCKER_DEFAULT_POOL, Layer.DOCKER_SWARM_POOL)
        for space in (overlap.first, overlap.second)
    )


def _host_routes(
    stack: str | None, project_dir: Path | None, notes: list[str]
) -> list[AddressSpace]:
    """This machine's routes; for a stack that names its Docker hosts, each host's own
    (a local host's network namespace), so an overlap names the host whose routes it hits."""
    if stack is not None:
        # Imported here: the stack spec's models are slow to build, and only this needs them.
        from netkit.spec import load_stack_file, stack_file

        hosts = load_stack_file(stack_file(project_dir or Path.cwd(), stack)).docker.hosts
        if hosts:
            return docker_hosts.host_routes([(h.name, h.url) for h in hosts], notes)
    return read_host_routes(notes=notes)


def summary(spaces: int, overlaps: int, expected: int = 0, advisory: int = 0) -> str:
    """`N address spaces, M overlaps`, plus the overlaps left out as expected and those
    with Docker's default pools (advisory)."""
    line = f"{_count(spaces, 'address space')}, {_count(overlaps, 'overlap')}"
    if expected:
        line += f" ({expected} expected by design, not counted)"
    if advisory:
        line += f", {advisory} advisory (inside Docker's default pools)"
    return line


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _space_json(space: AddressSpace) -> dict[str, str | bool]:
    return {
        "name": space.name,
        "layer": str(space.layer),
        "cidr": str(space.cidr),
        "source": space.source,
        **({"host": space.host} if space.host else {}),
        **({"live": True} if space.live else {}),
    }


def _overlap_json(o: Overlap) -> dict[str, Any]:
    return {
        "relation": str(o.relation),
        "message": o.message(),
        "first": _space_json(o.first),
        "second": _space_json(o.second),
    }


def _as_json(
    spaces: list[AddressSpace], overlaps: list[Overlap], expected: int, advisory: list[Overlap]
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "address_spaces": len(spaces),
        "expected_by_design": expected,
        "overlaps": [_overlap_json(o) for o in overlaps],
    }
    if advisory:
        document["advisory"] = [_overlap_json(o) for o in advisory]
    return document
