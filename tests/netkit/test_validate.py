"""Rendered manifests against the Kubernetes schemas: valid, invalid, and no schema at all."""

from __future__ import annotations

from pathlib import Path

import yaml

from netkit.cli import main

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
