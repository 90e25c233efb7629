"""Mistakes in files a user hands to netkit end in one line naming the value, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def netkit(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netkit_cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def _resources(tmp_path: Path, resource: dict[str, object]) -> Path:
    path = tmp_path / "resources.json"
    path.write_text(json.dumps([resource]))
    return path


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        (
            {
                "type": "docker:index/network:Network",
                "name": "n",
                "inputs": {"name": "n", "ipamConfigs": [{"subnet": "10.0.0.0/33"}]},
            },
            "docker:index/network:Network 'n': subnet '10.0.0.0/33' in ipamConfigs[0].subnet: "
            "prefix must be 0-32",
        ),
        (
            {
                "type": "docker:index/network:Network",
                "name": "n",
                "inputs": {"ipamConfigs": [{"subnet": "10.0.0.0/24", "gateway": "10.0.0.x"}]},
            },
            "docker:index/network:Network 'n': address '10.0.0.x' in ipamConfigs[0].gateway: "
            "expected an IP address like '10.0.0.1'",
        ),
        (
            {
                "type": "docker:index/container:Container",
                "name": "c",
                "inputs": {"name": "c", "ports": [{"internal": "abc"}]},
            },
            "docker:index/container:Container 'c': ports[0].internal 'abc': "
            "expected a port number 1-65535",
        ),
        (
            {
                "type": "netkit:stack:NetworkStack",
                "name": "dev",
                "inputs": {"intent": {"podCidr": "10.244.0.0/33"}},
            },
            "netkit:stack:NetworkStack 'dev': subnet '10.244.0.0/33' in intent.podCidr: "
            "prefix must be 0-32",
        ),
        (
            {
                "type": "netkit:stack:NetworkStack",
                "name": "dev",
                "inputs": {"intent": {"reserved": [{"name": "vpn", "cidr": "10.8.0.1/16"}]}},
            },
            "netkit:stack:NetworkStack 'dev': subnet '10.8.0.1/16' in intent.reserved[0].cidr: "
            "host bits are set; did you mean '10.8.0.0/16'?",
        ),
    ],
)
def test_a_bad_value_in_a_resource_list_is_named_with_its_resource(tmp_path, resource, message):
    result = netkit("check", str(_resources(tmp_path, resource)))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"netkit: error: {message}\n"


def test_a_bad_cidr_in_the_pack_config_names_the_property(tmp_path):
    config = tmp_path / "pack.json"
    config.write_text(
        json.dumps(
            {
                "docker-network-disallow-subnet-overlap": {
                    "reservedRanges": [{"name": "vpn", "cidr": "10.0.0.0/33"}]
                }
            }
        )
    )
    result = netkit("check", "--stack", "dev", "--config", str(config))
    assert result.returncode == 2
    assert result.stderr == (
        f"netkit: error: {config}: docker-network-disallow-subnet-overlap.reservedRanges[0].cidr: "
        "subnet '10.0.0.0/33': prefix must be 0-32\n"
    )


def test_validate_a_folder_that_does_not_exist():
    result = netkit("validate", "/no/such/folder")
    assert result.returncode == 2
    assert result.stderr == (
        "netkit: error: /no/such/folder: no such folder; give the folder manifests were "
        "rendered to\n"
    )


BROKEN_YAML = "a: 1\nb: [2, 3\nc: 4\n"  # the list is never closed


@pytest.mark.parametrize(
    ("command", "name"),
    [
        (("check", "--stack", "dev", "--config"), "pack.yaml"),
        (("overlap",), "spaces.yaml"),
        (("validate",), "rendered"),
    ],
)
def test_a_file_that_is_not_yaml_is_one_line_with_its_line_and_column(tmp_path, command, name):
    path = tmp_path / name
    if name == "rendered":  # a folder of rendered manifests
        path.mkdir()
        path = path / "service.yaml"
    path.write_text(BROKEN_YAML)

    result = netkit(*command, str(tmp_path / name))

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"netkit: error: {path}, document 1: not valid YAML: line 3, column 2: "
        "did not find expected ',' or ']'\n"
    )


def test_a_pack_config_of_several_documents_is_refused(tmp_path):
    config = tmp_path / "pack.yaml"
    config.write_text("all: advisory\n---\nall: mandatory\n")

    result = netkit("check", "--stack", "dev", "--config", str(config))

    assert result.returncode == 2
    assert result.stderr == (
        f"netkit: error: {config}: holds 2 documents; a policy config is one mapping\n"
    )


NETWORK = "docker:index/network:Network"
CONTAINER = "docker:index/container:Container"
INSTALLATION = "kubernetes:operator.tigera.io/v1:Installation"
STACK = "netkit:stack:NetworkStack"


@pytest.mark.parametrize(
    ("type_", "inputs", "message"),
    [
        (
            NETWORK,
            "x",
            f"{NETWORK} 'r': inputs: expected a mapping of properties, got the string 'x'",
        ),
        (
            NETWORK,
            {"ipamConfigs": ["10.0.0.0/24"]},
            f"{NETWORK} 'r': ipamConfigs[0]: expected a mapping, got the string '10.0.0.0/24'",
        ),
        (
            NETWORK,
            {"options": "x"},
            f"{NETWORK} 'r': options: expected a mapping, got the string 'x'",
        ),
        (NETWORK, {"labels": 5}, f"{NETWORK} 'r': labels: expected a list, got the number 5"),
        (
            CONTAINER,
            {"networksAdvanced": ["a"]},
            f"{CONTAINER} 'r': networksAdvanced[0]: expected a mapping, got the string 'a'",
        ),
        (
            CONTAINER,
            {"ports": [80]},
            f"{CONTAINER} 'r': ports[0]: expected a mapping, got the number 80",
        ),
        (
            INSTALLATION,
            {"spec": {"calicoNetwork": {"ipPools": [{"cidr": "10.0.0.0/16", "blockSize": "big"}]}}},
            f"{INSTALLATION} 'r': spec.calicoNetwork.ipPools[0].blockSize: expected a whole "
            "number, got the string 'big'",
        ),
        (
            STACK,
            {"intent": {"reserved": [{"cidr": "10.8.0.0/16"}]}},
            f"{STACK} 'r': intent.reserved[0].name: is missing",
        ),
        (
            STACK,
            {"intent": {"connections": [{"from": "a/b"}]}},
            f"{STACK} 'r': intent.connections[0].to: is missing",
        ),
        (
            STACK,
            {"intent": {"exposure": "none"}},
            f"{STACK} 'r': intent.exposure: expected a mapping, got the string 'none'",
        ),
        (
            STACK,
            {"intent": {"dockerHosts": "two"}},
            f"{STACK} 'r': intent.dockerHosts: expected a whole number, got the string 'two'",
        ),
        (STACK, {"intent": [1]}, f"{STACK} 'r': intent: expected a mapping, got a list"),
    ],
)
def test_a_resource_of_the_wrong_shape_is_named_not_a_traceback(tmp_path, type_, inputs, message):
    resource = {"type": type_, "name": "r", "urn": "", "inputs": inputs}
    result = netkit("check", str(_resources(tmp_path, resource)))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"netkit: error: {message}\n"


@pytest.mark.parametrize("command", ["check", "connlist"])
def test_a_stack_file_given_as_manifests_points_at_stack(command):
    result = netkit(command, "Pulumi.dev.yaml")
    assert result.returncode == 2
    assert result.stderr == (
        "netkit: error: Pulumi.dev.yaml, document 1: a Pulumi stack file, not Kubernetes "
        "manifests; give its stack with --stack NAME (netkit diff: stack:NAME)\n"
    )
