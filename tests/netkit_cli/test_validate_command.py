"""Rendered manifests against the Kubernetes schemas: valid, invalid, and no schema at all."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netkit.errors import ManifestError
from netkit.validate import validate_folder
from netkit_cli.main import main

SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
}
INSTALLATION = {
    "apiVersion": "operator.tigera.io/v1",
    "kind": "Installation",
    "metadata": {"name": "default"},
    "spec": {"cni": {"type": "Calico"}},
}


def _folder(tmp_path: Path, *objects: dict) -> Path:
    (tmp_path / "m.yaml").write_text(yaml.safe_dump_all(objects))
    return tmp_path


def test_valid_manifests_pass_and_custom_resources_are_listed_as_skipped(tmp_path, capsys):
    assert main(["validate", str(_folder(tmp_path, SERVICE, INSTALLATION))]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "skipped  Installation default (m.yaml#1)",
        "1 valid, 0 invalid, 1 skipped (no schema)",
    ]


def test_an_unknown_field_fails_strict_validation(tmp_path, capsys):
    typo = {**SERVICE, "spec": {**SERVICE["spec"], "selectr": {"app": "web"}}}
    assert main(["validate", str(_folder(tmp_path, typo))]) == 1
    out = capsys.readouterr().out
    assert out.startswith("invalid  Service web (m.yaml#0): ")
    assert "selectr" in out
    assert out.rstrip().endswith("0 valid, 1 invalid, 0 skipped (no schema)")


def test_a_folder_of_custom_resources_only_is_not_called_valid(tmp_path, capsys):
    assert main(["validate", str(_folder(tmp_path, INSTALLATION))]) == 1


def test_a_kubernetes_version_without_schemas_is_one_line(tmp_path, capsys):
    assert main(["validate", str(_folder(tmp_path, SERVICE)), "--kubernetes-version", "1.99"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("netkit: error: --kubernetes-version '1.99': no schemas for it; use one ")
    assert main(["validate", str(_folder(tmp_path, SERVICE)), "--kubernetes-version", "1.31"]) == 0


def test_a_file_given_for_the_folder_says_so(tmp_path, capsys):
    folder = _folder(tmp_path, SERVICE)
    assert main(["validate", str(folder / "m.yaml")]) == 2
    assert capsys.readouterr().err == (
        f"netkit: error: {folder / 'm.yaml'}: a file; give the folder it was rendered to\n"
    )


def test_an_object_with_empty_or_odd_metadata_is_validated_not_a_crash(tmp_path, capsys):
    odd = {**SERVICE, "metadata": ["web"]}
    assert main(["validate", str(_folder(tmp_path, odd))]) == 1
    assert capsys.readouterr().out.startswith("invalid  Service ? (m.yaml#0): ")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": None}, "kind is missing"),
        ({"apiVersion": None}, "apiVersion is missing"),
        ({"kind": 7}, "kind is 7, not a name"),
        ({"apiVersion": ["v1"]}, "apiVersion is ['v1'], not a name"),
    ],
)
def test_an_object_without_a_string_kind_or_api_version_is_one_line(tmp_path, change, message):
    obj = {**SERVICE, **change}
    obj = {key: value for key, value in obj.items() if value is not None}

    with pytest.raises(ManifestError) as caught:
        validate_folder(_folder(tmp_path, SERVICE, obj))

    assert str(caught.value) == (
        f"{tmp_path / 'm.yaml'}, document 2: {message}; every Kubernetes object names its "
        "apiVersion and kind as strings (e.g. apiVersion: v1, kind: Service)"
    )
