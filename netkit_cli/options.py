"""The options several commands share, defined once, and the loader that reads them.

`--stack` and `--project-dir` name a stack; PATH arguments name manifests, resource lists
or address-spaces files; `--kubeconfig` and `--context` name a running cluster. Each
becomes a `netkit.sources.Source`, read by `LOADER`, to which this layer hands the stack
synthesis (it runs the program, which `netkit` must not import).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from netkit.errors import NetkitError
from netkit.model import NetworkModel
from netkit.sources import Loader, Source
from netkit_cli import arguments

if TYPE_CHECKING:  # imported when --docker is given: the reader pulls in the resource adapter
    from netkit.docker_live import EngineRef


def _model_for_stack(stack: str, project_dir: Path | None) -> NetworkModel:
    # Imported when a stack is named: the synthesis loads Pulumi and the program, which
    # the other commands' start-up should not pay for.
    from netkit_cli import synth

    return synth.model_for_stack(stack, project_dir)


LOADER = Loader(stack_model=_model_for_stack)


def add_paths(parser: argparse.ArgumentParser, text: str) -> None:
    """PATH... arguments; `text` says what a path may be for this command."""
    parser.add_argument("paths", nargs="*", type=arguments.path("PATH"), metavar="PATH", help=text)


def add_stack(
    parser: argparse.ArgumentParser,
    text: str = "the stack's model, from its program run offline",
    *,
    required: bool = False,
) -> None:
    """`--stack NAME` and the `--project-dir DIR` it is read from."""
    parser.add_argument(
        "--stack", type=arguments.stack_name(), metavar="NAME", required=required, help=text
    )
    add_project_dir(parser)


def add_project_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project-dir",
        type=arguments.path("--project-dir"),
        default=None,
        metavar="DIR",
        help="folder holding Pulumi.yaml and the stack files (default: the current folder)",
    )


def add_cluster(parser: argparse.ArgumentParser) -> None:
    """`--kubeconfig FILE` and `--context NAME`: which running cluster to read. Either one
    names the cluster; the other keeps its default. `--namespace NAME` (repeatable) reads
    only those namespaces' objects, as `kubectl -n` does."""
    parser.add_argument(
        "--kubeconfig",
        type=arguments.text("--kubeconfig", "a kubeconfig file"),
        metavar="FILE",
        help="default: KUBECONFIG, then ~/.kube/config",
    )
    parser.add_argument(
        "--context",
        type=arguments.text("--context", "a context of the kubeconfig"),
        metavar="NAME",
        help="default: the current context",
    )
    parser.add_argument(
        "-n",
        "--namespace",
        action="append",
        default=[],
        type=arguments.dns_label("--namespace"),
        metavar="NAME",
        help="of a running cluster, read only the objects of these namespaces "
        "(repeatable; default: every namespace)",
    )


def _engine(text: str) -> EngineRef:
    from netkit.docker_live import parse_engine

    try:
        return parse_engine(text)
    except NetkitError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_docker(
    parser: argparse.ArgumentParser,
    text: str = "a running Docker engine to read (repeatable): unix://, tcp://, ssh:// "
    "or netkit-hosts://hostN; NAME=URL names its host",
) -> None:
    """`--docker URL` (repeatable), checked when the command line is parsed."""
    parser.add_argument(
        "--docker", action="append", default=[], type=_engine, metavar="URL", help=text
    )


def add_format(parser: argparse.ArgumentParser, choices: Sequence[str], default: str) -> None:
    parser.add_argument(
        "--format", choices=tuple(choices), default=default, help=f"default: {default}"
    )


def add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=arguments.path("--config"),
        metavar="FILE",
        help="policy pack config (the JSON `pulumi preview --policy-pack-config` reads): "
        "levels and properties per rule",
    )


def named_source(args: argparse.Namespace) -> Source | None:
    """The source PATH..., --stack, --kubeconfig/--context and --docker name; None when
    none is. Engines (`--docker`) are read alone or beside manifests or a cluster."""
    source = _named_source(args)
    engines: list[EngineRef] = getattr(args, "docker", None) or []
    if not engines:
        return source
    if source is None:
        return Source.of_docker(engines)
    if args.stack:
        raise NetkitError(
            "give --stack NAME or --docker URL, not both (the stack's model is what it "
            "declares; `netkit probe --stack NAME` compares it with its running engines)"
        )
    return source.with_docker(engines)


def _named_source(args: argparse.Namespace) -> Source | None:
    paths: list[Path] = args.paths
    if paths and args.stack:
        raise NetkitError("give PATH... or --stack NAME, not both")
    # Commands without the cluster options (synth, diff) have no such attributes.
    kubeconfig: str | None = getattr(args, "kubeconfig", None)
    context: str | None = getattr(args, "context", None)
    namespaces: list[str] = getattr(args, "namespace", None) or []
    if kubeconfig is not None or context is not None:
        if paths or args.stack:
            given = "PATH..." if paths else "--stack NAME"
            raise NetkitError(
                f"give {given} or --kubeconfig FILE/--context NAME (a running cluster), not both"
            )
        return Source.of_cluster(context or "", kubeconfig or "", namespaces)
    if namespaces:
        raise NetkitError(
            "--namespace reads part of a running cluster: give it with --kubeconfig FILE "
            "or --context NAME"
        )
    if args.stack:
        return Source.of_stack(args.stack, args.project_dir)
    return Source.of_paths(paths) if paths else None


def required_source(args: argparse.Namespace, nothing: str) -> Source:
    """The source the options name; `nothing` is the error when none is."""
    source = named_source(args)
    if source is None:
        raise NetkitError(nothing)
    return source
