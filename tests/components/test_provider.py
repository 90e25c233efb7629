"""The component package other languages use: its schema, its adapters, its messages."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from pulumi.errors import InputPropertiesError

import netkit
from netkit.spec import BridgeSpec, ContainerSpec, ListenSpec, OverlaySpec, PublishSpec, SubnetSpec
from netkit_components import provider
from tests.components.conftest import CONTAINER, NETWORK


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(provider.provider().schema)
    return loaded


def test_package_holds_four_components_in_the_index_module_at_netkits_version(schema):
    assert schema["name"] == "netkit"
    assert schema["version"] == netkit.__version__
    assert sorted(schema["resources"]) == [
        "netkit:index:BridgeNetwork",
        "netkit:index:NetworkStack",
        "netkit:index:OverlayNetwork",
        "netkit:index:ServiceContainer",
    ]
    assert sorted(schema["types"]) == [
        "netkit:index:Attachment",
        "netkit:index:Listen",
        "netkit:index:Publish",
        "netkit:index:Subnet",
    ]


def _inputs(schema: dict[str, Any], token: str) -> dict[str, Any]:
    section = "resources" if token in schema["resources"] else "types"
    entry = schema[section][token]
    props: dict[str, Any] = entry.get("inputProperties", entry.get("properties"))
    return props


# The adapters' inputs say in other words only what differs for them.
OWN_WORDS = {
    ("ServiceContainer", "image"),
    ("Attachment", "network"),
    # Outside a stack there is no docker.hosts list: the caller's provider places it.
    ("BridgeNetwork", "host"),
    ("ServiceContainer", "host"),
}


@pytest.mark.parametrize(
    ("token", "record"),
    [
        ("netkit:index:BridgeNetwork", BridgeSpec),
        ("netkit:index:OverlayNetwork", OverlaySpec),
        ("netkit:index:ServiceContainer", ContainerSpec),
        ("netkit:index:Subnet", SubnetSpec),
        ("netkit:index:Publish", PublishSpec),
        ("netkit:index:Listen", ListenSpec),
    ],
)
def test_inputs_are_the_stack_file_keys_with_their_documentation(schema, token, record):
    props = _inputs(schema, token)
    keys = {field.alias or name: field for name, field in record.model_fields.items()}
    assert sorted(props) == sorted(keys)
    kind = token.rsplit(":", 1)[1]
    for key, field in keys.items():
        if (kind, key) not in OWN_WORDS:
            assert props[key]["description"] == field.description, key
    required = (
        schema["resources"]
        .get(token, schema["types"].get(token))
        .get("requiredInputs", schema["types"].get(token, {}).get("required"))
    )
    assert sorted(required) == sorted(k for k, f in keys.items() if f.is_required())


def test_a_container_network_may_be_another_components_output(schema):
    network = _inputs(schema, "netkit:index:Attachment")["network"]
    assert "plain" not in network  # outputs allowed
    assert _inputs(schema, "netkit:index:BridgeNetwork")["name"]["plain"] is True


def test_network_stack_takes_the_four_stack_keys_as_any(schema):
    props = _inputs(schema, "netkit:index:NetworkStack")
    assert sorted(props) == ["docker", "exposure", "kubernetes", "reserved", "stack"]
    assert all(props[k]["$ref"] == "pulumi.json#/Any" for k in ("docker", "kubernetes"))


def test_bridge_adapter_declares_the_real_component_under_its_own_token(declare):
    declared = declare(
        lambda: provider.BridgeNetwork(
            "backend", {"name": "payments-backend", "subnets": [{"subnet": "10.212.0.0/24"}]}
        )
    )
    outer = declared.one("netkit:index:BridgeNetwork")
    inner = declared.one("netkit:docker:BridgeNetwork")
    network = declared.one(NETWORK)
    assert inner.parent == outer.urn and network.parent == inner.urn
    assert network.inputs["name"] == "payments-backend"
    assert network.inputs["internal"] is True


def test_container_adapter_attaches_to_network_names_given_as_outputs(declare):
    def program() -> None:
        net = provider.BridgeNetwork(
            "backend", {"name": "payments-backend", "subnets": [{"subnet": "10.212.0.0/24"}]}
        )
        app = provider.ServiceContainer(
            "api",
            {
                "name": "payments-api",
                "networks": [{"network": net.network_name, "aliases": ["api"]}],
                "publish": [{"port": 8080, "host_port": 18080}],
            },
        )
        app.names.apply(lambda names: pulumi.export("names", names))

    declared = declare(program)
    container = declared.one(CONTAINER)
    assert container.inputs["name"] == "payments-api"
    assert container.inputs["image"] == "netkit/busybox:local"
    assert container.inputs["networksAdvanced"] == [
        {"name": "payments-backend", "aliases": ["api"]}
    ]
    assert container.inputs["ports"][0]["ip"] == "127.0.0.1"
    assert declared.one("netkit:docker:ServiceContainer").parent == (
        declared.one("netkit:index:ServiceContainer").urn
    )


def test_network_stack_adapter_carries_the_intent_for_the_policy_pack(declare):
    docker = {
        "bridges": [{"name": "yaml-backend", "subnets": [{"subnet": "10.213.0.0/24"}]}],
        "containers": [{"name": "yaml-api", "networks": [{"network": "yaml-backend"}]}],
    }
    declared = declare(
        lambda: provider.NetworkStack(
            "env", {"docker": docker, "reserved": [{"name": "vpn", "cidr": "10.8.0.0/16"}]}
        )
    )
    stack = declared.one("netkit:stack:NetworkStack")
    assert stack.parent == declared.one("netkit:index:NetworkStack").urn
    assert stack.inputs["intent"]["reserved"] == [{"name": "vpn", "cidr": "10.8.0.0/16"}]
    assert [n.inputs["name"] for n in declared.of_type(NETWORK)] == ["yaml-backend"]


@pytest.mark.parametrize(
    ("token", "inputs", "message"),
    [
        (
            "netkit:index:BridgeNetwork",
            {"name": "b", "subnets": [{"subnet": "10.0.0.0/33"}]},
            "netkit:index:BridgeNetwork 'x': subnets[0].subnet: subnet '10.0.0.0/33': "
            "prefix must be 0-32",
        ),
        (
            "netkit:index:ServiceContainer",
            {
                "name": "c",
                "networks": [{"network": "n"}],
                "publish": [{"port": 8080, "protocol": "sctp"}],
            },
            "netkit:index:ServiceContainer 'x': publish[0].protocol: 'sctp': "
            "Input should be 'tcp' or 'udp'",
        ),
        (
            "netkit:index:NetworkStack",
            {"docker": {"bridges": [{"name": "b"}]}},
            "netkit:index:NetworkStack 'x': netkit:docker.bridges[0].subnets: required key is missing",
        ),
    ],
)
def test_a_mistake_is_reported_as_invalid_inputs_on_one_line(token, inputs, message):
    with pytest.raises(InputPropertiesError) as raised:
        provider.provider().construct("x", token, inputs)
    assert raised.value.message == message
