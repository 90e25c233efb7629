"""`netkit check`: the policy pack's rules, offline, on a stack or on manifests.

    netkit check --stack dev                      # our program under mocks -> model -> rules
    netkit check rendered/dev/ legacy.yaml        # Kubernetes manifests (files or folders)
    netkit check synth.json                       # a resource list (`netkit synth --format json`)
    netkit check --stack prod --config policy-config.json --format json

Each violation prints on one line: level, rule, resource (kind, namespace/name) and
message. `--config` takes the file `pulumi preview --policy-pack-config` takes.
Exit status: 1 when a violation is at the mandatory level, 0 otherwise, 2 on a usage
error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from netkit.documents import manifest_files
from netkit.errors import NetkitError
from netkit.model import NetworkModel

_ORDER = {"mandatory": 0, "advisory": 1}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="run the policy pack's rules on a stack or on Kubernetes manifests",
        description=(
            "Run every rule of the policy pack (subnet overlap, least privilege, exposure, "
            "Docker, CNI) on the stack's model, or on manifests for teams with existing YAML. "
            "Exit status 1 when any violation is at the mandatory level."
        ),
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="Kubernetes manifests (files or folders), or a resource list as "
        "`netkit synth --format json` prints it",
    )
    parser.add_argument(
        "--stack", metavar="NAME", help="the stack's model, from its program run offline"
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder holding Pulumi.yaml and the stack files (default: the current folder)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="policy pack config (the JSON `pulumi preview --policy-pack-config` reads): "
        "levels and properties per rule",
    )
    parser.add_argument("--format", choices=("txt", "json"), default="txt", help="default: txt")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from policies.registry import PackConfig, run_rules

    paths: list[Path] = args.paths
    if paths and args.stack:
        raise NetkitError("give PATH... or --stack NAME, not both")
    if not paths and not args.stack:
        raise NetkitError("nothing to check: give --stack NAME or PATH... (manifests)")
    config = PackConfig.load(args.config) if args.config else PackConfig()
    if args.stack:
        from netkit_cli.synth import model_for_stack

        model = model_for_stack(args.stack, args.project_dir)
        target = f"stack {args.stack}"
    else:
        model = load_paths(paths)
        target = ", ".join(str(path) for path in paths)
    for note in model.notes:
        print(f"netkit: note: {note}", file=sys.stderr)
    findings = sorted(
        run_rules(model, config),
        key=lambda f: (_ORDER.get(str(f.level), 2), f.rule, f.resource.describe()),
    )
    mandatory = sum(1 for f in findings if f.level == "mandatory")
    advisory = len(findings) - mandatory
    if args.format == "json":
        document: dict[str, Any] = {
            "target": target,
            "violations": [finding.to_json() for finding in findings],
            "summary": {"mandatory": mandatory, "advisory": advisory},
        }
        print(json.dumps(document, indent=2))
    else:
        for finding in findings:
            print(finding.line())
        print(summary(target, mandatory, advisory))
    return 1 if mandatory else 0


def summary(target: str, mandatory: int, advisory: int) -> str:
    """`stack dev: 0 violations`, or `...: 3 violations (2 mandatory, 1 advisory)`."""
    total = mandatory + advisory
    if total == 0:
        return f"{target}: 0 violations"
    return (
        f"{target}: {total} violation{'' if total == 1 else 's'} "
        f"({mandatory} mandatory, {advisory} advisory)"
    )


# --------------------------------------------------------------------------- inputs


def _files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise NetkitError(f"{path}: no such file or folder")
        if path.is_file():
            files.append(path)
            continue
        files.extend(manifest_files(path))
    return files


def _resource_list(path: Path) -> list[Any] | None:
    """The records of a resource-list JSON file, or None for anything else."""
    if path.suffix.lower() != ".json":
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None  # the manifest reader reports what is wrong with it
    if (
        isinstance(document, list)
        and document
        and all(isinstance(item, dict) and "type" in item and "inputs" in item for item in document)
    ):
        return document
    return None


def load_paths(paths: Sequence[Path]) -> NetworkModel:
    """One model of the manifests and resource lists (`[{type, name, urn, inputs}]`) in
    `paths`. Folders are read as `netkit.manifests.load_manifests` reads them (files
    without Kubernetes objects skipped with a note), resource lists aside; manifests keep
    their file and document as source."""
    from netkit.manifests import load_manifests
    from netkit.resources import Resource, model_from_resources

    records: list[Resource] = []
    listed: set[Path] = set()
    manifests = False
    for path in _files(paths):
        items = _resource_list(path)
        if items is None:
            manifests = True
            continue
        listed.add(path)
        for index, item in enumerate(items):
            name = item.get("name") or f"{path.name}[{index}]"
            records.append(
                Resource(str(item["type"]), str(name), str(item.get("urn") or ""), item["inputs"])
            )
    if not manifests:
        return model_from_resources(records)
    from_manifests = load_manifests([p for p in paths if p.is_dir() or p not in listed])
    notes = tuple(n for n in from_manifests.notes if not any(n.startswith(f"{p}:") for p in listed))
    from_manifests = replace(from_manifests, notes=notes)
    if not records:
        return from_manifests
    return merge(model_from_resources(records), from_manifests)


def merge(stack: NetworkModel, manifests: NetworkModel) -> NetworkModel:
    """`stack` (its intent, Docker and Calico) with the Kubernetes objects of `manifests`."""
    return replace(
        stack,
        address_spaces=stack.address_spaces + manifests.address_spaces,
        namespaces=stack.namespaces + manifests.namespaces,
        workloads=stack.workloads + manifests.workloads,
        services=stack.services + manifests.services,
        ingresses=stack.ingresses + manifests.ingresses,
        network_policies=stack.network_policies + manifests.network_policies,
        unknown=stack.unknown + manifests.unknown,
        notes=stack.notes + manifests.notes,
    )
