"""Which names each container resolves through Docker's embedded DNS.

On a user-defined network Docker answers a container's name and its aliases on that
network to every container attached to the same network, and nothing across networks.
"""

from __future__ import annotations

from collections.abc import Iterable

from netkit.model import DockerContainer


def resolvable_names(containers: Iterable[DockerContainer]) -> dict[str, list[str]]:
    """Container name -> the sorted names it resolves (its own included)."""
    containers = list(containers)
    answers: dict[str, set[str]] = {}
    for container in containers:
        for attachment in container.networks:
            answers.setdefault(attachment.network, set()).update(
                {container.name, *attachment.aliases}
            )
    return {
        container.name: sorted({name for a in container.networks for name in answers[a.network]})
        for container in containers
    }
