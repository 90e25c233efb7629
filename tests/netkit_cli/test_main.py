"""How the command line ends: a failed write, a folder it cannot read, a huge value, all
in one bounded line on stderr and exit status 2, never a traceback or Python's
"Exception ignored" notice.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netkit.errors import MAX_LINE
from netkit_cli.main import main

ROOT = Path(__file__).parents[2]
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80}]},
}


def manifests(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "svc.yaml").write_text(yaml.safe_dump(SERVICE))
    return folder


def netkit(*args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netkit_cli.main", *args],
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        timeout=120,
        **options,
    )


# --------------------------------------------------------------------------- output


class FailingStream:
    """Standard output on a full disk, a closed pipe or a failing device."""

    def __init__(self, number: int) -> None:
        self.number = number

    def write(self, text: str) -> int:
        raise OSError(self.number, os.strerror(self.number))

    def flush(self) -> None:
        raise OSError(self.number, os.strerror(self.number))


COMMANDS = {
    "connlist": lambda folder: ["connlist", str(folder)],
    "check": lambda folder: ["check", str(folder), "--format", "json"],
    "overlap": lambda folder: ["overlap", "--reserved", "vpn=10.8.0.0/16"],
    "plan": lambda folder: ["plan", "--supernet", "10.0.0.0/16", "--subnet", "a=/24"],
    "validate": lambda folder: ["validate", str(folder)],
}


@SETTINGS
@given(
    command=st.sampled_from(sorted(COMMANDS)),
    code=st.sampled_from(["ENOSPC", "EPIPE", "EIO", "EDQUOT", "EFBIG"]),
)
def test_a_failed_write_to_stdout_is_one_line_and_exit_2(
    tmp_path_factory, monkeypatch, capsys, command, code
):
    folder = manifests(tmp_path_factory.mktemp("out") / "m")
    number = getattr(errno, code)
    with monkeypatch.context() as patched:
        patched.setattr(sys, "stdout", FailingStream(number))
        status = main(COMMANDS[command](folder))

    err = capsys.readouterr().err.splitlines()
    errors = [line for line in err if line.startswith("netkit: error: ")]
    assert status == 2
    assert len(errors) == 1 and errors[0].startswith("netkit: error: standard output: "), err


@pytest.mark.parametrize("command", ["connlist", "plan", "validate"])
def test_stdout_on_a_full_disk_is_one_line_and_exit_2(tmp_path, command):
    folder = manifests(tmp_path / "m")
    with Path("/dev/full").open("w") as full:
        result = netkit(*COMMANDS[command](folder), stdout=full, cwd=ROOT)

    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "netkit: error: standard output: cannot write: no space left on the device; free "
        "some and run again"
    )
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr


def test_a_pipe_closed_by_its_reader_is_one_line_and_exit_2(tmp_path):
    folder = manifests(tmp_path / "m")
    with subprocess.Popen(
        [sys.executable, "-m", "netkit_cli.main", "connlist", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader goes away before anything is written
        err = process.stderr.read()
        status = process.wait(timeout=120)

    assert status == 2
    assert err.splitlines()[-1].startswith(
        "netkit: error: standard output: the reading end of the pipe closed"
    )
    assert "Traceback" not in err and "Exception ignored" not in err


@pytest.mark.parametrize("target", ["folder", "missing/out.txt", "/dev/full"])
def test_an_output_file_that_cannot_be_written_is_one_line_and_exit_2(tmp_path, capsys, target):
    folder = manifests(tmp_path / "m")
    output = target if target.startswith("/") else str(tmp_path / target)
    if target == "folder":
        (tmp_path / "folder").mkdir()

    status = main(["connlist", str(folder), "-o", output])

    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith(f"netkit: error: {output}: "), err


# --------------------------------------------------------------------------- folders


def test_a_sub_folder_that_cannot_be_read_fails_the_command(tmp_path, monkeypatch, capsys):
    folder = manifests(tmp_path / "m")
    hidden = manifests(folder / "team")
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if os.fspath(path) == str(hidden):
            raise PermissionError(errno.EACCES, "Permission denied", str(hidden))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    status = main(["check", str(folder)])

    err = capsys.readouterr().err
    assert status == 2
    assert err == (
        f"netkit: error: {hidden}: a folder netkit cannot read (Permission denied), so the "
        "manifests in it would go unchecked; fix its permissions or leave it out\n"
    )


# --------------------------------------------------------------------------- bounded lines

huge = st.integers(300, 300_000).flatmap(
    lambda size: st.sampled_from(["x", "é", "a b", "\n", "\t"]).map(lambda c: (c * size)[:size])
)


@st.composite
def places(draw: st.DrawFn) -> tuple[str, Any]:
    """Where a user value reaches an error message: a label, a name, a CIDR, a port name,
    a key, a flag."""
    value = draw(huge)
    where = draw(
        st.sampled_from(["label", "cidr", "port", "key", "namespace", "selector", "flag", "yaml"])
    )
    return where, value


@SETTINGS
@given(places())
def test_an_error_about_a_huge_value_is_one_line_of_bounded_length(tmp_path_factory, capsys, place):
    where, value = place
    folder = tmp_path_factory.mktemp("huge")
    path = folder / "m.yaml"
    obj: dict[str, Any] = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "shop"},
        "spec": {"podSelector": {}},
    }
    args = ["connlist", str(path)]
    if where == "label":
        obj["metadata"]["labels"] = {"app": value}
    elif where == "cidr":
        obj["spec"]["ingress"] = [{"from": [{"ipBlock": {"cidr": value}}]}]
    elif where == "port":
        obj["spec"]["ingress"] = [{"ports": [{"port": value}]}]
    elif where == "key":
        obj["spec"][value] = 1  # an unknown key is fine; a second kind below is not
        obj["kind"] = value
        obj.pop("apiVersion")
        obj["items"] = []
    elif where == "namespace":
        obj["spec"]["podSelector"] = {"matchExpressions": [{"key": value, "operator": "In"}]}
    elif where == "selector":
        obj["spec"]["podSelector"] = {"matchLabels": {"app": value}}
    elif where == "flag":
        args = ["probe", "--deadline", value]
    path.write_text(yaml.safe_dump(obj) if where != "yaml" else f"a: [\n{value}")

    status = main(args)

    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1, err[:500]
    assert len(err) <= MAX_LINE + 200
    if value[:40] in err and " " not in value:
        # The value is echoed: cut, with its length.
        assert "characters)" in err
