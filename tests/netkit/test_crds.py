"""Installing the policy CRDs: what is applied, waited for, and refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netkit.crds import CrdInstallError, install_crds, policy_crd_files

ROOT = Path(__file__).resolve().parents[2]


def test_the_repository_carries_every_policy_crd():
    names = [p.name for p in policy_crd_files(ROOT)]
    assert len(names) == 11
    assert "policy.networking.k8s.io_clusternetworkpolicies.yaml" in names
    assert "projectcalico.org_tiers.yaml" in names


def test_each_crd_is_applied_then_waited_for_until_established():
    applied: list[str] = []
    polls: dict[str, int] = {}

    def apply(name: str, body: Any) -> None:
        assert body["kind"] == "CustomResourceDefinition"
        applied.append(name)

    def established(name: str) -> bool:
        polls[name] = polls.get(name, 0) + 1
        return polls[name] > 1  # not at once: the installer waits

    names = install_crds(policy_crd_files(ROOT), apply=apply, established=established)
    assert applied == names
    assert "tiers.projectcalico.org" in names
    assert all(count == 2 for count in polls.values())


def test_a_crd_never_established_is_one_line_naming_it():
    files = policy_crd_files(ROOT)[:1]
    with pytest.raises(CrdInstallError) as error:
        install_crds(files, timeout=0.1, apply=lambda n, b: None, established=lambda n: False)
    assert str(error.value).startswith("CRDs not Established after 0 s: ")


def test_a_file_that_is_no_crd_is_refused(tmp_path: Path):
    path = tmp_path / "x.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    with pytest.raises(CrdInstallError) as error:
        install_crds([path], apply=lambda n, b: None, established=lambda n: True)
    assert str(error.value) == (
        f"{path}, document 1: not an apiextensions.k8s.io/v1 CustomResourceDefinition with a name"
    )
