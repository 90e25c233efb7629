"""The pending creates of an exported state: what exists in Docker is imported, the rest dropped.

A SIGKILLed `pulumi up` leaves "pending operations" in the checkpoint: `creating` for
every resource whose create had started, with the program's inputs but no ID. The
Docker networks and containers among them usually exist already (the daemon finishes a
create it was sent), so an `up` that forgets them fails: "network with name ... already
exists". Here a pending create of a Docker network or container that exists (found by
its name) becomes a resource with that ID; other pending creates are dropped
(render-mode Kubernetes manifests are written again by the next `pulumi up`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devenv.errors import EnvError
from devenv.log import Log
from devenv.run import run

KINDS = {
    "docker:index/network:Network": "network",
    "docker:index/container:Container": "container",
}

Resource = dict[str, Any]
DockerIds = Callable[[str, str], list[str]]
"""(kind, name) -> the IDs of the Docker objects of that kind named exactly `name`."""


def docker_ids(kind: str, name: str) -> list[str]:
    """IDs of the Docker objects named exactly `name` (swarm networks can share a name)."""
    if kind == "network":
        command = ["network", "ls", "--format", "{{.ID}} {{.Name}}"]
    else:
        command = ["container", "ls", "--all", "--format", "{{.ID}} {{.Names}}"]
    out = run(["docker", *command, "--no-trunc", "--filter", f"name={name}"], timeout=60)
    rows = [line.split(" ", 1) for line in out.splitlines()]
    return [row[0] for row in rows if len(row) == 2 and row[1] == name]


@dataclass
class Recovered:
    document: dict[str, Any]
    """The exported state with the pending creates imported or dropped."""
    targets: list[str]
    """URNs a provider can read back (`pulumi refresh --target`)."""


def render_providers(resources: list[Resource]) -> set[str]:
    """Kubernetes providers that write manifests to a folder: nothing to read back or import."""
    return {
        f"{r['urn']}::{r['id']}"
        for r in resources
        if r["type"] == "pulumi:providers:kubernetes"
        and (r.get("inputs") or {}).get("renderYamlToDirectory")
    }


def recover_pending(
    document: dict[str, Any], ids: DockerIds, log: Log, saved: str = "the saved state"
) -> Recovered | None:
    """`document` (a `pulumi stack export`) with its pending creates resolved; None when it
    has no pending operation. `saved` names where the state before is kept (for errors)."""
    deployment = document["deployment"]
    resources: list[Resource] = deployment.get("resources") or []
    pending: list[dict[str, Any]] = deployment.get("pending_operations") or []
    if not pending:
        return None
    rendering = render_providers(resources)
    kept, imported = [], []
    for op in pending:
        res = op["resource"]
        urn, kind = res["urn"], KINDS.get(res["type"])
        if op["type"] != "creating":
            kept.append(op)  # an interrupted update or delete: the refresh resolves it
            continue
        if kind is None:
            if res.get("provider") not in rendering:
                log.say(
                    f"warning: {urn} may exist already; if the next `pulumi up` says so, import it"
                )
            log.say(f"drop the pending create of {urn} (the next `pulumi up` makes it)")
            continue
        name = res["inputs"]["name"]
        found = ids(kind, name)
        if len(found) > 1:
            raise EnvError(
                f"{len(found)} Docker {kind}s are named {name!r} ({', '.join(found)}); "
                f"remove all but one (docker {kind} rm ID) and run this again"
            )
        if not found:
            log.say(f"drop the pending create of {urn}: no Docker {kind} is named {name!r}")
            continue
        res["id"] = found[0]
        res["outputs"] = {**res["inputs"], "id": found[0]}  # the refresh reads the real ones
        imported.append(res)
        log.say(f"import Docker {kind} {name} ({found[0][:12]}) as {urn}")

    deployment["resources"] = in_dependency_order(resources, imported, saved)
    deployment["pending_operations"] = kept
    readable = [
        r["urn"]
        for r in deployment["resources"]
        if r.get("custom")
        and not r["type"].startswith("pulumi:providers:")
        and r.get("provider") not in rendering
    ]
    return Recovered(document, readable)


def in_dependency_order(
    resources: list[Resource], added: list[Resource], saved: str
) -> list[Resource]:
    """`resources` then `added`, each after its parent and dependencies (a checkpoint lists
    parents, providers and dependencies before the resources that use them)."""
    result = list(resources)
    present = {r["urn"] for r in result}
    waiting = list(added)
    while waiting:
        ready = [
            r
            for r in waiting
            if all(u in present for u in [r.get("parent"), *(r.get("dependencies") or [])] if u)
        ]
        if not ready:
            raise EnvError(
                f"the pending creates depend on resources the state does not hold; see {saved}"
            )
        for r in ready:
            result.append(r)
            present.add(r["urn"])
            waiting.remove(r)
    return result
