"""Models from `pulumi stack export` and `pulumi preview --json` documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netkit.diff import diff
from netkit.errors import ManifestError
from netkit.resources import UNKNOWN, Resource, model_from_resources
from netkit.review import render_summary
from netkit.sources import Loader, Source
from netkit.sources.engine_json import (
    SECRET_SIGNATURE,
    DocumentKind,
    EngineDocument,
    read_engine_document,
    resources_from_export,
    resources_from_preview,
)
from tests.policies.conftest import dev_records

STACK_URN = "urn:pulumi:dev::netkit::pulumi:pulumi:Stack::netkit-dev"
NETWORK = "docker:index/network:Network"
PROVIDER_URN = "urn:pulumi:dev::netkit::pulumi:providers:docker::default"


def state(urn: str, type_: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """A resource as the engine's JSON holds it (apitype.ResourceV3)."""
    return {"urn": urn, "custom": True, "type": type_, "inputs": inputs, "outputs": inputs}


def dev_export() -> dict[str, Any]:
    """The dev stack's state as `pulumi stack export` prints it, from its records."""
    resources = [
        state(STACK_URN, "pulumi:pulumi:Stack", {}),
        state(PROVIDER_URN, "pulumi:providers:docker", {"version": "5.1.0"}),
        *(state(r.urn, r.type, r.inputs) for r in dev_records()),
    ]
    return {"version": 3, "deployment": {"manifest": {}, "resources": resources}}


def test_an_export_reads_into_the_model_the_program_declares():
    exported = EngineDocument(DocumentKind.EXPORT, dev_export(), "deployed.json")
    resources = resources_from_export(exported)

    assert {r.type for r in resources} >= {
        "docker:index/network:Network",
        "netkit:stack:NetworkStack",
    }
    assert not [r for r in resources if r.type.startswith("pulumi:")]  # root and providers
    declared = model_from_resources(resources)
    synthesized = model_from_resources(
        [Resource(r.type, r.name, r.urn, r.inputs) for r in dev_records()]
    )
    assert diff(synthesized, declared) == []
    assert declared.workloads and declared.network_policies
    # The name is the URN's last part, as the engine names the resource.
    first = next(r for r in dev_records() if r.type == "docker:index/network:Network")
    assert next(r for r in resources if r.urn == first.urn).name == first.name


def test_a_preview_ends_with_its_new_states_and_starts_from_its_old_ones():
    network = "docker:index/network:Network"
    kept = state("urn:pulumi:dev::netkit::" + network + "::kept", network, {"name": "kept"})
    gone = state("urn:pulumi:dev::netkit::" + network + "::gone", network, {"name": "gone"})
    made = state("urn:pulumi:dev::netkit::" + network + "::made", network, {"name": "made"})
    swapped_old = state("urn:pulumi:dev::netkit::" + network + "::swap", network, {"name": "a"})
    swapped_new = {**swapped_old, "inputs": {"name": "b"}}
    preview = EngineDocument(
        DocumentKind.PREVIEW,
        {
            "steps": [
                {"op": "same", "urn": kept["urn"], "oldState": kept, "newState": kept},
                {"op": "delete", "urn": gone["urn"], "oldState": gone},
                {"op": "create", "urn": made["urn"], "newState": made},
                {
                    "op": "create-replacement",
                    "urn": swapped_old["urn"],
                    "oldState": swapped_old,
                    "newState": swapped_new,
                },
                {
                    "op": "replace",
                    "urn": swapped_old["urn"],
                    "oldState": swapped_old,
                    "newState": swapped_new,
                },
                {"op": "delete-replaced", "urn": swapped_old["urn"], "oldState": swapped_old},
            ],
            "changeSummary": {"same": 1, "delete": 1, "create": 1, "replace": 1},
        },
        "preview.json",
    )

    after = {r.name: r.inputs["name"] for r in resources_from_preview(preview)}
    before = {r.name: r.inputs["name"] for r in resources_from_preview(preview, side="old")}

    assert after == {"kept": "kept", "made": "made", "swap": "b"}
    assert before == {"kept": "kept", "gone": "gone", "swap": "a"}


def test_secret_values_read_as_values_the_model_cannot_see():
    network = "docker:index/network:Network"
    secret = {SECRET_SIGNATURE: "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:abc"}
    exported = EngineDocument(
        DocumentKind.EXPORT,
        {
            "version": 3,
            "deployment": {
                "resources": [
                    state(
                        "urn:pulumi:dev::netkit::" + network + "::n",
                        network,
                        {
                            "name": "n",
                            "labels": [{"label": "token", "value": secret}],
                            "options": {"x": "[secret]"},
                        },
                    ),
                ]
            },
        },
        "deployed.json",
    )

    (resource,) = resources_from_export(exported)

    assert resource.inputs["labels"] == [{"label": "token", "value": UNKNOWN}]
    assert resource.inputs["options"] == {"x": UNKNOWN}


def test_documents_are_told_apart_by_what_the_cli_prints(tmp_path: Path):
    files = {
        "export.json": {"version": 3, "deployment": {"resources": []}},
        "preview.json": {"steps": [], "changeSummary": {}, "duration": 1},
        "resources.json": [{"type": "docker:index/network:Network", "inputs": {}}],
        "other.json": {"kind": "Namespace"},
    }
    for name, document in files.items():
        (tmp_path / name).write_text(json.dumps(document))
    (tmp_path / "broken.json").write_text("{")

    kinds = {
        name: (found.kind if (found := read_engine_document(tmp_path / name)) else None)
        for name in [*files, "broken.json", "missing.json"]
    }

    assert kinds == {
        "export.json": DocumentKind.EXPORT,
        "preview.json": DocumentKind.PREVIEW,
        "resources.json": None,
        "other.json": None,
        "broken.json": None,
        "missing.json": None,
    }


@pytest.mark.parametrize(
    ("deployment", "message"),
    [
        (
            {"resources": {"urn": "x"}},
            "deployed.json: deployment.resources: expected a list, got a mapping",
        ),
        (
            {"resources": ["x"]},
            "deployed.json: deployment.resources[0]: expected a resource object, got the string 'x'",
        ),
        (
            {"resources": [{"urn": "u"}]},
            "deployed.json: deployment.resources[0]: a resource needs a string 'urn' and 'type'; got 'u', None",
        ),
        (
            {"resources": [{"urn": "u", "type": "t", "inputs": [1]}]},
            "deployed.json: deployment.resources[0] (u): inputs: expected a mapping, got a list",
        ),
    ],
)
def test_a_malformed_export_names_the_file_the_entry_and_the_value(deployment, message):
    exported = EngineDocument(
        DocumentKind.EXPORT, {"version": 3, "deployment": deployment}, "deployed.json"
    )

    with pytest.raises(ManifestError) as raised:
        resources_from_export(exported)

    assert str(raised.value) == message


def test_every_command_reads_an_export_and_a_preview_as_paths(tmp_path: Path):
    exported = tmp_path / "deployed.json"
    exported.write_text(json.dumps(dev_export()))
    steps = [
        {"op": "same", "urn": r["urn"], "oldState": r, "newState": r}
        for r in dev_export()["deployment"]["resources"]
    ]
    previewed = tmp_path / "preview.json"
    previewed.write_text(json.dumps({"steps": steps, "changeSummary": {"same": len(steps)}}))
    synthesized = model_from_resources(
        [Resource(r.type, r.name, r.urn, r.inputs) for r in dev_records()]
    )

    for path in (exported, previewed):
        model = Loader().load(Source.of_paths([path]))
        assert diff(synthesized, model) == [], path.name
        assert model.workloads and model.notes == ()


def test_a_preview_without_its_unchanged_resources_is_refused_with_the_fix():
    urn = f"urn:pulumi:dev::netkit::{NETWORK}::made"
    preview = EngineDocument(
        DocumentKind.PREVIEW,
        {
            "steps": [
                {
                    "op": "same",
                    "urn": STACK_URN,
                    "newState": state(STACK_URN, "pulumi:pulumi:Stack", {}),
                },
                {"op": "create", "urn": urn, "newState": state(urn, NETWORK, {"name": "made"})},
            ],
            "changeSummary": {"same": 52, "create": 1},
        },
        "preview.json",
    )

    with pytest.raises(ManifestError) as raised:
        resources_from_preview(preview)

    assert str(raised.value) == (
        "preview.json: the preview lists only what it changes (51 unchanged resources left "
        "out), so it is not the whole stack; run `pulumi preview --json --show-sames`"
    )


# --------------------------------------------------------------------------- typed reading

not_counts = (
    st.text(max_size=8)
    | st.sampled_from(["many", "\uff11\uff12", "\u0663", "12"])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
    | st.integers(max_value=-1)
    | st.lists(st.integers(), max_size=2)
    | st.none().map(lambda _: {"a": 1})
)


@settings(max_examples=60, deadline=None)
@given(count=not_counts, op=st.sampled_from(["same", "create", "update", "delete"]))
def test_a_change_summary_count_that_is_no_whole_number_is_one_line(count, op):
    # Before: int("many") and int(1e400) were tracebacks, and full-width digits read as 12.
    document = EngineDocument(
        DocumentKind.PREVIEW, {"steps": [], "changeSummary": {op: count}}, "preview.json"
    )

    for read in (resources_from_preview, resource_changes_and_counts):
        with pytest.raises(ManifestError) as raised:
            read(document)
        assert str(raised.value).startswith(f"preview.json: changeSummary.{op}: expected a count")


def resource_changes_and_counts(document: EngineDocument) -> str:
    return render_summary("dev", diffs=[], violations=[], before="a", after="b", preview=document)


step_fields = st.sampled_from(
    ["op", "urn", "oldState", "newState", "detailedDiff", "replaceReasons"]
)


@settings(max_examples=60, deadline=None)
@given(
    field=step_fields,
    value=st.integers()
    | st.floats(allow_nan=False)
    | st.booleans()
    | st.lists(st.integers(), min_size=1, max_size=2),
)
def test_a_step_field_of_the_wrong_type_is_one_line_naming_it(field, value):
    step = {"op": "update", "urn": "urn:pulumi:dev::p::t::n", field: value}
    document = EngineDocument(DocumentKind.PREVIEW, {"steps": [step]}, "preview.json")

    with pytest.raises(ManifestError) as raised:
        resource_changes_and_counts(document)

    assert str(raised.value).startswith(f"preview.json: steps[0].{field}")
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity"])
def test_a_number_json_cannot_hold_is_named_for_the_preview_option(tmp_path, number):
    path = tmp_path / "preview.json"
    path.write_text(f'{{"steps": [], "changeSummary": {{"same": {number}}}}}')

    assert read_engine_document(path) is None
    with pytest.raises(ManifestError) as raised:
        read_engine_document(path, required="--preview")

    assert str(raised.value).startswith(f"--preview {path}: ")
