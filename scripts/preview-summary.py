#!/usr/bin/env python3
"""The job summary of a pull request's preview of one stack, in Markdown.

    pulumi stack export --stack dev > deployed.json
    pulumi preview --stack dev --json --show-sames > preview.json
    scripts/preview-summary.py --stack dev --before deployed.json --after preview.json \\
        --preview preview.json -o "$GITHUB_STEP_SUMMARY"

It prints the resources the preview changes, the policy pack's violations (its rules run
on the `--after` model, as `netkit check` runs them) and the reachability diff from
`--before` to `--after` (`netkit diff --format md`, with one sentence per pair). Each
side is one of:

  a `pulumi stack export` file        what is deployed
  a `pulumi preview --json` file      what the preview would deploy (its new states)
  a stack file, `DIR/Pulumi.NAME.yaml` the program run offline on it (the base branch's)
  stack:NAME                           the same, on `Pulumi.NAME.yaml` here
  none                                 nothing (a stack that is not deployed yet)
  Kubernetes manifests (file or folder)

`-o FILE` appends (the job summary collects every step's). Exit status: 0 when the
summary is written, 2 on a usage error (one line naming the argument and the fix).
Run with the project's virtualenv (`.venv/bin/python scripts/preview-summary.py`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from netkit.diff import diff
from netkit.errors import NetkitError
from netkit.model import NetworkModel
from netkit.review import render_summary
from netkit.sources import STACK_PREFIX, Loader, Source
from netkit.sources.engine_json import DocumentKind, EngineDocument, read_engine_document

NOTHING = "none"


def load_side(source: str, argument: str) -> tuple[str, NetworkModel]:
    """A label saying where one side came from, and its model."""
    from netkit_cli.synth import model_for_stack  # runs the program: only when asked

    loader = Loader(stack_model=model_for_stack)
    if source == NOTHING:
        return "nothing (not deployed yet)", NetworkModel()
    if source.startswith(STACK_PREFIX):
        name = source[len(STACK_PREFIX) :]
        return f"the stack file `Pulumi.{name}.yaml`", loader.load(Source.of_stack(name))
    path = Path(source)
    if not path.exists():
        raise NetkitError(
            f"{argument} {source!r}: no such file or folder; give a `pulumi stack export` or "
            "`pulumi preview --json` file, a stack file, stack:NAME, none or manifests"
        )
    if path.is_file() and path.name.startswith("Pulumi.") and path.suffix in (".yaml", ".yml"):
        name = path.name[len("Pulumi.") : -len(path.suffix)]
        return f"the stack file `{path}`", loader.load(Source.of_stack(name, path.parent))
    document = read_engine_document(path) if path.is_file() else None
    if document is None:
        label = f"the manifests in `{path}`"
    elif document.kind is DocumentKind.EXPORT:
        label = "the deployed stack"
    else:
        label = "this pull request's preview"
    return label, loader.load(Source.of_paths([path]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="preview-summary.py", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--stack", required=True, metavar="NAME", help="the stack's name")
    parser.add_argument("--before", required=True, metavar="SOURCE", help="e.g. what is deployed")
    parser.add_argument("--after", required=True, metavar="SOURCE", help="e.g. the preview")
    parser.add_argument(
        "--preview", type=Path, metavar="FILE", help="`pulumi preview --json` output"
    )
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="policy pack config, as `netkit check --config`"
    )
    parser.add_argument(
        "--note", action="append", default=[], metavar="TEXT", help="a line to show first"
    )
    parser.add_argument(
        "--before-label", metavar="TEXT", help="what to call --before (default: from its kind)"
    )
    parser.add_argument(
        "--after-label", metavar="TEXT", help="what to call --after (default: from its kind)"
    )
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="append to FILE")
    args = parser.parse_args(argv)
    try:
        text = summary(args)
    except NetkitError as error:
        print(f"preview-summary: error: {error}", file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.write(text)
    else:
        with args.output.open("a", encoding="utf-8") as out:
            out.write(text + "\n")
    return 0


def summary(args: argparse.Namespace) -> str:
    from netkit_policies.registry import PackConfig, run_rules

    preview: EngineDocument | None = None
    if args.preview is not None:
        preview = read_engine_document(args.preview)
        if preview is None or preview.kind is not DocumentKind.PREVIEW:
            raise NetkitError(
                f"--preview {str(args.preview)!r}: not `pulumi preview --json` output; "
                "give the file that command wrote"
            )
    config = PackConfig.load(args.config) if args.config else PackConfig()
    before_label, before = load_side(args.before, "--before")
    after_label, after = load_side(args.after, "--after")
    findings = sorted(run_rules(after, config), key=lambda f: (f.level != "mandatory", f.rule))
    violations = [finding.to_json() for finding in findings]
    return render_summary(
        args.stack,
        diffs=diff(before, after),
        violations=violations,
        before=args.before_label or before_label,
        after=args.after_label or after_label,
        preview=preview,
        notes=args.note,
    )


if __name__ == "__main__":
    raise SystemExit(main())
