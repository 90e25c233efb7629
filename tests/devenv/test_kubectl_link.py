"""The cluster's kubectl is linked onto PATH; someone else's kubectl is never replaced."""

from __future__ import annotations

from pathlib import Path

import pytest

from devenv.errors import EnvError
from devenv.kubectl_link import link


def built(tmp_path: Path, key: str) -> Path:
    ours = tmp_path / "cache" / "netkit" / "cluster" / key / "bin" / "kubectl"
    ours.parent.mkdir(parents=True)
    ours.write_text("#!/bin/sh\n")
    ours.chmod(0o755)
    return ours


def test_the_link_is_made_and_moved_to_a_newer_build(tmp_path: Path) -> None:
    folder = tmp_path / "bin"
    old, new = built(tmp_path, "k8s-old"), built(tmp_path, "k8s-new")
    link(old, folder, str(folder))
    assert (folder / "kubectl").resolve() == old
    link(new, folder, str(folder))
    assert (folder / "kubectl").resolve() == new


def test_another_kubectl_is_left_alone_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "kubectl").write_text("someone else's\n")
    link(built(tmp_path, "k8s"), folder, str(folder))
    assert (folder / "kubectl").read_text() == "someone else's\n"
    assert "is another kubectl, left as it is" in capsys.readouterr().err


def test_a_folder_off_path_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    link(built(tmp_path, "k8s"), tmp_path / "bin", "/usr/bin")
    assert "is not on PATH" in capsys.readouterr().err


def test_an_unbuilt_kubectl_is_one_line_naming_the_make_target(tmp_path: Path) -> None:
    with pytest.raises(EnvError, match=r"is not built \(make cluster-toolchain\)"):
        link(tmp_path / "nothing" / "kubectl", tmp_path / "bin", "")
