"""The version is written once; everything that states a version follows it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

import netkit

ROOT = Path(__file__).parents[1]


def test_pyproject_reads_the_version_from_netkit():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "netkit.__version__"}


def test_both_policy_pack_manifests_state_netkits_version():
    for manifest in ("policies/PulumiPolicy.yaml", "policies/pack/PulumiPolicy.yaml"):
        document = yaml.safe_load((ROOT / manifest).read_text(encoding="utf-8"))
        assert document["version"] == netkit.__version__, manifest


def test_the_version_is_semver_and_has_a_changelog_section():
    assert re.fullmatch(r"\d+\.\d+\.\d+", netkit.__version__)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## {netkit.__version__}\n" in changelog


def test_installed_manifests_name_the_virtualenv_they_are_installed_in():
    # <venv>/share/netkit/<folder>: three levels up is the virtualenv, on every platform.
    for manifest in ("policies/pack/PulumiPolicy.yaml", "components/plugin/PulumiPlugin.yaml"):
        document = yaml.safe_load((ROOT / manifest).read_text(encoding="utf-8"))
        assert document["runtime"]["options"]["virtualenv"] == "../../..", manifest
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data_files = project["tool"]["setuptools"]["data-files"]
    assert set(data_files) == {"share/netkit/policy-pack", "share/netkit/component-package"}


def test_the_import_names_are_links_to_the_design_folders():
    for name, folder in (("netkit_components", "components"), ("netkit_policies", "policies")):
        link = ROOT / name
        assert link.is_symlink() and link.readlink() == Path(folder), name
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    included = project["tool"]["setuptools"]["packages"]["find"]["include"]
    assert not any(pattern.startswith(("components", "policies")) for pattern in included)
    banned = project["tool"]["ruff"]["lint"]["flake8-tidy-imports"]["banned-api"]
    assert set(banned) == {"components", "policies"}
