"""One document of a manifest file -> the Kubernetes objects kubectl would send, in order.

kubectl (`resource.Builder` with `Flatten()`) reads a document as follows, and so does
every netkit reader of manifests (the model's, `netkit validate`'s):

- a document must be a mapping: a YAML sequence or a scalar is refused (kubectl: "cannot
  unmarshal array into Go value"); an empty document (`---` alone, `null`) holds nothing;
- a mapping needs a `kind`, a non-empty string;
- a mapping with an `items` field is a list: each item is an object, and an item that is
  itself a list is expanded in its turn, breadth first (`FlattenListVisitor`: the items
  of the outer list, then those of each inner list); `items: null` is an empty list;
- an item without both `kind` and `apiVersion` takes them from its typed list (the items
  of a `PodList` are Pods); an item with one of them keeps what it has.

Where kubectl's reading would drop an object in silence, netkit refuses it in one line
instead: kubectl reads *any* mapping with `items` as a list, so a `NetworkPolicy` that
also has a top-level `items` field is never applied; netkit reads `items` as a list only
under a kind ending in `List` and refuses it elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from netkit.errors import ManifestError
from netkit.shapes import describe

__all__ = ["ManifestObject", "flatten", "is_object"]


@dataclass(frozen=True)
class ManifestObject:
    """One object as kubectl would send it."""

    source: str
    """Where its document is: `db.yaml, document 2`."""
    prefix: str
    """Its place inside a list, as a field path prefix: `items[3].` (empty for a document)."""
    kind: str
    obj: Mapping[str, Any]
    """The object; an item of a typed list has its `kind` and `apiVersion` filled in."""

    @property
    def location(self) -> str:
        """`db.yaml, document 2`, or `db.yaml, document 2 items[3]` for a list item."""
        return f"{self.source} {self.prefix.rstrip('.')}" if self.prefix else self.source


def is_object(value: object) -> bool:
    """Whether `value` looks like a Kubernetes object (a mapping with a `kind`)."""
    return isinstance(value, Mapping) and "kind" in value


def _kind(obj: Mapping[str, Any], where: str, *, document: bool = False) -> str:
    kind = obj.get("kind")
    if kind is None or kind == "":
        if document and isinstance(obj.get("config"), Mapping):
            raise ManifestError(
                f"{where}: a Pulumi stack file, not Kubernetes manifests; give its stack "
                "with --stack NAME (netkit diff: stack:NAME)"
            )
        raise ManifestError(f"{where}: kind is missing (a Kubernetes object needs one)")
    if not isinstance(kind, str):
        raise ManifestError(f"{where}: kind: expected a string, got {describe(kind)}")
    return kind


def flatten(source: str, document: object) -> Iterator[ManifestObject]:
    """The objects of one document (see the module's rules); `ManifestError` names the
    document, the list item and the problem."""
    if document is None:
        return
    if not isinstance(document, Mapping):
        raise ManifestError(
            f"{source}: expected a Kubernetes object (a mapping with apiVersion and kind), "
            f"got {describe(document)}, which kubectl refuses too; write each object as a "
            "document of its own (separated by ---), or under `items:` of a `kind: List`"
        )
    kind = _kind(document, source, document=True)
    pending: list[tuple[str, str, Mapping[str, Any]]] = [("", kind, document)]
    index = 0
    while index < len(pending):
        prefix, kind, obj = pending[index]
        index += 1
        where = f"{source} ({kind})" if not prefix else f"{source} ({kind}): {prefix.rstrip('.')}"
        if "items" not in obj:
            yield ManifestObject(source, prefix, kind, obj)
            continue
        if not kind.endswith("List"):
            raise ManifestError(
                f"{where}: items: kubectl reads any object with a top-level `items` field as "
                f"a list of those items, so this {kind} would never be applied; remove "
                "`items`, or make it a `kind: List`"
            )
        items = obj.get("items")
        if items is None:
            continue
        if not isinstance(items, list):
            raise ManifestError(f"{where}: items: expected a list, got {describe(items)}")
        implied = kind[: -len("List")]  # `PodList` items are Pods; `List` implies none
        for position, item in enumerate(items):
            at = f"{prefix}items[{position}]"
            if not isinstance(item, Mapping):
                raise ManifestError(
                    f"{source} ({kind}): {at}: expected a Kubernetes object, got {describe(item)}"
                )
            if not item.get("kind") and not item.get("apiVersion") and implied:
                item = {**item, "kind": implied}
                if obj.get("apiVersion"):
                    item["apiVersion"] = obj["apiVersion"]
            pending.append((f"{at}.", _kind(item, f"{source} ({kind}): {at}"), item))
