"""Address-space rules: no two ranges of the stack overlap, Docker never picks its own
subnets where they may collide, Calico pools are sane, gateways sit inside their subnets.

Every address space counts: Docker bridges and overlays, Calico pools, the pod, service
and node CIDRs of the stack spec, reserved ranges (from the spec and from this rule's
config: a corporate VPN, an on-prem network) and `docker0`'s own subnet on Docker hosts.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from netkit.calico import pool_problems
from netkit.errors import NetkitError
from netkit.model import AddressSpace, IPNetwork, Layer
from netkit.overlap import Overlap, expected_nesting, find_overlaps
from netkit.planner import SubnetRequest, plan_subnets
from netkit.resources import INSTALLATION_TYPE, NETWORK_TYPE
from netkit_policies.rules.base import (
    Context,
    Level,
    ResourceRef,
    Rule,
    RuleConfig,
    Severity,
    Violation,
    config_cidr,
    listing,
)

RESERVED_RANGES: Mapping[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "cidr": {"type": "string", "format": "cidr"}},
        "required": ["name", "cidr"],
        "additionalProperties": False,
    },
    "default": [],
    "description": "Ranges the stack must never use, besides the stack spec's `reserved` "
    "(e.g. a corporate VPN 10.8.0.0/16): a list of {name, cidr}.",
}

_POOLS_SCHEMA: Mapping[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "base": {"type": "string", "format": "cidr"},
            "size": {"type": "integer", "minimum": 0, "maximum": 128},
        },
        "format": "address-pool",
        "required": ["base", "size"],
        "additionalProperties": False,
    },
}

# Docker's built-in `default-address-pools` (daemon.json format: base CIDR, subnet size).
BRIDGE_DEFAULT_POOLS = [
    {"base": "172.17.0.0/16", "size": 16},
    {"base": "172.18.0.0/15", "size": 16},
    {"base": "172.20.0.0/14", "size": 16},
    {"base": "172.24.0.0/13", "size": 16},
    {"base": "192.168.0.0/16", "size": 20},
]
SWARM_DEFAULT_POOLS = [{"base": "10.0.0.0/8", "size": 24}]

# How willing each layer is to move: the fix names the more movable side.
_MOBILITY = {
    Layer.DOCKER_BRIDGE: 6,
    Layer.DOCKER_OVERLAY: 5,
    Layer.CALICO_POOL: 4,
    Layer.NODE: 3,
    Layer.SERVICE_CIDR: 2,
    Layer.POD_CIDR: 1,
}
_PRIVATE = tuple(
    ipaddress.IPv4Network(text) for text in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)


def reserved_from_config(config: RuleConfig) -> list[AddressSpace]:
    """The config's `reservedRanges` as reserved address spaces."""
    spaces: list[AddressSpace] = []
    for index, entry in enumerate(config.get("reservedRanges") or []):
        spaces.append(
            AddressSpace(
                name=str(entry["name"]),
                layer=Layer.RESERVED,
                cidr=config_cidr(entry["cidr"], f"reservedRanges[{index}].cidr"),
                source="policy config reservedRanges",
            )
        )
    return spaces


def stack_spaces(context: Context, config: RuleConfig) -> list[AddressSpace]:
    """Every address space the stack declares, plus reserved ranges from the config (what
    runs on its engines is the engine-overlap rule's)."""
    own = [space for space in context.model.address_spaces if not space.live]
    declared = {(space.layer, space.cidr) for space in own}
    extra = [
        space for space in reserved_from_config(config) if (space.layer, space.cidr) not in declared
    ]
    return [*own, *extra]


def _to_move(overlap: Overlap) -> tuple[AddressSpace, AddressSpace] | None:
    """(the side to move, the other), or None when neither is the stack's own."""
    first, second = overlap.first, overlap.second
    a, b = _MOBILITY.get(first.layer, 0), _MOBILITY.get(second.layer, 0)
    if a == 0 and b == 0:
        return None
    return (first, second) if a >= b else (second, first)


def free_range(network: IPNetwork, avoid: Iterable[AddressSpace]) -> IPNetwork | None:
    """A free range of `network`'s size in its private block, clear of `avoid`: the first
    one after `network` when there is one (the plan stays close), else the first one."""
    if not isinstance(network, ipaddress.IPv4Network):
        return None
    block = next((p for p in _PRIVATE if network.subnet_of(p)), None)
    if block is None:
        return None
    taken = list(avoid)
    before: list[AddressSpace] = []
    if network.network_address > block.network_address:
        below = ipaddress.summarize_address_range(
            block.network_address, network.network_address - 1
        )
        before = [AddressSpace("before", Layer.RESERVED, net) for net in below]
    for reserved in ([*taken, *before], taken):
        try:
            plan = plan_subnets(block, [SubnetRequest("free", prefix=network.prefixlen)], reserved)
        except NetkitError:
            continue
        return plan[0].subnet
    return None


def _check_overlaps(context: Context, config: RuleConfig) -> Iterator[Violation]:
    spaces = stack_spaces(context, config)
    model = context.model
    default_bridge = str(config.get("dockerDefaultBridge") or "")
    if default_bridge and (model.docker_networks or model.docker_containers):
        spaces.append(
            AddressSpace(
                "docker0",
                Layer.DOCKER_DEFAULT_POOL,
                config_cidr(default_bridge, "dockerDefaultBridge"),
                "the Docker daemon's default bridge",
            )
        )
    for overlap in find_overlaps(spaces, allowed=expected_nesting):
        sides = _to_move(overlap)
        if sides is None:
            continue
        move, other = sides
        shared = move.cidr if move.cidr.prefixlen >= other.cidr.prefixlen else other.cidr
        suggestion = free_range(move.cidr, [s for s in spaces if s is not move])
        where = f"a free range such as {suggestion}" if suggestion else "a free range"
        yield Violation(
            ResourceRef.space(move),
            f"{overlap.message()}: the shared addresses {shared} would route to only one of "
            f"them; move {move.describe()} to {where} (`netkit plan` finds one)",
            value=str(move.cidr),
        )


SUBNET_OVERLAP = Rule(
    name="docker-network-disallow-subnet-overlap",
    description="Checks that no two address spaces of the stack overlap: Docker bridges and "
    "overlays, Calico pools, pod, service and node CIDRs, docker0 and reserved ranges.",
    level=Level.MANDATORY,
    severity=Severity.HIGH,
    remediation="Give the network a subnet of its own that overlaps no other address space of the stack or a reserved range; `netkit plan` finds free ones.",
    url="https://docs.docker.com/reference/cli/docker/network/create/#specify-advanced-options",
    tags=("docker", "network", "addressing"),
    check=_check_overlaps,
    config={
        "reservedRanges": RESERVED_RANGES,
        "dockerDefaultBridge": {
            "type": "string",
            "format": "optional-cidr",
            "default": "172.17.0.0/16",
            "description": "Subnet of docker0 on the Docker hosts (daemon `bip`); "
            "an empty string leaves it out.",
        },
    },
    watches=(NETWORK_TYPE, INSTALLATION_TYPE),
)


# --------------------------------------------------------------------------- running engines

_NETWORK_LAYERS = (Layer.DOCKER_BRIDGE, Layer.DOCKER_OVERLAY)


def _check_existing(context: Context, config: RuleConfig) -> Iterator[Violation]:
    spaces = context.model.address_spaces
    networks = [s for s in spaces if s.layer in _NETWORK_LAYERS]
    for overlap in find_overlaps(networks, allowed=expected_nesting):
        if overlap.first.live == overlap.second.live:
            continue  # two of the stack's (the overlap rule's), or two running ones
        mine = overlap.first if not overlap.first.live else overlap.second
        suggestion = free_range(mine.cidr, spaces)
        where = f"a free range such as {suggestion}" if suggestion else "a free range"
        yield Violation(
            ResourceRef.space(mine),
            f"{overlap.message()}: Docker refuses a network whose subnet overlaps one on the "
            f"same host when it is created, and an overlay that meets it cuts one of the two "
            f"off; move {mine.describe()} to {where} (`netkit plan` finds one)",
        )


EXISTING_OVERLAP = Rule(
    name="docker-network-disallow-existing-overlap",
    description="Checks that no Docker network of the stack overlaps a network already "
    "running on the engines the stack names (docker_gwbridge, ingress and other stacks' "
    "networks included), other than its own running copy.",
    level=Level.MANDATORY,
    severity=Severity.HIGH,
    remediation="Move the network to a range no network on its engines uses (`netkit overlap --stack NAME --docker URL` lists them, `netkit plan` finds a free one), or remove the running network it collides with.",
    url="https://docs.docker.com/engine/network/#ip-address-and-hostname",
    tags=("docker", "network", "addressing"),
    check=_check_existing,
    watches=(NETWORK_TYPE,),
)


# --------------------------------------------------------------------------- default pools


def _pools(config: RuleConfig, key: str) -> list[tuple[IPNetwork, int]]:
    return [
        (config_cidr(entry["base"], f"{key}[{index}].base"), int(entry["size"]))
        for index, entry in enumerate(config.get(key) or [])
    ]


def _pools_text(pools: list[tuple[IPNetwork, int]]) -> str:
    return ", ".join(f"{base} as /{size}s" for base, size in pools)


def _check_explicit_subnet(context: Context, config: RuleConfig) -> Iterator[Violation]:
    model = context.model
    spaces = [s for s in stack_spaces(context, config) if s.layer is not Layer.DOCKER_DEFAULT_POOL]
    for network in model.docker_networks:
        if network.subnets:
            continue
        if any(note.concerns(network.source) for note in context.unknown_notes):
            continue  # the subnet is unknown at preview: reported as such
        overlay = network.driver == "overlay"
        pools = _pools(config, "swarmDefaultPools" if overlay else "bridgeDefaultPools")
        collide = [space for space in spaces if any(space.cidr.overlaps(base) for base, _ in pools)]
        if not collide:
            continue
        kind = "overlay" if overlay else "bridge"
        which = "the swarm's default address pool" if overlay else "its default address pools"
        verb = "overlaps" if len(pools) == 1 else "overlap"
        yield Violation(
            ResourceRef.network(network),
            f"docker {kind} {network.name!r} has no subnet, so Docker takes one from "
            f"{which} ({_pools_text(pools)}), which {verb} "
            f"{listing(space.describe() for space in collide)}; set an explicit subnet "
            f"(docker.{kind}s[].subnets) clear of every range of the stack",
        )


EXPLICIT_SUBNET = Rule(
    name="docker-network-require-explicit-subnet",
    description="Checks that no Docker network leaves its subnet to Docker's default pools "
    "where those pools overlap a range of the stack.",
    level=Level.MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Declare the network's subnet (docker.bridges[].subnets or docker.overlays[].subnets) instead of leaving it to Docker's default address pools.",
    url="https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file",
    tags=("docker", "network", "addressing"),
    check=_check_explicit_subnet,
    config={
        "reservedRanges": RESERVED_RANGES,
        "bridgeDefaultPools": {
            **_POOLS_SCHEMA,
            "default": BRIDGE_DEFAULT_POOLS,
            "description": "The daemon's `default-address-pools` for bridges "
            "(172.17-31.0.0/16 and 192.168.0.0/16 as /20s unless changed).",
        },
        "swarmDefaultPools": {
            **_POOLS_SCHEMA,
            "default": SWARM_DEFAULT_POOLS,
            "description": "The swarm's `--default-addr-pool` for overlays (10.0.0.0/8 as /24s).",
        },
    },
    watches=(NETWORK_TYPE,),
)


# --------------------------------------------------------------------------- calico


def _check_calico_pools(context: Context, config: RuleConfig) -> Iterator[Violation]:
    for pool in context.model.calico_pools:
        label = f"calico pool {pool.name!r} {pool.cidr}"
        for _field, message in pool_problems(label, pool.cidr, pool.block_size, pool.encapsulation):
            yield Violation(ResourceRef.pool(pool), message)


CALICO_POOL_VALID = Rule(
    name="calico-ippool-require-valid-config",
    description="Checks that every Calico IP pool has a block size Calico accepts and fits "
    "at least one block, is not link-local, and does not use IPIP for IPv6.",
    level=Level.MANDATORY,
    severity=Severity.HIGH,
    remediation="Use a block size Calico accepts (20-32 for IPv4, 116-128 for IPv6) that fits in the pool, and a pool outside link-local and loopback ranges.",
    url="https://docs.tigera.io/calico/latest/reference/resources/ippool",
    tags=("calico", "ippool", "addressing"),
    check=_check_calico_pools,
    watches=(INSTALLATION_TYPE,),
)


def _check_pools_in_pod_cidr(context: Context, config: RuleConfig) -> Iterator[Violation]:
    model = context.model
    configured = str(config.get("podCidr") or "")
    pod_cidr = config_cidr(configured, "podCidr") if configured else model.pod_cidr
    if pod_cidr is None:
        return
    for pool in model.calico_pools:
        if pool.cidr.version != pod_cidr.version:
            continue
        if not pool.cidr.subnet_of(pod_cidr):  # type: ignore[arg-type]
            yield Violation(
                ResourceRef.pool(pool),
                f"calico pool {pool.name!r} {pool.cidr} is outside the pod CIDR {pod_cidr}: "
                "pods would get addresses the cluster does not treat as pod traffic; "
                f"use a range inside {pod_cidr}",
                value=str(pool.cidr),
            )


CALICO_POOL_IN_POD_CIDR = Rule(
    name="calico-ippool-require-inside-pod-cidr",
    description="Checks that every Calico IP pool lies inside the cluster's pod CIDR.",
    level=Level.MANDATORY,
    severity=Severity.HIGH,
    remediation="Choose a pool cidr inside kubernetes.podCidr (kubernetes.calico.ipPools[].cidr), or widen the pod CIDR.",
    url="https://docs.tigera.io/calico/latest/reference/resources/ippool",
    tags=("calico", "ippool", "addressing"),
    check=_check_pools_in_pod_cidr,
    config={
        "podCidr": {
            "type": "string",
            "format": "optional-cidr",
            "default": "",
            "description": "The cluster's pod CIDR when the stack spec does not give it "
            "(plain manifests). Default: the stack spec's kubernetes.podCidr.",
        }
    },
    watches=(INSTALLATION_TYPE,),
)


# --------------------------------------------------------------------------- gateways


def _check_gateways(context: Context, config: RuleConfig) -> Iterator[Violation]:
    for network in context.model.docker_networks:
        kind = "overlay" if network.driver == "overlay" else "bridge"
        for space in network.subnets:
            hosts = space.cidr.hosts()
            first = next(iter(hosts), space.cidr.network_address)
            if space.gateway is not None and space.gateway not in space.cidr:
                yield Violation(
                    ResourceRef.network(network),
                    f"docker {kind} {network.name!r} has gateway {space.gateway} outside its "
                    f"subnet {space.cidr}; use an address inside it, e.g. {first}",
                    value=str(space.gateway),
                )
            if space.ip_range is not None and not (
                space.ip_range.version == space.cidr.version
                and space.ip_range.subnet_of(space.cidr)  # type: ignore[arg-type]
            ):
                yield Violation(
                    ResourceRef.network(network),
                    f"docker {kind} {network.name!r} has ipRange {space.ip_range} outside its "
                    f"subnet {space.cidr}; use a range inside it",
                    value=str(space.ip_range),
                )


GATEWAY_IN_SUBNET = Rule(
    name="docker-network-require-gateway-in-subnet",
    description="Checks that every Docker network's gateway and ipRange lie inside its subnet.",
    level=Level.MANDATORY,
    severity=Severity.HIGH,
    remediation="Pick a gateway and an ipRange inside the network's subnet (docker.bridges[].subnets[].gateway and .ipRange).",
    url="https://docs.docker.com/reference/cli/docker/network/create/#specify-advanced-options",
    tags=("docker", "network", "addressing"),
    check=_check_gateways,
    watches=(NETWORK_TYPE,),
)

RULES = (
    SUBNET_OVERLAP,
    EXISTING_OVERLAP,
    EXPLICIT_SUBNET,
    CALICO_POOL_VALID,
    CALICO_POOL_IN_POD_CIDR,
    GATEWAY_IN_SUBNET,
)
