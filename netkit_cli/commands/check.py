"""`netkit check`: the policy pack's rules, offline, on a stack or on manifests.

    netkit check --stack dev                      # our program under mocks -> model -> rules
    netkit check rendered/dev/ legacy.yaml        # Kubernetes manifests (files or folders)
    netkit check synth.json                       # a resource list (`netkit synth --format json`)
    netkit check --context staging                # a running cluster (kubeconfig context)
    netkit check --docker netkit-hosts://host1    # running Docker engines
    netkit check --stack prod --config policy-config.json --format json
    netkit check --stack staging --format sarif > netkit.sarif   # for code-scanning tools
    netkit check --stack staging --format github                 # annotations in a workflow

Each violation prints on one line: where its value is written (`FILE:LINE:COLUMN:`, for
a stack file or a manifest), level, severity, rule, resource (kind, namespace/name) and
message, then the steps that fix it. `--format json` adds the rule's URL; `sarif` is
SARIF 2.1.0; `github` is one workflow command per finding (`::error file=...,line=...,
col=...::`), which GitHub shows on the pull request's diff. `--config` takes the file
`pulumi preview --policy-pack-config` takes. Exit status: 1 when a violation is at the
mandatory level, 0 otherwise, 2 on a usage error.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from netkit.sources import Source, SourceKind
from netkit.spec import stack_file
from netkit_cli import messages, options

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
    options.add_docker(parser)
    options.add_config(parser)
    options.add_format(parser, ("txt", "text", "json", "sarif", "github"), "txt")
    parser.set_defaults(handler=run)


def _stack_file(source: Source) -> Path | None:
    if source.kind is not SourceKind.STACK:
        return None
    return stack_file(source.project_dir or Path.cwd(), source.stack)


def run(args: argparse.Namespace) -> int:
    from netkit_policies.locations import with_locations
    from netkit_policies.registry import RULES, PackConfig, run_rules
    from netkit_policies.report import render_findings

    source = options.required_source(
        args,
        "nothing to check: give --stack NAME, PATH... (manifests), --kubeconfig FILE or --docker URL",
    )
    config = PackConfig.load(args.config) if args.config else PackConfig()
    model = options.LOADER.load(source)
    target = source.describe()
    for note in model.notes:
        messages.note(note)
    findings = sorted(
        with_locations(run_rules(model, config), _stack_file(source)),
        key=lambda f: (_ORDER.get(str(f.level), 2), f.rule, f.resource.describe()),
    )
    rules = [(rule, config.level(rule)) for rule in RULES]
    text = render_findings(findings, args.format, target, rules)
    if text:
        print(text)
    return 1 if any(f.level == "mandatory" for f in findings) else 0
