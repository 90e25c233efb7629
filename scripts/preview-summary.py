#!/usr/bin/env python3
"""The job summary of a pull request's preview of one stack, in Markdown.

    pulumi stack export --stack dev > deployed.json
    pulumi preview --stack dev --json --show-sames > preview.json
    scripts/preview-summary.py --stack dev --before deployed.json --after preview.json \\
        --preview preview.json -o "$GITHUB_STEP_SUMMARY"

It prints the exposure change first (potential peers, such as every namespace, that a
workload is newly exposed to), then the resources the preview changes, the policy pack's
violations (its rules run on the `--after` model, as `netkit check` runs them) and the
reachability diff from `--before` to `--after` (`netkit diff --format md`, with one
sentence per pair). Each side is one of:

  a `pulumi stack export` file        what is deployed
  a `pulumi preview --json` file      what the preview would deploy (its new states)
  a stack file, `DIR/Pulumi.NAME.yaml` the program run offline on it (the base branch's)
  stack:NAME                           the same, on `Pulumi.NAME.yaml` here
  none                                 nothing (a stack that is not deployed yet)
  Kubernetes manifests (file or folder)

`-o FILE` appends (the job summary collects every step's). `--comment FILE` also writes
the stack's part of the pull-request comment (`scripts/pr-comment.py` posts it): the
exposure change, the pack's new and fixed findings with their severity (its rules run on
both sides), the reachability diff and the changed resources, each as a short list.
Exit status: 0 when the summary is written, 2 on a usage error or when the summary
cannot be written (a full disk, a closed pipe): one line naming the argument or the
output, and the fix.
Run with the project's virtualenv (`.venv/bin/python scripts/preview-summary.py`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from netkit import output
from netkit.diff import compare, diff
from netkit.errors import NetkitError, OutputError
from netkit.model import NetworkModel
from netkit.reachability.exposure import ExposureUnsupported
from netkit.review import comment_section, findings_change, render_summary
from netkit.sources import STACK_PREFIX, Loader, Source
from netkit.sources.engine_json import DocumentKind, EngineDocument, read_engine_document
from netkit.staged import has_staged, staged_effect
from netkit_cli import arguments
from netkit_cli.messages import report

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
    parser.add_argument(
        "--stack",
        required=True,
        type=arguments.stack_name("--stack"),
        metavar="NAME",
        help="the stack's name",
    )
    parser.add_argument(
        "--before",
        required=True,
        type=arguments.text("--before", "a source"),
        metavar="SOURCE",
        help="e.g. what is deployed",
    )
    parser.add_argument(
        "--after",
        required=True,
        type=arguments.text("--after", "a source"),
        metavar="SOURCE",
        help="e.g. the preview",
    )
    parser.add_argument(
        "--preview",
        type=arguments.path("--preview"),
        metavar="FILE",
        help="`pulumi preview --json` output",
    )
    parser.add_argument(
        "--config",
        type=arguments.path("--config"),
        metavar="FILE",
        help="policy pack config, as `netkit check --config`",
    )
    parser.add_argument(
        "--note",
        action="append",
        type=arguments.text("--note", "a line of text"),
        default=[],
        metavar="TEXT",
        help="a line to show first",
    )
    parser.add_argument(
        "--before-label",
        type=arguments.text("--before-label", "a label"),
        metavar="TEXT",
        help="what to call --before (default: from its kind)",
    )
    parser.add_argument(
        "--after-label",
        type=arguments.text("--after-label", "a label"),
        metavar="TEXT",
        help="what to call --after (default: from its kind)",
    )
    parser.add_argument(
        "-o", "--output", type=arguments.path("--output"), metavar="FILE", help="append to FILE"
    )
    parser.add_argument(
        "--comment",
        type=arguments.path("--comment"),
        metavar="FILE",
        help="also write the stack's part of the pull-request comment to FILE",
    )
    with output.guarded_stdout():
        try:
            # Flags are checked while parsing, before anything is read (FlagError).
            args = parser.parse_args(argv)
            text, comment = summary(args)
            if args.output is None:
                output.write_text(text)
            else:
                output.write_text(text + "\n", args.output, append=True)
            if args.comment is not None:
                output.write_text(comment, args.comment)
        except NetkitError as error:
            report(error, "preview-summary")
            if isinstance(error, OutputError) and args.output is None:
                output.silence_stdout()
            return 2
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            report(NetkitError(f"{where}{error.strerror or error}"), "preview-summary")
            return 2
    return 0


def summary(args: argparse.Namespace) -> tuple[str, str]:
    """The job summary's Markdown and the comment's section for the stack."""
    from netkit_policies.locations import with_locations
    from netkit_policies.registry import PackConfig, run_rules

    preview: EngineDocument | None = None
    if args.preview is not None:
        preview = read_engine_document(args.preview, required="--preview")
        if preview is None or preview.kind is not DocumentKind.PREVIEW:
            raise NetkitError(
                f"--preview {str(args.preview)!r}: not `pulumi preview --json` output; "
                "give the file that command wrote"
            )
    config = PackConfig.load(args.config) if args.config else PackConfig()
    before_label, before = load_side(args.before, "--before")
    after_label, after = load_side(args.after, "--after")
    findings = sorted(
        with_locations(run_rules(after, config), _stack_file(args.after, args.stack)),
        key=lambda f: (f.level != "mandatory", f.rule),
    )
    violations = [finding.to_json() for finding in findings]
    earlier = [finding.to_json() for finding in run_rules(before, config)]
    notes = list(args.note)
    try:
        diffs, exposure = compare(before, after)
    except ExposureUnsupported as unsupported:
        diffs, exposure = diff(before, after), []
        notes.append(f"The exposure change is not shown: {unsupported}")
    text = render_summary(
        args.stack,
        diffs=diffs,
        exposure=exposure,
        violations=violations,
        before=args.before_label or before_label,
        after=args.after_label or after_label,
        preview=preview,
        notes=notes,
        staged=staged_effect(after) if has_staged(after) else None,
    )
    comment = comment_section(
        args.stack,
        diffs=diffs,
        exposure=exposure,
        findings=findings_change(earlier, violations),
        preview=preview,
        notes=notes,
    )
    return text, comment


def _stack_file(source: str, stack: str) -> Path | None:
    """The stack file behind a side, for the findings' positions: the side itself, or
    for a preview of the stack, `Pulumi.<stack>.yaml` here (the preview ran it)."""
    if source.startswith(STACK_PREFIX):
        return Path(f"Pulumi.{source[len(STACK_PREFIX) :]}.yaml")
    path = Path(source)
    if path.is_file() and path.name.startswith("Pulumi.") and path.suffix in (".yaml", ".yml"):
        return path
    document = read_engine_document(path) if path.is_file() else None
    here = Path(f"Pulumi.{stack}.yaml")
    if document is not None and document.kind is DocumentKind.PREVIEW and here.is_file():
        return here
    return None


if __name__ == "__main__":
    raise SystemExit(main())
