"""The installed folders, as the command line prints them, and what a missing one says."""

from __future__ import annotations

from pathlib import Path

import pytest

import netkit
from netkit import install
from netkit_cli.main import main


def test_version_prints_netkits_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"netkit {netkit.__version__}\n"


@pytest.mark.parametrize(
    ("command", "folder", "manifest"),
    [
        ("policy-pack-path", "policy-pack", "PulumiPolicy.yaml"),
        ("component-package-path", "component-package", "PulumiPlugin.yaml"),
    ],
)
def test_each_path_command_prints_its_installed_folder(capsys, command, folder, manifest):
    # `make install` links both folders into the checkout's virtualenv, as a wheel installs them.
    assert main([command]) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed == install.data_dir() / folder
    assert (printed / manifest).is_file()


def test_a_missing_folder_is_one_line_and_exit_2(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(install, "data_dir", lambda: tmp_path)
    assert main(["policy-pack-path"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(
        f"netkit: error: {tmp_path}/policy-pack/PulumiPolicy.yaml: not installed;"
    )
