"""Docker rules: internal backends, ICC, published ports, overlay encryption."""

from __future__ import annotations

from typing import Any

from tests.policies.conftest import dev_model, findings, messages

INTERNAL = "docker-network-require-internal-backend"
ICC = "docker-network-require-icc-disabled"
PUBLISH = "docker-container-disallow-public-publish"
ENCRYPTION = "docker-network-require-overlay-encryption"


def _network(network: str, **changes: Any) -> Any:
    def edit(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        if name == f"{network}-network":
            inputs.update(changes)
        return inputs

    return edit


def test_the_dev_stacks_docker_networks_and_containers_pass():
    model = dev_model()
    for rule in (INTERNAL, ICC, PUBLISH, ENCRYPTION):
        assert messages(rule, model) == [], rule


def test_a_backend_network_with_a_route_out_is_named():
    model = dev_model(_network("netkit-dev-data", internal=False))

    [finding] = findings(INTERNAL, model)

    assert finding.resource.describe() == "DockerNetwork netkit-dev-data"
    assert finding.message == (
        "docker bridge 'netkit-dev-data' has role 'backend' but is not internal, so its "
        "containers have a route out of the host; set internal: true (docker.bridges[].internal) "
        "and give containers that must reach out a frontend network as well"
    )


def test_the_backend_roles_come_from_the_config():
    model = dev_model(_network("netkit-dev-data", internal=False))

    assert messages(INTERNAL, model, {"backendRoles": ["data"]}) == []


def test_icc_is_only_required_off_for_the_configured_roles():
    assert messages(ICC, dev_model()) == []
    assert messages(ICC, dev_model(), {"iccDisabledRoles": ["backend"]}) == [
        f"docker bridge {name!r} has role 'backend', whose containers must not talk to each "
        "other, but inter-container communication is on; set icc: false (docker.bridges[].icc, "
        "option com.docker.network.bridge.enable_icc=false)"
        for name in ("netkit-dev-backend", "netkit-dev-data")
    ]


def test_a_bridge_with_icc_off_passes_and_an_overlay_cannot_turn_it_off():
    def edit(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        if name == "netkit-dev-backend-network":
            inputs["options"] = {"com.docker.network.bridge.enable_icc": "false"}
        if name == "netkit-dev-mesh-network":
            inputs["labels"] = [{"label": "netkit.role", "value": "isolated"}]
        if name == "netkit-dev-data-network":
            inputs["labels"] = [{"label": "netkit.role", "value": "data"}]
        return inputs

    assert messages(ICC, dev_model(edit), {"iccDisabledRoles": ["backend", "isolated"]}) == [
        "docker overlay 'netkit-dev-mesh' has role 'isolated', whose containers must not talk to "
        "each other, but inter-container communication cannot be turned off on an overlay; use a "
        "bridge with icc: false for this tier"
    ]


def _public(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    if name == "netkit-dev-web-container":
        inputs["ports"] = [
            {"internal": 8080, "external": 18080, "ip": "0.0.0.0", "protocol": "tcp"},
            {"internal": 53, "ip": "::", "protocol": "udp"},
            {"internal": 9090, "external": 19090, "ip": "127.0.0.1", "protocol": "tcp"},
        ]
    return inputs


def test_ports_published_on_every_interface_are_named():
    [tcp, udp] = findings(PUBLISH, dev_model(_public))

    assert tcp.resource.describe() == "DockerContainer netkit-dev-web"
    assert tcp.message == (
        "container 'netkit-dev-web' publishes tcp port 8080 on 0.0.0.0:18080, reachable from "
        "every network the host is on (Docker's iptables rules bypass host firewalls); bind it to "
        "127.0.0.1 (publish[].hostIp), or set exposure.publicPublish: true if it is meant to be "
        "public"
    )
    assert udp.message.startswith(
        "container 'netkit-dev-web' publishes udp port 53 on [::] (a random host port), reachable"
    )


def test_public_publishing_is_allowed_by_the_stack_spec_or_per_container_in_the_config():
    def public_allowed(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        if name == "netkit-dev":
            inputs["intent"]["exposure"]["publicPublish"] = True
        return _public(name, inputs)

    assert messages(PUBLISH, dev_model(public_allowed)) == []
    assert messages(PUBLISH, dev_model(_public), {"allowedContainers": ["netkit-dev-web"]}) == []


def test_overlay_encryption_is_required_by_the_config_or_the_stack_spec():
    expected = [
        "docker overlay 'netkit-dev-mesh' is not encrypted, so traffic between hosts crosses the "
        "network as clear VXLAN; set encrypted: true (docker.overlays[].encrypted, driver option "
        "`encrypted`)"
    ]

    def required(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        if name == "netkit-dev":
            inputs["intent"]["exposure"]["overlayEncryption"] = True
        return inputs

    assert messages(ENCRYPTION, dev_model(), {"requireEncryption": True}) == expected
    assert messages(ENCRYPTION, dev_model(required)) == expected


def test_an_encrypted_overlay_passes_where_encryption_is_required():
    model = dev_model(_network("netkit-dev-mesh", options={"encrypted": "true"}))

    assert messages(ENCRYPTION, model, {"requireEncryption": True}) == []
