"""Findings where the code is: the stack-file entry or manifest object behind a resource.

A finding names a resource of the model (kind, namespace, name) and, when one value is at
fault, the value as written. For a stack the resource came from an entry of
`Pulumi.<stack>.yaml` (a bridge, a container, a namespace's service, a connection, ...);
for manifests from a document of a file. The locators find that entry, then the value
inside it, and return the position of the value, or of the entry when the value is not
written there (a default, or a finding about the whole entry).

The stack locator knows how the program names what it makes from the spec: Docker
networks and containers by their `name`, workloads and Services after their namespace's
service, NetworkPolicies after the declared connection (`egress-<id>`/`ingress-<id>`,
`netkit.names.connection_id`), the namespace's isolation (`default-deny`,
`allow-dns-egress`) and the Ingress that admits the controller
(`ingress-from-controller-<service>`).
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from netkit.documents import read_text
from netkit.errors import NetkitError
from netkit.names import connection_id
from netkit.positions import Location, Node, documents
from netkit.spec import StackSpec, load_stack_file

__all__ = ["ManifestLocator", "StackLocator", "shown_path"]

_DOCKER_NETWORK = "DockerNetwork"
_SPACES = {"PodCIDR": "podCidr", "ServiceCIDR": "serviceCidr"}


def shown_path(path: Path) -> str:
    """`path` as a finding shows it: relative to the current folder when inside it (what
    SARIF's `%SRCROOT%` and GitHub's annotations expect), else as given."""
    try:
        relative = os.path.relpath(path.resolve(), Path.cwd().resolve())
    except ValueError:  # another drive
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _named(items: Node | None, name: str, key: str = "name") -> Node | None:
    if items is None:
        return None
    for item in items.items:
        value = item.get(key)
        if value is not None and value.text == name:
            return item
    return None


def _settle(entry: Node | None, value: str, file: str) -> Location | None:
    if entry is None:
        return None
    if value:
        found = entry.scalar(value)
        if found is not None:
            return found.location(file)
    return entry.location(file)


class StackLocator:
    """Positions of the entries of one stack file."""

    def __init__(self, path: Path) -> None:
        self.file = shown_path(path)
        try:
            trees = documents(read_text(path))
            self.spec: StackSpec | None = load_stack_file(path)
        except (NetkitError, ValueError, yaml.YAMLError):
            trees, self.spec = [], None
        root = trees[0] if trees else None
        self.config = root.get("config") if root is not None else None

    def file_location(self) -> Location | None:
        """The stack file's first line, when the file could be read."""
        return Location(self.file, 1, 1) if self.config is not None else None

    def _section(self, key: str) -> Node | None:
        return self.config.get(key) if self.config is not None else None

    def locate(self, kind: str, name: str, namespace: str = "", value: str = "") -> Location | None:
        """The position of `value` in the entry behind the resource (else of the entry)."""
        return _settle(self._entry(kind, name, namespace), value, self.file)

    def _entry(self, kind: str, name: str, namespace: str) -> Node | None:
        docker = self._section("netkit:docker")
        kubernetes = self._section("netkit:kubernetes")
        if kind == _DOCKER_NETWORK:
            for key in ("bridges", "overlays"):
                found = _named(docker.get(key) if docker else None, name)
                if found is not None:
                    return found
            return None
        if kind == "DockerContainer":
            return _named(docker.get("containers") if docker else None, name)
        if kind == "ReservedRange":
            return _named(self._section("netkit:reserved"), name)
        if kubernetes is None:
            return None
        if kind in _SPACES:
            return kubernetes.get(_SPACES[kind])
        if kind == "NodeNetwork":
            return kubernetes.get("nodeCidrs", int(name.rsplit("-", 1)[-1]))
        if kind == "CalicoIPPool":
            index = name.rsplit("-", 1)[-1]
            pools = kubernetes.get("calico", "ipPools")
            return pools.get(int(index)) if pools is not None and index.isdigit() else None
        if kind == "CniInstall":
            return kubernetes.get("calico")
        namespaces = kubernetes.get("namespaces")
        if kind == "Namespace":
            return _named(namespaces, name)
        if kind in ("Ingress", "Route"):
            return self._ingress(kubernetes, name, namespace)
        if kind == "NetworkPolicy":
            return self._policy(kubernetes, name, namespace)
        # A workload or Service: its namespace's service of that name.
        entry = _named(namespaces, namespace)
        return _named(entry.get("services") if entry is not None else None, name)

    def _ingress(self, kubernetes: Node, name: str, namespace: str) -> Node | None:
        entry = _named(kubernetes.get("ingresses"), name)
        ns = entry.get("namespace") if entry is not None else None
        return entry if ns is None or ns.text == namespace else None

    def _policy(self, kubernetes: Node, name: str, namespace: str) -> Node | None:
        if name in ("default-deny", "allow-dns-egress"):
            entry = _named(kubernetes.get("namespaces"), namespace)
            key = "defaultDeny" if name == "default-deny" else "allowDns"
            return (entry.get(key) or entry) if entry is not None else None
        if name.startswith("ingress-from-controller-"):
            service = name.removeprefix("ingress-from-controller-")
            for item in (kubernetes.get("ingresses") or Node(0, 0, "")).items:
                ns = item.get("namespace")
                if ns is not None and ns.text == namespace and item.scalar(service):
                    return item
            return None
        _, _, wanted = name.partition("-")
        if self.spec is None:
            return None
        for index, connection in enumerate(self.spec.kubernetes.connections):
            if connection_id(connection.source, connection.destination) == wanted:
                return kubernetes.get("connections", index)
        return None


class ManifestLocator:
    """Positions of the objects of manifest files, by the source a model record names
    (`PATH, document N`)."""

    def __init__(self) -> None:
        self._trees: dict[str, list[Node | None]] = {}

    def locate(self, source: str, value: str = "") -> Location | None:
        path_text, sep, document = source.rpartition(", document ")
        document, _, item = document.partition(" items[")  # an item of a `kind: List`
        if not sep or not document.isdigit() or (item and not item.rstrip("]").isdigit()):
            return None
        trees = self._trees.get(path_text)
        if trees is None:
            path = Path(path_text)
            if path.suffix.lower() not in (".yaml", ".yml", ".json"):
                return None
            try:
                trees = documents(read_text(path))
            except (NetkitError, ValueError, yaml.YAMLError):
                trees = []
            self._trees[path_text] = trees
        index = int(document) - 1
        root = trees[index] if 0 <= index < len(trees) else None
        if root is not None and item:
            root = root.get("items", int(item.rstrip("]")))
        return _settle(root, value, shown_path(Path(path_text)))
