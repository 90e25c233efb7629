"""The lab stack places each network and container with the provider of its host."""

from __future__ import annotations

from pathlib import Path

import pytest

from netkit.resources import model_from_resources
from netkit_cli.synth import ResourceRecord, synthesize

ROOT = Path(__file__).parents[2]
PROVIDER = "pulumi:providers:docker"


@pytest.fixture
def lab(monkeypatch: pytest.MonkeyPatch) -> list[ResourceRecord]:
    monkeypatch.setenv("NETKIT_DOCKER_HOSTS_STATE", "/state/hosts")
    return synthesize("lab", ROOT)


def _host_of(records: list[ResourceRecord], name: str) -> str:
    """The engine URL of the provider a resource was registered with."""
    [record] = [r for r in records if r.name == name]
    assert record.provider is not None, f"{name} uses the default provider"
    urn = record.provider.split("::")[:-1]
    [provider] = [r for r in records if r.urn == "::".join(urn)]
    return str(provider.inputs["host"])


def test_one_provider_per_host_each_with_its_engine_socket(lab):
    providers = {r.name: r.inputs["host"] for r in lab if r.type == PROVIDER}
    assert providers == {
        f"netkit-lab-docker-host{k}": f"unix:///state/hosts/host{k}.sock" for k in (1, 2, 3)
    }
    # Children of the stack, so the components place their resources with them.
    assert all(r.parent and r.parent.endswith("::netkit-lab") for r in lab if r.type == PROVIDER)


def test_each_resource_is_created_on_the_engine_of_its_host(lab):
    sock = "unix:///state/hosts/host{}.sock".format
    assert _host_of(lab, "netkit-lab-a-local-network") == sock(1)
    # The overlay is a swarm object: created on the manager, the first host.
    assert _host_of(lab, "netkit-lab-mesh-network") == sock(1)
    assert _host_of(lab, "netkit-lab-a-container") == sock(1)
    assert _host_of(lab, "netkit-lab-b-container") == sock(2)
    assert _host_of(lab, "netkit-lab-c-container") == sock(3)


def test_the_model_records_each_network_s_and_container_s_host(lab):
    model = model_from_resources(lab)
    assert {n.name: n.host for n in model.docker_networks} == {
        "netkit-lab-a-local": "host1",
        "netkit-lab-mesh": "host1",
    }
    assert {c.name: c.host for c in model.docker_containers} == {
        "netkit-lab-a": "host1",
        "netkit-lab-a-db": "host1",
        "netkit-lab-b": "host2",
        "netkit-lab-c": "host3",
    }
    # The bridge's range belongs to host1; the overlay's to every host.
    assert {s.name: s.host for s in model.address_spaces if s.layer.startswith("docker")} == {
        "netkit-lab-a-local": "host1",
        "netkit-lab-mesh": "",
    }


def test_the_dev_stack_keeps_the_default_provider_and_no_host_labels():
    records = synthesize("dev", ROOT)
    assert [r for r in records if r.type == PROVIDER] == []
    model = model_from_resources(records)
    assert {n.host for n in model.docker_networks} == {""}
    assert {c.host for c in model.docker_containers} == {""}


def test_the_stack_outputs_each_host_s_url_and_each_container_s_place(monkeypatch):
    from netkit.spec import read_stack_file
    from netkit_cli.synth import record_resources
    from netkit_components.program import deploy

    monkeypatch.setenv("NETKIT_DOCKER_HOSTS_STATE", "/state/hosts")
    built = []
    record_resources(
        lambda: built.append(deploy()), "lab", read_stack_file(ROOT / "Pulumi.lab.yaml")
    )
    [stack] = built

    assert stack.hosts == {f"host{k}": f"unix:///state/hosts/host{k}.sock" for k in (1, 2, 3)}
    assert stack.containers["netkit-lab-a"] == {
        "host": "host1",
        "networks": ["netkit-lab-mesh", "netkit-lab-a-local"],
        "dns": [
            "a",
            "b",
            "c",
            "db",
            "netkit-lab-a",
            "netkit-lab-a-db",
            "netkit-lab-b",
            "netkit-lab-c",
        ],
    }
    # b shares only the overlay with a: it never resolves a's bridge peers.
    assert stack.containers["netkit-lab-b"] == {
        "host": "host2",
        "networks": ["netkit-lab-mesh"],
        "dns": ["a", "b", "c", "netkit-lab-a", "netkit-lab-b", "netkit-lab-c"],
    }


def test_a_stack_without_hosts_names_its_one_engine_local(monkeypatch):
    from netkit.spec import load_stack_file
    from netkit_components.stack import host_urls

    spec = load_stack_file(ROOT / "Pulumi.dev.yaml")
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:2375")
    assert host_urls(spec) == {"local": "tcp://127.0.0.1:2375"}
    monkeypatch.delenv("DOCKER_HOST")
    assert host_urls(spec) == {"local": "unix:///var/run/docker.sock"}
