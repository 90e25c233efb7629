"""Calico IP pools: the rules Calico itself applies to a pool, in one place for the stack
spec (which refuses the first problem before anything is created) and the policy rule
(which reports every problem of pools from any source, manifests included)."""

from __future__ import annotations

from netkit.model import IPNetwork

DEFAULT_BLOCK_SIZE = {4: 26, 6: 122}
"""Calico's block size when a pool gives none, by IP version."""
BLOCK_SIZES = {4: (20, 32), 6: (116, 128)}
"""The block sizes Calico accepts, by IP version."""


DEFAULT_ENCAPSULATION = {4: "IPIP", 6: "None"}
"""The operator's encapsulation when an Installation pool gives none, by IP version: IPIP
cannot carry IPv6, so IPv6 pools default to no encapsulation."""


def encapsulation(cidr: IPNetwork, declared: str | None) -> str:
    """The encapsulation in force: the declared one, or the operator's default."""
    return declared or DEFAULT_ENCAPSULATION[cidr.version]


def block_size(cidr: IPNetwork, declared: int | None) -> int:
    """The block size in force: the declared one, or Calico's default for the family."""
    return declared if declared is not None else DEFAULT_BLOCK_SIZE[cidr.version]


def pool_problems(
    label: str, cidr: IPNetwork, block: int, encapsulation: str
) -> list[tuple[str, str]]:
    """What Calico would refuse in a pool, as (field, message) pairs; `label` names the
    pool in the messages (`calico pool 'default' 10.244.0.0/16`)."""
    problems: list[tuple[str, str]] = []
    low, high = BLOCK_SIZES[cidr.version]
    if not low <= block <= high:
        problems.append(
            (
                "blockSize",
                f"{label} has blockSize {block}; Calico allows {low}-{high} for "
                f"IPv{cidr.version}; use {DEFAULT_BLOCK_SIZE[cidr.version]} (Calico's default) "
                "unless nodes need more addresses each",
            )
        )
    elif block < cidr.prefixlen:
        problems.append(
            (
                "blockSize",
                f"{label} is smaller than one /{block} block, so no node can get a block; use "
                f"a blockSize of at least {cidr.prefixlen} or a larger pool",
            )
        )
    if cidr.is_link_local:
        problems.append(
            (
                "cidr",
                f"{label} is link-local, which Calico refuses; use a private range inside the "
                "pod CIDR",
            )
        )
    if cidr.version == 6 and encapsulation.upper().startswith("IPIP"):
        problems.append(
            (
                "encapsulation",
                f"{label} uses {encapsulation} encapsulation, which cannot carry IPv6; use "
                "VXLAN, VXLANCrossSubnet or None",
            )
        )
    return problems
