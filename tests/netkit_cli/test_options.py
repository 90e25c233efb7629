"""Options several commands share are defined once and mean the same everywhere."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from netkit.errors import NetkitError
from netkit.sources import Source
from netkit_cli.main import build_parser
from netkit_cli.options import named_source, required_source


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {flag for action in parser._actions for flag in action.option_strings}


def test_every_command_that_names_a_stack_takes_its_project_folder():
    commands = _subcommands()
    with_stack = sorted(name for name, p in commands.items() if "--stack" in _options(p))
    assert with_stack == ["check", "connlist", "overlap", "synth"]
    for name in [*with_stack, "diff"]:  # diff names stacks as stack:NAME
        assert "--project-dir" in _options(commands[name]), name


def test_the_commands_that_read_a_model_take_a_running_cluster_with_the_same_options():
    commands = _subcommands()
    with_cluster = sorted(name for name, p in commands.items() if "--kubeconfig" in _options(p))
    assert with_cluster == ["check", "connlist", "overlap", "probe"]
    for name in with_cluster:
        [kubeconfig] = [a for a in commands[name]._actions if "--kubeconfig" in a.option_strings]
        [context] = [a for a in commands[name]._actions if "--context" in a.option_strings]
        assert (kubeconfig.metavar, kubeconfig.help, context.metavar, context.help) == (
            "FILE",
            "default: KUBECONFIG, then ~/.kube/config",
            "NAME",
            "default: the current context",
        )


def test_project_dir_reaches_the_source(tmp_path):
    args = _subcommands()["check"].parse_args(["--stack", "dev", "--project-dir", str(tmp_path)])
    assert named_source(args) == Source.of_stack("dev", tmp_path)


def test_paths_and_a_stack_together_are_refused():
    args = argparse.Namespace(paths=[Path("a.yaml")], stack="dev", project_dir=None)
    with pytest.raises(NetkitError, match=r"^give PATH\.\.\. or --stack NAME, not both$"):
        named_source(args)


def test_neither_paths_nor_a_stack_is_the_commands_own_message():
    args = argparse.Namespace(paths=[], stack=None, project_dir=None)
    assert named_source(args) is None
    with pytest.raises(NetkitError, match=r"^nothing to do here$"):
        required_source(args, "nothing to do here")
