"""`netkit overlap`: report address spaces that overlap across every layer.

    netkit overlap spaces.yaml --reserved corp-vpn=10.8.0.0/16 --host-routes
    netkit overlap --stack dev --format json
    netkit overlap rendered/dev/            # Kubernetes manifests
    netkit overlap --kubeconfig FILE        # a running cluster's objects

An address-spaces file (`netkit.sources.address_spaces`) is YAML or JSON:

    address_spaces:
      - {name: backend, layer: docker bridge, cidr: 10.10.0.0/16}
      - {name: pods, layer: pod cidr, cidr: 10.244.0.0/16, source: cluster}
    reserved:
      - {name: corp-vpn, cidr: 10.8.0.0/16}

Overlaps expected by design or not the stack's to fix (`netkit.overlap.expected_nesting`,
as the policy rules use it: a Calico pool inside the pod CIDR, reserved ranges among
themselves, the host's own nested routes and Docker's default pools) are not counted.
Exit status: 0 when no other overlap is found, 1 when one is, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from netkit import docker_hosts
from netkit.errors import NetkitError
from netkit.host_routes import read_host_routes
from netkit.model import AddressSpace
from netkit.overlap import Overlap, expected_nesting, find_overlaps
from netkit.planner import parse_reserved
from netkit.spec import load_stack_file, stack_file
from netkit_cli import options


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
        default=[],
        metavar="NAME=CIDR",
        help="a range that must stay free, e.g. corp-vpn=10.8.0.0/16 (repeatable)",
    )
    options.add_format(parser, ("txt", "json"), "txt")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    source = options.named_source(args)
    if source is None and not (args.reserved or args.host_routes):
        raise NetkitError(
            "nothing to check: give PATH..., --stack NAME, --kubeconfig FILE, "
            "--reserved NAME=CIDR or --host-routes"
        )
    spaces: list[AddressSpace] = []
    notes: list[str] = []
    if source is not None:
        model = options.LOADER.load(source, address_spaces=True)
        spaces.extend(model.address_spaces)
        notes.extend(model.notes)
    spaces.extend(parse_reserved(text, "--reserved") for text in args.reserved)
    if args.host_routes:
        spaces.extend(_host_routes(args.stack, args.project_dir, notes))

    every = find_overlaps(spaces)
    overlaps = [o for o in every if not expected_nesting(o.first, o.second)]
    expected = len(every) - len(overlaps)
    for note in notes:
        print(f"netkit: note: {note}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(_as_json(spaces, overlaps, expected), indent=2))
    else:
        for overlap in overlaps:
            print(overlap.message())
        print(summary(len(spaces), len(overlaps), expected))
    return 1 if overlaps else 0


def _host_routes(
    stack: str | None, project_dir: Path | None, notes: list[str]
) -> list[AddressSpace]:
    """This machine's routes; for a stack that names its Docker hosts, each host's own
    (a local host's network namespace), so an overlap names the host whose routes it hits."""
    if stack is not None:
        hosts = load_stack_file(stack_file(project_dir or Path.cwd(), stack)).docker.hosts
        if hosts:
            return docker_hosts.host_routes([(h.name, h.url) for h in hosts], notes)
    return read_host_routes(notes=notes)


def summary(spaces: int, overlaps: int, expected: int = 0) -> str:
    """`N address spaces, M overlaps`, plus the overlaps left out as expected."""
    line = f"{_count(spaces, 'address space')}, {_count(overlaps, 'overlap')}"
    if expected:
        line += f" ({expected} expected by design, not counted)"
    return line


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _space_json(space: AddressSpace) -> dict[str, str]:
    return {
        "name": space.name,
        "layer": str(space.layer),
        "cidr": str(space.cidr),
        "source": space.source,
        **({"host": space.host} if space.host else {}),
    }


def _as_json(spaces: list[AddressSpace], overlaps: list[Overlap], expected: int) -> dict[str, Any]:
    return {
        "address_spaces": len(spaces),
        "expected_by_design": expected,
        "overlaps": [
            {
                "relation": str(o.relation),
                "message": o.message(),
                "first": _space_json(o.first),
                "second": _space_json(o.second),
            }
            for o in overlaps
        ],
    }
