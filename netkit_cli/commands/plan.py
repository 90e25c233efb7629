"""`netkit plan`: carve named subnets out of a supernet, around reserved ranges.

    netkit plan --supernet 10.20.0.0/16 --reserve corp-vpn=10.20.8.0/21 \\
        --subnet web=/24 --subnet db=500

The default YAML output is a list of `{name, subnet}`, ready to paste into a stack file.
The plan is deterministic (largest first, then by name, lowest aligned free address).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import yaml

from netkit.model import AddressSpace, IPNetwork
from netkit.planner import Allocation, plan_subnets
from netkit_cli import arguments


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="allocate non-overlapping subnets inside a supernet",
        description=(
            "Place each --subnet inside --supernet, clear of every --reserve range and of "
            "each other: largest first, then by name, at the lowest free aligned address."
        ),
    )
    parser.add_argument(
        "--supernet",
        type=arguments.cidr("--supernet"),
        required=True,
        metavar="CIDR",
        help="where to place them, e.g. 10.20.0.0/16",
    )
    parser.add_argument(
        "--subnet",
        dest="subnets",
        action="append",
        type=arguments.subnet_request("--subnet"),
        required=True,
        metavar="NAME=/PREFIX|NAME=HOSTS",
        help="a subnet to place: web=/24, or db=500 for 500 hosts (repeatable)",
    )
    parser.add_argument(
        "--reserve",
        "--reserved",
        dest="reserved",
        action="append",
        type=arguments.reserved("--reserve"),
        default=[],
        metavar="NAME=CIDR",
        help="a range to keep free, e.g. corp-vpn=10.20.8.0/21 (repeatable)",
    )
    parser.add_argument(
        "--format", choices=("yaml", "json", "txt"), default="yaml", help="default: yaml"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    supernet: IPNetwork = args.supernet
    reserved: list[AddressSpace] = args.reserved
    allocations = plan_subnets(supernet, args.subnets, reserved)
    if args.format == "json":
        print(json.dumps(_as_json(supernet, reserved, allocations), indent=2))
    elif args.format == "txt":
        print(_as_text(allocations))
    else:
        print(_as_yaml(supernet, reserved, allocations), end="")
    return 0


def _as_yaml(
    supernet: IPNetwork, reserved: list[AddressSpace], allocations: list[Allocation]
) -> str:
    avoiding = ", ".join(f"{space.name} {space.cidr}" for space in reserved)
    count = len(allocations)
    header = f"# netkit plan: {count} subnet{'' if count == 1 else 's'} in {supernet}"
    if avoiding:
        header += f", clear of {avoiding}"
    items = [{"name": a.name, "subnet": str(a.subnet)} for a in allocations]
    return f"{header}\n{yaml.safe_dump(items, sort_keys=False, default_flow_style=False)}"


def _as_json(
    supernet: IPNetwork, reserved: list[AddressSpace], allocations: list[Allocation]
) -> dict[str, Any]:
    return {
        "supernet": str(supernet),
        "reserved": [{"name": s.name, "cidr": str(s.cidr)} for s in reserved],
        "subnets": [
            {
                "name": a.name,
                "subnet": str(a.subnet),
                "request": str(a.request),
                "addresses": a.subnet.num_addresses,
            }
            for a in allocations
        ],
    }


def _as_text(allocations: list[Allocation]) -> str:
    width = max(len(a.name) for a in allocations)
    cidr_width = max(len(str(a.subnet)) for a in allocations)
    return "\n".join(
        f"{a.name:<{width}}  {a.subnet!s:<{cidr_width}}  {a.subnet.num_addresses:,} addresses"
        for a in allocations
    )
