"""Hostile or careless input, tried as a user would on the offline commands: each family
ends in exit status 2 and one line on stderr naming the file and what is wrong.

The families: values nested too deep, alias bombs (in a stack file, under another
project's key, in a manifest folder), keys written twice, digits of other scripts,
objects without a kind or apiVersion, objects the API server would refuse, a wildcard
ingress host in a stack file, pack config values of the wrong form, unknown choices on
the command line, a stack with no netkit configuration, special files and link loops.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from netkit_cli.main import main

ROOT = Path(__file__).parents[2]
DEV = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The one stderr line of `netkit ARGS`, asserting exit status 2."""
    with pytest.raises(SystemExit) as exited:
        raise SystemExit(main(list(args)))
    err = capsys.readouterr().err
    assert exited.value.code == 2, err
    assert err.count("\n") == 1 and err.startswith("netkit: error: "), err
    return err.removeprefix("netkit: error: ").rstrip("\n")


def project(tmp_path: Path, stack_text: str, stack: str = "lab") -> Path:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(stack_text)
    return tmp_path


def bomb(indent: str = "") -> str:
    lines = [f'{indent}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{indent}{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def manifest(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, **fields}


def write(folder: Path, name: str, *objects: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump_all(objects))
    return path


# --------------------------------------------------------------------------- depth, aliases


def test_a_stack_file_nested_500_levels_deep(tmp_path, capsys):
    folder = project(tmp_path, "config:\n  netkit:docker: " + "[" * 500 + "]" * 500 + "\n")

    message = run(capsys, "synth", "--stack", "lab", "--project-dir", str(folder))

    assert message.startswith("Pulumi.lab.yaml, document 1: line 2: nested deeper than 100")


@pytest.mark.parametrize("key", ["netkit:docker", "other:settings"])
def test_an_alias_bomb_in_a_stack_file_under_any_key(tmp_path, capsys, key):
    text = f"config:\n  {key}:\n" + bomb("    ")
    folder = project(tmp_path, text)

    message = run(capsys, "check", "--stack", "lab", "--project-dir", str(folder))

    assert message.startswith("Pulumi.lab.yaml, document 1: line ")
    assert "its aliases (*name) stand for more than 100000 values" in message


def test_an_alias_bomb_in_a_manifest_folder(tmp_path, capsys):
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "bomb.yaml").write_text(bomb())

    message = run(capsys, "check", str(folder))

    assert message.startswith(f"{folder / 'bomb.yaml'}, document 1: line ")
    assert "an alias bomb?" in message


# --------------------------------------------------------------------------- duplicates


def test_netkit_docker_written_twice_in_a_stack_file(tmp_path, capsys):
    folder = project(tmp_path, "config:\n  netkit:docker: {}\n  netkit:docker: {}\n")

    assert run(capsys, "synth", "--stack", "lab", "--project-dir", str(folder)) == (
        "Pulumi.lab.yaml, document 1: line 3: key 'netkit:docker' appears twice in config "
        "(first on line 2); keep one"
    )


def test_internal_written_twice_in_a_bridge(tmp_path, capsys):
    text = (
        "config:\n  netkit:docker:\n    bridges:\n      - name: b\n        internal: true\n"
        "        internal: false\n        subnets: [{subnet: 10.1.0.0/24}]\n"
    )
    folder = project(tmp_path, text)

    assert run(capsys, "synth", "--stack", "lab", "--project-dir", str(folder)) == (
        "Pulumi.lab.yaml, document 1: line 6: key 'internal' appears twice in "
        "config.netkit:docker.bridges[0] (first on line 5); keep one"
    )


def test_spec_written_twice_in_a_manifest(tmp_path, capsys):
    path = tmp_path / "svc.yaml"
    path.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {}\nspec: {}\n")

    assert run(capsys, "connlist", str(path)) == (
        f"{path}, document 1: line 5: key 'spec' appears twice in the document (first on "
        "line 4); keep one"
    )


# --------------------------------------------------------------------------- digits


def test_a_supernet_prefix_in_other_digits(capsys):
    assert run(capsys, "plan", "--supernet", "10.0.0.0/\u00b2", "--subnet", "a=/24") == (
        "subnet '10.0.0.0/\u00b2' in --supernet: prefix must be 0-32"
    )


def test_an_address_spaces_file_with_other_digits(tmp_path, capsys):
    path = tmp_path / "spaces.yaml"
    path.write_text("reserved:\n  - {name: vpn, cidr: '10.8.0.0/1\u0663'}\n")

    message = run(capsys, "overlap", str(path))

    assert message.endswith("prefix must be 0-32")


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        (
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": "p", "namespace": "a"},
                "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": "8\u00b2"}]}]},
            },
            "spec.ingress[0].ports[0].port",
        ),
        (
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": "p", "namespace": "a"},
                "spec": {
                    "podSelector": {},
                    "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/\u00b2"}}]}],
                },
            },
            "spec.ingress[0].from[0].ipBlock.cidr",
        ),
        (
            manifest(
                spec={"selector": {"a": "b"}, "ports": [{"port": 80, "targetPort": "8\u00b2"}]}
            ),
            "spec.ports[0].targetPort",
        ),
    ],
)
def test_manifest_numbers_in_other_digits(tmp_path, capsys, obj, field):
    path = write(tmp_path, "m.yaml", obj)

    message = run(capsys, "connlist", str(path))

    assert message.startswith(f"{path}, document 1 (") and f": {field}" in message, message


# --------------------------------------------------------------------------- kind, apiVersion


@pytest.mark.parametrize(
    ("obj", "problem"),
    [
        ({"metadata": {"name": "x"}}, "apiVersion is missing"),
        ({"apiVersion": "v1", "metadata": {"name": "x"}}, "kind is missing"),
        ({"apiVersion": "v1", "kind": 7}, "kind is 7, not a name"),
        ({"apiVersion": 1.5, "kind": "Pod"}, "apiVersion is 1.5, not a name"),
    ],
)
def test_validate_an_object_without_kind_or_api_version(tmp_path, capsys, obj, problem):
    write(tmp_path / "out", "m.yaml", obj)

    message = run(capsys, "validate", str(tmp_path / "out"))

    assert message.startswith(f"{tmp_path / 'out' / 'm.yaml'}, document 1: {problem}; ")


# --------------------------------------------------------------------------- API server rules


def _policy(peer: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "a"},
        "spec": {"podSelector": {}, "ingress": [{"from": [peer]}]},
    }


@pytest.mark.parametrize(
    ("obj", "field", "rule"),
    [
        (
            _policy({"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.1.0.0/24"]}}),
            "spec.ingress[0].from[0].ipBlock.except[0]",
            "inside",
        ),
        (
            _policy({"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.0.0.0/16"]}}),
            "spec.ingress[0].from[0].ipBlock.except[0]",
            "smaller than",
        ),
        (
            manifest(metadata={"name": "web", "labels": {"bad key!": "x"}}),
            "metadata.labels",
            "label key",
        ),
        (
            manifest(metadata={"name": "web", "labels": {"app": "-web"}}),
            "metadata.labels",
            "label value",
        ),
        (
            manifest(
                spec={
                    "selector": {"app": "web"},
                    "ports": [{"port": 80, "targetPort": "a-very-long-port-name"}],
                }
            ),
            "spec.ports[0].targetPort",
            "IANA service name",
        ),
    ],
)
def test_objects_the_api_server_would_refuse(tmp_path, capsys, obj, field, rule):
    path = write(tmp_path, "m.yaml", obj)

    message = run(capsys, "connlist", str(path))

    assert message.startswith(f"{path}, document 1 (") and f": {field}" in message, message
    assert rule in message


def test_a_name_the_api_server_would_refuse_is_a_note_naming_the_rule(tmp_path, capsys):
    # Not an error: the field's tools read such names (the netpol-analyzer corpus names a
    # policy 'use_common_labels_same_values', Checkov's a Service 'RELEASE-NAME-...').
    path = write(tmp_path, "m.yaml", manifest(metadata={"name": "Web_1"}))

    status = main(["check", str(path)])

    notes = [line for line in capsys.readouterr().err.splitlines() if "metadata.name" in line]
    assert status in (0, 1)
    assert notes == [
        f"netkit: note: {path}, document 1 (Service): metadata.name: value 'Web_1': must be "
        "at most 63 lowercase letters, digits or '-', starting and ending with a letter or "
        "digit; try 'web-1'; the API server requires an RFC 1035 label (a DNS label starting "
        "with a letter) for a Service name, so it would refuse this object"
    ]


# --------------------------------------------------------------------------- stack spec


def test_a_wildcard_ingress_host_in_a_stack_file(tmp_path, capsys):
    config = {"config": {"netkit:kubernetes": DEV["config"]["netkit:kubernetes"]}}
    config["config"]["netkit:kubernetes"]["ingresses"][0]["rules"][0]["host"] = "*.dev.example.com"
    folder = project(tmp_path, yaml.safe_dump(config))

    message = run(capsys, "synth", "--stack", "lab", "--project-dir", str(folder))

    assert message.startswith("Pulumi.lab.yaml: netkit:kubernetes.ingresses[0].rules[0].host")
    assert "wildcard" in message


@pytest.mark.parametrize(
    "text", ["", "config: {}\n", "encryptionsalt: v1:abc\n", "config:\n  other:key: 1\n"]
)
@pytest.mark.parametrize("command", ["synth", "check"])
def test_a_stack_with_no_netkit_configuration_is_refused(tmp_path, capsys, text, command):
    folder = project(tmp_path, text)

    message = run(capsys, command, "--stack", "lab", "--project-dir", str(folder))

    assert message.startswith("Pulumi.lab.yaml: no netkit configuration;")


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {"k8s-service-restrict-external-ips": {"allowedExternalIPs": ["nope"]}},
            "k8s-service-restrict-external-ips.allowedExternalIPs[0]: address 'nope': "
            "expected an IP address like '10.0.0.1'",
        ),
        (
            {
                "docker-network-require-explicit-subnet": {
                    "bridgeDefaultPools": [{"base": "banana", "size": 16}]
                }
            },
            "docker-network-require-explicit-subnet.bridgeDefaultPools[0]: subnet 'banana' in "
            "base: not an IP network; write it like '10.0.0.0/24'",
        ),
        (
            {
                "docker-network-require-explicit-subnet": {
                    "bridgeDefaultPools": [{"base": "172.17.0.0/16", "size": 99}]
                }
            },
            "docker-network-require-explicit-subnet.bridgeDefaultPools[0]: size 99: subnets "
            "cut from 172.17.0.0/16 have a prefix of 16-32",
        ),
    ],
)
def test_pack_config_values_of_the_wrong_form(tmp_path, capsys, config, expected):
    # None of these values is read by a rule on the dev stack: they are checked up front.
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(config))

    message = run(
        capsys, "check", "--stack", "dev", "--project-dir", str(ROOT), "--config", str(path)
    )

    assert message == f"{path}: {expected}"


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["connlist", "--format", "xml", "x.yaml"],
            "argument --format: invalid choice: 'xml' (choose from 'txt', 'json', 'csv', 'md', "
            "'dot', 'svg', 'html'); see `netkit connlist --help`",
        ),
        (
            ["chek"],
            "argument COMMAND: invalid choice: 'chek' (choose from 'synth', 'check', "
            "'connlist', 'diff', 'why', 'learn', 'selects', 'overlap', 'plan', 'validate', 'probe', 'preflight', 'policy-pack-path', "
            "'component-package-path'); see `netkit --help`",
        ),
    ],
)
def test_an_unknown_choice_is_one_line_with_the_valid_ones(capsys, args, expected):
    assert run(capsys, *args) == expected


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize(
    ("command", "name"), [("connlist", "pipe.yaml"), ("check", "pipe.json"), ("diff", "pipe.json")]
)
def test_a_fifo_named_as_a_path_is_refused_not_waited_on(tmp_path, command, name):
    # .json paths are tried as resource lists and engine documents first: those readers
    # must not open a FIFO either.
    fifo = tmp_path / name
    os.mkfifo(fifo)
    extra = [str(fifo)] if command == "diff" else []

    result = subprocess.run(
        [sys.executable, "-m", "netkit_cli.main", command, str(fifo), *extra],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,  # a guard: a reader that blocks would hang the suite
    )

    assert (result.returncode, result.stderr) == (
        2,
        f"netkit: error: {fifo}: a named pipe (FIFO), which would block the reader; netkit "
        "reads regular YAML or JSON files only\n",
    )


def test_a_symlink_loop_in_a_folder_is_named_not_skipped(tmp_path, capsys):
    folder = tmp_path / "manifests"
    write(folder, "ok.yaml", manifest(spec={"selector": {"app": "web"}}))
    (folder / "loop.yaml").symlink_to("loop.yaml")

    assert run(capsys, "check", str(folder)) == (
        f"{folder / 'loop.yaml'}: a symbolic link loop (the link leads back to itself); point "
        "it at a file"
    )
