"""Documents are read as kubectl reads them: every shape that holds the same objects gives
the same model, and a shape kubectl refuses is refused in one line, never skipped.

The shapes: one document per object, one `List`, `List`s nested in `List`s (kubectl's
`FlattenListVisitor`), typed lists whose items leave out their kind, JSON, CRLF line
ends, a UTF-8 byte order mark, UTF-16 with its mark, objects spread over sub-folders.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netkit.connlist import render
from netkit.errors import ManifestError
from netkit.manifests import load_manifests
from netkit.manifests.flatten import flatten
from netkit.model import NetworkModel
from netkit.reachability import analyze

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NAMES = st.sampled_from(["a", "b", "c", "web", "api", "db"])
NAMESPACES = st.sampled_from(["default", "shop", "ops"])
LABELS = st.dictionaries(st.sampled_from(["app", "tier"]), NAMES, max_size=2)
PORTS = st.lists(st.sampled_from([53, 80, 443, 8080]), min_size=1, max_size=2, unique=True)


@st.composite
def objects(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["Namespace", "Pod", "Service", "NetworkPolicy"]))
    name, namespace = draw(NAMES), draw(NAMESPACES)
    if kind == "Namespace":
        return {
            "apiVersion": "v1",
            "kind": kind,
            "metadata": {"name": namespace, "labels": draw(LABELS)},
        }
    metadata = {"name": name, "namespace": namespace}
    ports = draw(PORTS)
    if kind == "Pod":
        container_ports = [{"containerPort": p, "name": f"p{p}"} for p in ports]
        return {
            "apiVersion": "v1",
            "kind": kind,
            "metadata": {**metadata, "labels": draw(LABELS)},
            "spec": {"containers": [{"name": "c", "ports": container_ports}]},
        }
    if kind == "Service":
        return {
            "apiVersion": "v1",
            "kind": kind,
            "metadata": metadata,
            "spec": {
                "selector": draw(LABELS),
                "ports": [{"name": f"p{p}", "port": p} for p in ports],
            },
        }
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": kind,
        "metadata": metadata,
        "spec": {
            "podSelector": {"matchLabels": draw(LABELS)},
            "ingress": [
                {
                    "from": [{"podSelector": {"matchLabels": draw(LABELS)}}],
                    "ports": [{"port": p} for p in ports],
                }
            ],
        },
    }


def _key(obj: dict[str, Any]) -> tuple[str, str, str]:
    metadata = obj["metadata"]
    return obj["kind"], metadata.get("namespace", ""), metadata["name"]


manifests = st.lists(objects(), min_size=1, max_size=8, unique_by=_key)


@st.composite
def nested(draw: st.DrawFn, items: list[Any], depth: int = 0) -> dict[str, Any]:
    """`items` as a List whose items are objects or Lists of some of them, to depth 3."""
    chunks: list[Any] = []
    rest = list(items)
    while rest:
        size = draw(st.integers(1, len(rest)))
        chunk, rest = rest[:size], rest[size:]
        if depth < 3 and draw(st.booleans()):
            chunks.append(draw(nested(chunk, depth + 1)))
        else:
            chunks.extend(chunk)
    return {"apiVersion": "v1", "kind": "List", "items": chunks}


def typed_lists(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One `<Kind>List` per kind, its items without kind and apiVersion (as `kubectl
    get -o yaml` of one kind prints them)."""
    lists: dict[str, dict[str, Any]] = {}
    for obj in items:
        bare = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
        entry = lists.setdefault(
            obj["kind"],
            {"apiVersion": obj["apiVersion"], "kind": f"{obj['kind']}List", "items": []},
        )
        entry["items"].append(bare)
    return list(lists.values())


def write_shape(folder: Path, shape: str, items: list[dict[str, Any]], draw: Any) -> Path:
    folder.mkdir(parents=True)
    if shape == "flat":
        (folder / "all.yaml").write_text(yaml.safe_dump_all(items))
    elif shape == "list":
        (folder / "all.yaml").write_text(yaml.safe_dump({"kind": "List", "items": items}))
    elif shape == "nested":
        (folder / "all.yaml").write_text(yaml.safe_dump(draw(nested(items))))
    elif shape == "typed":
        (folder / "all.yaml").write_text(yaml.safe_dump_all(typed_lists(items)))
    elif shape == "json":
        (folder / "all.json").write_text(json.dumps(draw(nested(items))))
    elif shape == "crlf":
        (folder / "all.yaml").write_bytes(yaml.safe_dump_all(items).replace("\n", "\r\n").encode())
    elif shape == "bom":
        text = json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
        (folder / "all.json").write_bytes(codecs.BOM_UTF8 + text.encode())
    elif shape == "utf16":
        (folder / "all.yaml").write_bytes(yaml.safe_dump_all(items).encode("utf-16"))
    else:  # folders: each object in a file of its own, in sub-folders by kind
        for index, obj in enumerate(items):
            path = folder / obj["kind"].lower() / f"{index}.yaml"
            path.parent.mkdir(exist_ok=True)
            path.write_text(yaml.safe_dump(obj))
    return folder


def plain(value: Any) -> Any:
    """A record as nested tuples, mappings in key order (YAML and JSON writers order
    keys differently; the model must not care)."""
    if is_dataclass(value) and not isinstance(value, type):
        return tuple((f.name, plain(getattr(value, f.name))) for f in fields(value))
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), plain(v)) for k, v in value.items()))
    if isinstance(value, tuple | list | frozenset | set):
        items = [plain(v) for v in value]
        return tuple(sorted(items, key=repr) if isinstance(value, frozenset | set) else items)
    return value


def without_sources(model: NetworkModel) -> dict[str, list[str]]:
    """The model's records, their `source` (where each came from) left out, in a stable
    order: what the shape of the input must not change."""
    return {
        name: sorted(repr(plain(replace(record, source=""))) for record in records)
        for name, records in (
            ("namespaces", model.namespaces),
            ("workloads", model.workloads),
            ("services", model.services),
            ("policies", model.network_policies),
        )
    }


SHAPES = ["list", "nested", "typed", "json", "crlf", "bom", "utf16", "folders"]


@SETTINGS
@given(manifests, st.sampled_from(SHAPES), st.data())
def test_every_shape_kubectl_reads_gives_the_same_model(tmp_path_factory, items, shape, data):
    root = tmp_path_factory.mktemp("shapes")
    flat = load_manifests([write_shape(root / "flat", "flat", items, data.draw)])
    other = load_manifests([write_shape(root / shape, shape, items, data.draw)])

    assert without_sources(other) == without_sources(flat)
    flat_lines = render(analyze(flat).connections(), "txt")
    assert render(analyze(other).connections(), "txt") == flat_lines


def test_nested_lists_flatten_breadth_first_as_kubectl_does():
    document = {
        "kind": "List",
        "items": [
            {"kind": "ConfigMap", "metadata": {"name": "a"}},
            {"kind": "List", "items": [{"kind": "ConfigMap", "metadata": {"name": "c"}}]},
            {"kind": "ConfigMap", "metadata": {"name": "b"}},
        ],
    }

    found = [(item.prefix, item.obj["metadata"]["name"]) for item in flatten("f", document)]

    assert found == [("items[0].", "a"), ("items[2].", "b"), ("items[1].items[0].", "c")]


@SETTINGS
@given(manifests, st.sampled_from(["sequence", "scalar"]), st.booleans())
def test_a_document_that_is_not_a_mapping_is_one_line_not_a_skipped_file(
    tmp_path_factory, items, form, in_folder
):
    # kubectl refuses both ("cannot unmarshal array/string into Go value"); netkit used to
    # skip a folder's file that held only a sequence, with every policy in it.
    folder = tmp_path_factory.mktemp("refused")
    (folder / "good.yaml").write_text(yaml.safe_dump(items[0]))
    bad = folder / "bad.yaml"
    bad.write_text(
        yaml.safe_dump(items) if form == "sequence" else yaml.safe_dump_all([*items, "oops"])
    )
    document = 1 if form == "sequence" else len(items) + 1

    with pytest.raises(ManifestError) as raised:
        load_manifests([folder if in_folder else bad])

    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{bad}, document {document}: expected a Kubernetes object")
    assert "kubectl refuses" in message


@pytest.mark.parametrize("kind", ["NetworkPolicy", "Service", "ConfigMap"])
def test_an_object_with_a_top_level_items_field_is_refused_as_kubectl_would_drop_it(kind):
    # kubectl reads any mapping with `items` as a list of them: the object itself would
    # never be applied, while netkit would have analysed it.
    document = {"kind": kind, "metadata": {"name": "p"}, "spec": {}, "items": []}

    with pytest.raises(ManifestError) as raised:
        list(flatten("f.yaml, document 1", document))

    assert str(raised.value).startswith(f"f.yaml, document 1 ({kind}): items: kubectl reads")


def test_an_item_keeps_its_kind_unless_it_names_neither_kind_nor_api_version():
    document = {
        "apiVersion": "v1",
        "kind": "PodList",
        "items": [
            {"metadata": {"name": "a"}},
            {"kind": "ConfigMap", "metadata": {"name": "b"}},
        ],
    }

    assert [(i.kind, i.obj.get("apiVersion")) for i in flatten("f", document)] == [
        ("Pod", "v1"),
        ("ConfigMap", None),
    ]
    with pytest.raises(ManifestError, match=r"items\[0\]: kind is missing"):
        list(flatten("f", {"kind": "PodList", "items": [{"apiVersion": "v1"}]}))
