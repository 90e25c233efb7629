"""`netkit overlap`: report address spaces that overlap across every layer.

    netkit overlap spaces.yaml --reserved corp-vpn=10.8.0.0/16 --host-routes
    netkit overlap --stack dev --format json
    netkit overlap rendered/dev/            # Kubernetes manifests (needs netkit.manifests)

An address-spaces file is YAML or JSON:

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

from netkit.cidr import parse_cidr
from netkit.documents import read_documents
from netkit.errors import InvalidValue, NetkitError
from netkit.host_routes import read_host_routes
from netkit.model import AddressSpace, Layer, NetworkModel
from netkit.overlap import Overlap, expected_nesting, find_overlaps
from netkit.planner import parse_reserved

ENTRY_KEYS = ("name", "layer", "cidr", "source")
FILE_KEYS = ("address_spaces", "reserved")


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
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="an address-spaces file (YAML/JSON: address_spaces: [{name, layer, cidr}]), "
        "or Kubernetes manifests (a file or a folder)",
    )
    parser.add_argument(
        "--stack", metavar="NAME", help="the stack's model, from its program run offline"
    )
    parser.add_argument(
        "--host-routes",
        action="store_true",
        help="also check against this host's routes (ip route); routes of networks "
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
    parser.add_argument("--format", choices=("txt", "json"), default="txt", help="default: txt")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    paths: list[Path] = args.paths
    if paths and args.stack:
        raise NetkitError("give PATH... or --stack NAME, not both")
    if not (paths or args.stack or args.reserved or args.host_routes):
        raise NetkitError(
            "nothing to check: give PATH..., --stack NAME, --reserved NAME=CIDR or --host-routes"
        )
    spaces: list[AddressSpace] = []
    notes: list[str] = []
    manifests: list[Path] = []
    for path in paths:
        found = load_path(path)
        if found is None:
            manifests.append(path)
        else:
            spaces.extend(found)
    if manifests:
        spaces.extend(_manifest_spaces(manifests, notes))
    if args.stack:
        model = _stack_model(args.stack)
        spaces.extend(model.address_spaces)
        notes.extend(model.notes)
    spaces.extend(parse_reserved(text, "--reserved") for text in args.reserved)
    if args.host_routes:
        spaces.extend(read_host_routes(notes=notes))

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


# --------------------------------------------------------------------------- inputs


def load_path(path: Path) -> list[AddressSpace] | None:
    """Address spaces from an address-spaces file; None for Kubernetes manifests
    (a folder, or a file whose documents have `kind` or `apiVersion`)."""
    if not path.exists():
        raise NetkitError(f"{path}: no such file or folder")
    if path.is_dir():
        return None
    documents = [d for d in read_documents(path, InvalidValue) if d is not None]
    if any(isinstance(d, dict) and ("kind" in d or "apiVersion" in d) for d in documents):
        return None
    if len(documents) != 1:
        raise InvalidValue(
            f"{path}: expected one document with 'address_spaces' "
            f"(a list of {{name, layer, cidr}}), found {len(documents)}"
        )
    return parse_spaces_document(documents[0], str(path))


def parse_spaces_document(document: object, origin: str) -> list[AddressSpace]:
    """`{address_spaces: [...], reserved: [...]}`, or a bare list of address spaces."""
    if isinstance(document, list):
        document = {"address_spaces": document}
    if not isinstance(document, dict) or not any(key in document for key in FILE_KEYS):
        raise InvalidValue(
            f"{origin}: expected a mapping with 'address_spaces' (a list of "
            "{name, layer, cidr}) or 'reserved' (a list of {name, cidr})"
        )
    unknown = sorted(str(key) for key in document if key not in FILE_KEYS)
    if unknown:
        raise InvalidValue(
            f"{origin}: unknown key {unknown[0]!r}; expected one of {list(FILE_KEYS)}"
        )
    spaces: list[AddressSpace] = []
    for key in FILE_KEYS:
        entries = document.get(key) or []
        if not isinstance(entries, list):
            raise InvalidValue(f"{origin}: {key}: expected a list, got {entries!r}")
        for index, entry in enumerate(entries):
            spaces.append(
                _parse_entry(entry, f"{key}[{index}]", origin, reserved=key == "reserved")
            )
    return spaces


def _parse_entry(entry: object, where: str, origin: str, *, reserved: bool) -> AddressSpace:
    at = f"{origin}: {where}"
    if not isinstance(entry, dict):
        raise InvalidValue(
            f"{at}: expected a mapping like {{name: x, layer: reserved, cidr: 10.0.0.0/8}}"
        )
    allowed = ("name", "cidr", "source") if reserved else ENTRY_KEYS
    unknown = sorted(str(key) for key in entry if key not in allowed)
    if unknown:
        raise InvalidValue(f"{at}: unknown key {unknown[0]!r}; expected some of {list(allowed)}")
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidValue(f"{at}.name: expected a non-empty name, got {name!r}")
    layer = Layer.RESERVED if reserved else _layer(entry.get("layer"), f"{at}.layer")
    try:
        cidr = parse_cidr(entry.get("cidr"), field=f"{where}.cidr")
    except InvalidValue as error:
        raise InvalidValue(f"{origin}: {error}") from None
    source = entry.get("source", f"{origin}#{where}")
    if not isinstance(source, str):
        raise InvalidValue(f"{at}.source: expected a string, got {source!r}")
    return AddressSpace(name=name, layer=layer, cidr=cidr, source=source)


def _layer(value: object, where: str) -> Layer:
    choices = [str(layer) for layer in Layer]
    if isinstance(value, str):
        wanted = value.strip().lower().replace("_", " ").replace("-", " ")
        for layer in Layer:
            if wanted == str(layer):
                return layer
    raise InvalidValue(f"{where}: unknown layer {value!r}; expected one of {choices}")


def _manifest_spaces(paths: list[Path], notes: list[str]) -> list[AddressSpace]:
    try:
        from netkit.manifests import load_manifests
    except ModuleNotFoundError as error:
        if error.name != "netkit.manifests":
            raise
        raise NetkitError(
            f"{paths[0]}: reading Kubernetes manifests needs netkit.manifests, which this "
            "install lacks; list the ranges in an address-spaces file instead "
            "(address_spaces: [{name, layer, cidr}])"
        ) from None
    model = load_manifests(paths)
    notes.extend(model.notes)
    return list(model.address_spaces)


def _stack_model(stack: str) -> NetworkModel:
    try:
        from netkit_cli.synth import model_for_stack
    except ModuleNotFoundError as error:
        raise NetkitError(
            f"--stack {stack!r}: synthesis is not available in this install ({error}); "
            "pass an address-spaces file instead"
        ) from None
    return model_for_stack(stack)
