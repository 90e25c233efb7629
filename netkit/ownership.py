"""Who owns what a stack is about to create: objects on the engines that its state lacks.

Two checkouts of one project (or one checkout whose state moved to another backend) name
the same Docker networks, containers and namespaces. The second `pulumi up` would meet
them one provider error at a time ("network with name ... already exists"), or, for a
Kubernetes namespace, adopt it silently. `foreign` finds them before anything is created:
an object that exists under a name the stack declares, with an ID its state does not hold.
`refusal` words them in one line with the owner their labels name and what to do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from netkit.errors import NetkitError
from netkit.model import frozen_labels
from netkit.resources import PROJECT_LABEL, STACK_LABEL
from netkit.spec import StackSpec

DOCKER_NETWORK = "Docker network"
DOCKER_CONTAINER = "Docker container"
NAMESPACE = "namespace"

NAMES_SHOWN = 12
"""A refusal lists this many names, then how many more."""


class StateExportError(NetkitError):
    """A `pulumi stack export` document that cannot be read."""


@dataclass(frozen=True)
class Declared:
    """Something the stack creates under a fixed name."""

    kind: str
    name: str
    place: str
    """Where it lives: a Docker host's name, or `cluster`."""


@dataclass(frozen=True)
class Existing:
    """A declared object found on its engine or cluster."""

    declared: Declared
    id: str
    """The ID Pulumi's state records for it: a Docker ID, a namespace's name."""
    labels: Mapping[str, str] = field(default_factory=frozen_labels)
    created: str = ""


@dataclass(frozen=True)
class StateHolding:
    """What a stack's state holds, from `pulumi stack export`."""

    ids: frozenset[str]
    """Resource IDs the state knows."""
    pending: frozenset[str]
    """Names of resources an interrupted update began to create (`make recover` adopts
    them)."""


def declared(spec: StackSpec) -> list[Declared]:
    """Every object of `spec` with a fixed name: Docker networks and containers on their
    hosts (an overlay on the swarm manager), namespaces when the stack applies to a
    cluster."""
    docker = spec.docker
    found = [Declared(DOCKER_NETWORK, b.name, docker.host_of(b)) for b in docker.bridges]
    found += [Declared(DOCKER_NETWORK, o.name, docker.host_of(o)) for o in docker.overlays]
    found += [Declared(DOCKER_CONTAINER, c.name, docker.host_of(c)) for c in docker.containers]
    if spec.kubernetes.mode == "cluster":
        found += [Declared(NAMESPACE, ns.name, "cluster") for ns in spec.kubernetes.namespaces]
    return found


def _name_of(inputs: object) -> str | None:
    if not isinstance(inputs, Mapping):
        return None
    name = inputs.get("name")
    if isinstance(name, str):
        return name
    metadata = inputs.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("name"), str):
        return str(metadata["name"])
    return None


def state_holding(export: object, source: str) -> StateHolding:
    """The IDs and pending names of a `pulumi stack export` document; `source` names it
    in errors."""
    if not isinstance(export, Mapping) or not isinstance(export.get("deployment"), Mapping):
        raise StateExportError(
            f"{source}: not a `pulumi stack export` document (no `deployment` mapping)"
        )
    deployment: Mapping[str, Any] = export["deployment"]
    resources = deployment.get("resources") or []
    pending = deployment.get("pending_operations") or []
    if not isinstance(resources, list) or not isinstance(pending, list):
        raise StateExportError(
            f"{source}: deployment.resources and deployment.pending_operations must be lists"
        )
    ids = {
        resource["id"]
        for resource in resources
        if isinstance(resource, Mapping) and isinstance(resource.get("id"), str)
    }
    names = set()
    for operation in pending:
        resource = operation.get("resource") if isinstance(operation, Mapping) else None
        if isinstance(resource, Mapping):
            name = _name_of(resource.get("inputs"))
            if name is not None:
                names.add(name)
    return StateHolding(frozenset(ids), frozenset(names))


def foreign(existing: Sequence[Existing], state: StateHolding) -> list[Existing]:
    """The existing objects this state does not hold and did not begin to create."""
    return [
        found
        for found in existing
        if found.id not in state.ids and found.declared.name not in state.pending
    ]


def _names(found: Sequence[Existing]) -> str:
    by_kind: dict[tuple[str, str], list[str]] = {}
    for item in found:
        key = (item.declared.kind, item.declared.place)
        by_kind.setdefault(key, []).append(item.declared.name)
    parts = []
    shown = 0
    for (kind, place), names in by_kind.items():
        room = max(NAMES_SHOWN - shown, 1)
        listed = ", ".join(names[:room])
        if len(names) > room:
            listed += f" and {len(names) - room} more"
        shown += min(len(names), room)
        where = "the cluster" if place == "cluster" else f"host {place!r}"
        plural = "s" if len(names) > 1 else ""
        parts.append(f"{kind}{plural} {listed} on {where}")
    return "; ".join(parts)


def _minute(created: str) -> str:
    """An engine's or the API server's timestamp (RFC 3339, Docker's with nanoseconds) as
    `2026-12-07 03:41 UTC`; as given when it is not one."""
    match = re.match(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})", created)
    offset = created[19:].lstrip("0123456789.")
    if match is None or offset not in ("Z", "+00:00", ""):
        return created
    return f"{match[1]} {match[2]} UTC"


def _owners(found: Sequence[Existing]) -> str:
    owners = sorted(
        {(item.labels.get(PROJECT_LABEL, ""), item.labels.get(STACK_LABEL, "")) for item in found}
    )
    named = [f"stack {stack!r} of project {project!r}" for project, stack in owners if stack]
    text = " and ".join(named)
    if any(not stack for _, stack in owners):
        unlabelled = "objects without netkit's owner labels (made by hand, or by a netkit "
        unlabelled += "older than those labels)"
        text = f"{text} and {unlabelled}" if text else unlabelled
    created = sorted(_minute(item.created) for item in found if item.created)
    if created:
        text += f", created {created[0]}" + (
            f" to {created[-1]}" if created[-1] != created[0] else ""
        )
    return text


def refusal(stack_file: str, backend: str, found: Sequence[Existing]) -> str:
    """One line: what exists, whose it is by its labels, and what to do."""
    count = len(found)
    objects = "object" if count == 1 else "objects"
    return (
        f"{stack_file}: {count} {objects} this stack creates already exist outside its state "
        f"({backend}): {_names(found)}; they belong to {_owners(found)}, in another state "
        "(another checkout, or this one's before its state moved). Run `make destroy` where "
        "that state is, or move that state here (`pulumi stack export` there, `pulumi stack "
        "import` here); nothing was changed"
    )
