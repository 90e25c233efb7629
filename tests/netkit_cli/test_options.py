"""Options several commands share are defined once and mean the same everywhere."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from netkit.errors import NetkitError
from netkit.sources import Source
from netkit_cli.main import build_parser, main
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
    assert with_stack == [
        "check",
        "connlist",
        "learn",
        "overlap",
        "preflight",
        "probe",
        "selects",
        "synth",
        "why",
    ]
    for name in [*with_stack, "diff"]:  # diff names stacks as stack:NAME
        assert "--project-dir" in _options(commands[name]), name


def test_the_commands_that_read_a_model_take_a_running_cluster_with_the_same_options():
    commands = _subcommands()
    with_cluster = sorted(name for name, p in commands.items() if "--kubeconfig" in _options(p))
    assert with_cluster == ["check", "connlist", "learn", "overlap", "probe", "selects", "why"]
    for name in with_cluster:
        [kubeconfig] = [a for a in commands[name]._actions if "--kubeconfig" in a.option_strings]
        [context] = [a for a in commands[name]._actions if "--context" in a.option_strings]
        assert (kubeconfig.metavar, kubeconfig.help, context.metavar, context.help) == (
            "FILE",
            "default: KUBECONFIG, then ~/.kube/config",
            "NAME",
            "default: the current context",
        )


def test_namespaces_scope_a_running_cluster_as_kubectl_n_does():
    args = _subcommands()["connlist"].parse_args(
        ["--kubeconfig", "k", "-n", "shop-web", "--namespace", "shop-api"]
    )
    assert named_source(args) == Source.of_cluster("", "k", ["shop-api", "shop-web"])


def test_namespaces_without_a_running_cluster_are_refused():
    args = _subcommands()["check"].parse_args(["--stack", "dev", "--namespace", "shop-web"])
    with pytest.raises(NetkitError, match=r"^--namespace reads part of a running cluster"):
        named_source(args)


def test_a_namespace_the_api_server_would_refuse_is_refused_while_parsing(capsys):
    assert main(["connlist", "--kubeconfig", "k", "--namespace", "Shop_Web"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--namespace 'Shop_Web': must be at most 63 lowercase letters" in err


def test_the_commands_that_read_a_model_take_running_docker_engines_with_the_same_option():
    commands = _subcommands()
    with_docker = sorted(name for name, p in commands.items() if "--docker" in _options(p))
    assert with_docker == ["check", "connlist", "learn", "overlap", "probe", "why"]
    for name in with_docker:
        [docker] = [a for a in commands[name]._actions if "--docker" in a.option_strings]
        assert docker.metavar == "URL"
        assert isinstance(docker, argparse._AppendAction)
        assert docker.default == []


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
