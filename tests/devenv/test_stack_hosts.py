"""How many local Docker hosts a stack needs, read from its stack spec (`make hosts`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devenv import stack_hosts
from devenv.errors import EnvError
from devenv.paths import REPO


def test_at_least_the_default_three_and_up_to_the_highest_host_named() -> None:
    assert stack_hosts.hosts_needed(["netkit-hosts://host1", "netkit-hosts://host2"]) == 3
    assert stack_hosts.hosts_needed(["netkit-hosts://host1", "netkit-hosts://host7/"]) == 7
    assert stack_hosts.hosts_needed(["unix:///var/run/docker.sock"]) is None
    assert stack_hosts.hosts_needed([]) is None


def stack(folder: Path, name: str, hosts: str) -> None:
    (folder / f"Pulumi.{name}.yaml").write_text(
        f"config:\n  netkit:docker:\n    hosts:\n{hosts}"
        if hosts
        else "config:\n  netkit:docker: {}\n"
    )


def test_the_command_prints_the_count_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    stack(tmp_path, "lab", "      - {name: a, url: 'netkit-hosts://host4'}\n")
    stack(tmp_path, "dev", "")
    assert stack_hosts.main(["lab"]) == 0
    assert capsys.readouterr().out == "4\n"
    for name in ("dev", "missing"):
        assert stack_hosts.main([name]) == 0
        assert capsys.readouterr().out == ""


def test_an_invalid_stack_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    stack(tmp_path, "bad", "      - {name: a, url: 'netkit-hosts://host21'}\n")
    with pytest.raises(EnvError, match="host1 to host20"):
        stack_hosts.main(["bad"])


def test_the_project_s_own_stacks() -> None:
    assert (
        stack_hosts.hosts_needed(
            h.url for h in stack_hosts.load_stack_file(REPO / "Pulumi.lab.yaml").docker.hosts
        )
        == 3
    )
