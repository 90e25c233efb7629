"""Where an installed netkit keeps the folders the engine runs, and what a missing one says."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from netkit import install
from netkit.errors import NetkitError


def _prefix(monkeypatch: pytest.MonkeyPatch, prefix: Path) -> None:
    real = sysconfig.get_path
    monkeypatch.setattr(
        install.sysconfig, "get_path", lambda name: str(prefix) if name == "data" else real(name)
    )


def test_folders_live_under_the_installations_share_netkit(tmp_path, monkeypatch):
    _prefix(monkeypatch, tmp_path)
    for folder, manifest in (
        ("policy-pack", "PulumiPolicy.yaml"),
        ("component-package", "PulumiPlugin.yaml"),
    ):
        (tmp_path / "share" / "netkit" / folder).mkdir(parents=True)
        (tmp_path / "share" / "netkit" / folder / manifest).write_text("runtime: python\n")
    assert install.policy_pack() == tmp_path / "share" / "netkit" / "policy-pack"
    assert install.component_package() == tmp_path / "share" / "netkit" / "component-package"


def test_a_missing_folder_names_the_manifest_and_how_to_install(tmp_path, monkeypatch):
    _prefix(monkeypatch, tmp_path)
    with pytest.raises(NetkitError) as raised:
        install.policy_pack()
    assert str(raised.value) == (
        f"{tmp_path}/share/netkit/policy-pack/PulumiPolicy.yaml: not installed; install netkit "
        "into this virtualenv with pip (`pip install netkit-<version>-py3-none-any.whl`, "
        "or `make install` in a checkout)"
    )
