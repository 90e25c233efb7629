"""`netkit validate`'s verdicts are `kubernetes_validate.validate`'s, object for object,
however much faster they come; and a List's items are validated one by one, as kubectl
would send them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netkit import validate
from netkit.errors import ManifestError
from netkit.validate import DEFAULT_KUBERNETES_VERSION, SchemaSet, validate_folder

SCHEMAS = SchemaSet(DEFAULT_KUBERNETES_VERSION)

leaves = (
    st.none()
    | st.booleans()
    | st.integers(-3, 70000)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "web", "TCP", "UDP", "80", "10.0.0.0/8", "Ingress", "In"])
)
FIELDS = [
    "name", "namespace", "labels", "port", "targetPort", "protocol", "selector", "ports",
    "podSelector", "ingress", "from", "ipBlock", "cidr", "policyTypes", "matchLabels",
    "data", "type", "replicas", "template", "containers", "spec", "unknownField",
]  # fmt: skip
values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(FIELDS), inner, max_size=4)
    ),
    max_leaves=12,
)
KINDS = [
    ("v1", "Service"), ("networking.k8s.io/v1", "NetworkPolicy"), ("v1", "ConfigMap"),
    ("apps/v1", "Deployment"), ("v1", "Namespace"), ("example.com/v1", "Widget"),
    ("v1", "Pod"), ("policy/v1beta1", "PodSecurityPolicy"),
]  # fmt: skip


@st.composite
def objects(draw: st.DrawFn) -> dict[str, Any]:
    api_version, kind = draw(st.sampled_from(KINDS))
    obj: dict[str, Any] = draw(
        st.dictionaries(st.sampled_from(["spec", "data", "status"]), values, max_size=2)
    )
    obj.update(apiVersion=api_version, kind=kind, metadata=draw(values | st.just({"name": "x"})))
    return obj


def reference(obj: dict[str, Any]) -> str:
    """What `kubernetes_validate.validate` (what netkit called per object before) says."""
    try:
        kubernetes_validate.validate(obj, DEFAULT_KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        return "skipped"
    except kubernetes_validate.ValidationError as error:
        return f"invalid: {error.message}"
    return "valid"


def ours(obj: dict[str, Any]) -> str:
    from jsonschema import ValidationError

    validator = SCHEMAS.validator(obj["kind"], obj["apiVersion"])
    if validator is None:
        return "skipped"
    try:
        validator.validate(obj)
    except ValidationError as error:
        return f"invalid: {error.message}"
    return "valid"


@settings(max_examples=150, deadline=None)
@given(objects())
def test_each_verdict_is_kubernetes_validates_own(obj):
    assert ours(obj) == reference(obj)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(objects(), min_size=1, max_size=4))
def test_a_list_is_validated_item_by_item(tmp_path_factory, items):
    folder: Path = tmp_path_factory.mktemp("rendered")
    (folder / "list.yaml").write_text(
        yaml.safe_dump(
            {"apiVersion": "v1", "kind": "List", "items": [{"kind": "List", "items": items}]}
        )
    )

    report = validate_folder(folder)

    # As the file holds them (YAML orders keys, and messages quote values).
    written = yaml.safe_load((folder / "list.yaml").read_text())["items"][0]["items"]
    verdicts = [reference(obj) for obj in written]
    assert len(report.valid) == verdicts.count("valid")
    assert len(report.skipped) == verdicts.count("skipped")
    # The message follows the item's place; the name before it may hold ": " (a name that
    # is no string is shown as written, e.g. {'name': None}).
    place = re.compile(r"\(list\.yaml#0\.items\[0\]\.items\[\d+\]\): ")
    assert [place.split(line, maxsplit=1)[1] for line in report.invalid] == [
        v.removeprefix("invalid: ") for v in verdicts if v.startswith("invalid")
    ]
    assert all("(list.yaml#0.items[0].items[" in line for line in report.valid + report.skipped)


def _folder(root: Path, files: int, bad: int | None = None) -> Path:
    for index in range(files):
        objects = [
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{index}-{n}"}}
            for n in range(3)
        ]
        if index % 5 == 0:
            objects[1]["data"] = {"a": 1}  # invalid: a ConfigMap's data values are strings
        text = yaml.safe_dump_all(objects)
        if index == bad:
            text += "---\n- a sequence\n"
        (root / f"f{index:03d}.yaml").write_text(text)
    return root


def test_a_folder_shared_among_processes_gives_the_serial_report(tmp_path, monkeypatch):
    folder = _folder(tmp_path, 12)
    serial = validate_folder(folder)

    monkeypatch.setattr(validate, "PARALLEL_FROM", 2)
    monkeypatch.setattr(validate, "_workers", lambda files: 3)
    shared = validate_folder(folder)

    assert shared == serial
    assert (len(serial.valid), len(serial.invalid)) == (33, 3)


def test_the_first_problem_in_the_folders_order_is_reported_whichever_process_met_it(
    tmp_path, monkeypatch
):
    # Files 5 and 6 both hold a sequence document; with three processes, file 6 is in
    # this process's share (0, 3, 6, 9) and file 5 in a worker's (2, 5, 8, 11): the
    # report names file 5, the first in the folder's order.
    folder = _folder(tmp_path, 12, bad=5)
    (folder / "f006.yaml").write_text("- also a sequence\n")
    monkeypatch.setattr(validate, "_workers", lambda files: 3)

    with pytest.raises(ManifestError) as raised:
        validate_folder(folder)

    assert str(raised.value).startswith(f"{folder / 'f005.yaml'}, document 4: expected")
