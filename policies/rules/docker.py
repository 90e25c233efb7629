"""Docker networks and containers: private backends, ICC where required, no port
published on every interface, encrypted overlays where the stack requires it.

A network's tier comes from its `netkit.role` label (`DockerNetwork.role`).
"""

from __future__ import annotations

from collections.abc import Iterator

from netkit.model import DockerNetwork
from netkit.resources import CONTAINER_TYPE, ICC_OPTION, NETWORK_TYPE
from netkit_policies.rules.base import (
    Context,
    Level,
    ResourceRef,
    Rule,
    RuleConfig,
    Severity,
    Violation,
    string_list_option,
    strings,
)

PUBLIC_ADDRESSES = frozenset({"0.0.0.0", "::", "[::]", ""})


def _kind(network: DockerNetwork) -> str:
    return "overlay" if network.driver == "overlay" else "bridge"


def _check_internal(context: Context, config: RuleConfig) -> Iterator[Violation]:
    roles = set(strings(config, "backendRoles"))
    for network in context.model.docker_networks:
        if network.role not in roles or network.internal:
            continue
        kind = _kind(network)
        yield Violation(
            ResourceRef.network(network),
            f"docker {kind} {network.name!r} has role {network.role!r} but is not internal, "
            "so its containers have a route out of the host; set internal: true "
            f"(docker.{kind}s[].internal) and give containers that must reach out a "
            "frontend network as well",
        )


INTERNAL_BACKEND = Rule(
    name="docker-network-require-internal-backend",
    description="Checks that Docker networks with a backend role are internal (no route out).",
    level=Level.MANDATORY,
    severity=Severity.HIGH,
    remediation="Set internal: true on the network (docker.bridges[].internal or docker.overlays[].internal), so its containers have no route off the host; publish what must be reached from outside on a frontend network instead.",
    url="https://docs.docker.com/reference/cli/docker/network/create/#internal",
    tags=("docker", "network", "docker-isolation"),
    check=_check_internal,
    config={
        "backendRoles": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["backend", "data"],
            "description": "Roles (label netkit.role) whose networks must be internal.",
        }
    },
    watches=(NETWORK_TYPE,),
)


def _check_icc(context: Context, config: RuleConfig) -> Iterator[Violation]:
    roles = set(strings(config, "iccDisabledRoles"))
    for network in context.model.docker_networks:
        if network.role not in roles:
            continue
        if network.driver == "overlay":
            yield Violation(
                ResourceRef.network(network),
                f"docker overlay {network.name!r} has role {network.role!r}, whose containers "
                "must not talk to each other, but inter-container communication cannot be "
                "turned off on an overlay; use a bridge with icc: false for this tier",
            )
        elif network.icc:
            yield Violation(
                ResourceRef.network(network),
                f"docker bridge {network.name!r} has role {network.role!r}, whose containers "
                "must not talk to each other, but inter-container communication is on; set "
                f"icc: false (docker.bridges[].icc, option {ICC_OPTION}=false)",
            )


ICC_DISABLED = Rule(
    name="docker-network-require-icc-disabled",
    description="Checks that Docker bridges with the configured roles turn off "
    "inter-container communication.",
    level=Level.MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Turn inter-container communication off on the bridge (docker.bridges[].icc: false, driver option com.docker.network.bridge.enable_icc=false), or move containers that must not talk to each other to networks of their own.",
    url="https://docs.docker.com/engine/network/drivers/bridge/#options",
    tags=("docker", "network", "docker-isolation"),
    check=_check_icc,
    config={
        "iccDisabledRoles": string_list_option(
            "Roles (label netkit.role) whose bridges must set icc: false. Default: none."
        )
    },
    watches=(NETWORK_TYPE,),
)


def _check_publish(context: Context, config: RuleConfig) -> Iterator[Violation]:
    model = context.model
    if model.exposure.allow_public_publish:
        return
    allowed = set(strings(config, "allowedContainers"))
    for container in model.docker_containers:
        if container.name in allowed:
            continue
        for port in container.published:
            if port.host_ip not in PUBLIC_ADDRESSES:
                continue
            address = port.host_ip or "0.0.0.0"
            address = f"[{address.strip('[]')}]" if ":" in address else address
            where = (
                f"{address}:{port.host_port}"
                if port.host_port is not None
                else f"{address} (a random host port)"
            )
            yield Violation(
                ResourceRef.container(container),
                f"container {container.name!r} publishes {port.protocol} port "
                f"{port.container_port} on {where}, reachable from "
                "every network the host is on (Docker's iptables rules bypass host firewalls); "
                "bind it to 127.0.0.1 (publish[].hostIp), or set exposure.publicPublish: true "
                "if it is meant to be public",
                value=port.host_ip,
            )


PUBLIC_PUBLISH = Rule(
    name="docker-container-disallow-public-publish",
    description="Checks that no container publishes a port on all interfaces (0.0.0.0 or ::) "
    "unless the stack spec allows it.",
    level=Level.MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Bind the published port to 127.0.0.1 (docker.containers[].publish[].hostIp: 127.0.0.1, the default) or to one interface's address; if it must answer on every address, say so in the stack file (exposure.publicPublish: true) or list the container in this rule's allowedContainers. Fixed by the pack at the remediate level: docker-container-remediate-publish-loopback.",
    url="https://docs.docker.com/engine/network/port-publishing/",
    tags=("docker", "container", "docker-isolation"),
    check=_check_publish,
    config={
        "allowedContainers": string_list_option(
            "Containers allowed to publish on all interfaces anyway.", format="docker-name"
        )
    },
    watches=(CONTAINER_TYPE,),
)


def _check_encryption(context: Context, config: RuleConfig) -> Iterator[Violation]:
    model = context.model
    if not (bool(config.get("requireEncryption")) or model.exposure.require_overlay_encryption):
        return
    for network in model.docker_networks:
        if network.driver != "overlay" or network.encrypted:
            continue
        yield Violation(
            ResourceRef.network(network),
            f"docker overlay {network.name!r} is not encrypted, so traffic between hosts "
            "crosses the network as clear VXLAN; set encrypted: true "
            "(docker.overlays[].encrypted, driver option `encrypted`)",
        )


OVERLAY_ENCRYPTION = Rule(
    name="docker-network-require-overlay-encryption",
    description="Checks that overlay networks are encrypted where the stack spec or the "
    "pack config requires it.",
    level=Level.MANDATORY,
    severity=Severity.HIGH,
    remediation="Set encrypted: true on the overlay (docker.overlays[].encrypted, driver option encrypted), so traffic between hosts is IPsec, not clear VXLAN.",
    url="https://docs.docker.com/engine/network/drivers/overlay/#encrypt-traffic-on-an-overlay-network",
    tags=("docker", "network", "docker-isolation"),
    check=_check_encryption,
    config={
        "requireEncryption": {
            "type": "boolean",
            "default": False,
            "description": "Require encryption on every overlay even when the stack spec's "
            "exposure.overlayEncryption is false (set it for prod).",
        }
    },
    watches=(NETWORK_TYPE,),
)

RULES = (INTERNAL_BACKEND, ICC_DISABLED, PUBLIC_PUBLISH, OVERLAY_ENCRYPTION)
