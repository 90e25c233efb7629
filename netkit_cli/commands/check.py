"""`netkit check`: the policy pack's rules, offline, on a stack or on manifests.

    netkit check --stack dev                      # our program under mocks -> model -> rules
    netkit check rendered/dev/ legacy.yaml        # Kubernetes manifests (files or folders)
    netkit check synth.json                       # a resource list (`netkit synth --format json`)
    netkit check --context staging                # a running cluster (kubeconfig context)
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
from typing import Any

from netkit_cli import options

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
    options.add_paths(
        parser,
        "Kubernetes manifests (files or folders), or a resource list as "
        "`netkit synth --format json` prints it",
    )
    options.add_stack(parser)
    options.add_cluster(parser)
    options.add_config(parser)
    options.add_format(parser, ("txt", "json"), "txt")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from netkit_policies.registry import PackConfig, run_rules

    source = options.required_source(
        args, "nothing to check: give --stack NAME, PATH... (manifests) or --kubeconfig FILE"
    )
    config = PackConfig.load(args.config) if args.config else PackConfig()
    model = options.LOADER.load(source)
    target = source.describe()
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
