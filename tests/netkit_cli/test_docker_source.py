"""`--docker URL`: running engines as a source of connlist, check and overlap (the SDK
replaced by a fake engine through the loader)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from netkit_cli import options
from netkit_cli.main import main
from tests.netkit.test_docker_live import HOST1, HOST2

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def engines(monkeypatch):
    fakes = {"host1": HOST1, "host2": HOST2}
    monkeypatch.setattr(
        options, "LOADER", replace(options.LOADER, docker_api=lambda ref: fakes[ref.name])
    )


def test_connlist_lists_the_containers_of_the_running_engines(capsys):
    code = main(
        ["connlist", "--docker", "netkit-hosts://host1", "--docker", "netkit-hosts://host2"]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert "host1/a[Container] => host2/b[Container] : All Connections" in out
    # a publishes 8080 on every address (HostIp ""), but its networks are all internal.
    assert not any(line.endswith("host1/a[Container] : TCP 8080") for line in out)


def test_overlap_of_a_stack_against_running_engines_names_each_with_its_host(capsys):
    code = main(
        ["overlap", "--stack", "lab", "--project-dir", str(ROOT),
         "--docker", "netkit-hosts://host1", "--docker", "netkit-hosts://host2"]
    )  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    # The fake host1 runs `a-local` 10.201.1.0/24 and `mesh` 10.201.0.0/24: not lab's own
    # networks (other names), so the lab's declared ones collide with them.
    assert code == 1
    assert (
        "docker overlay 'netkit-lab-mesh' 10.201.0.0/24 is the same range as existing docker "
        "overlay 'mesh' 10.201.0.0/24 on host 'host1'"
    ) in out
    assert (
        "docker bridge 'netkit-lab-a-local' 10.201.1.0/24 on host 'host1' is the same range as "
        "existing docker bridge 'a-local' 10.201.1.0/24 on host 'host1'"
    ) in out
    assert any(line.startswith("advisory: ") and "docker swarm pool" in line for line in out)


def test_the_stack_and_running_engines_are_not_one_connlist_source(capsys):
    code = main(["connlist", "--stack", "lab", "--docker", "netkit-hosts://host1"])
    assert code == 2
    assert capsys.readouterr().err.startswith(
        "netkit: error: give --stack NAME or --docker URL, not both"
    )


def test_a_bad_engine_url_is_one_line_when_the_command_line_is_parsed(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["connlist", "--docker", "http://x"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "argument --docker: url 'http://x'" in err
