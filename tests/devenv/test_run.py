"""One command runner: a failure carries the command, its exit status and its output."""

from __future__ import annotations

import pytest

from devenv.errors import CommandFailed, EnvError
from devenv.run import run, succeeds


def test_output_is_returned() -> None:
    assert run(["sh", "-c", "echo hello"]) == "hello\n"


def test_a_failure_names_the_command_its_status_and_its_last_output() -> None:
    with pytest.raises(CommandFailed) as caught:
        run(["sh", "-c", "echo first; echo why >&2; exit 3"])
    assert caught.value.status == 3
    assert "sh -c" in str(caught.value)
    assert "exited 3" in str(caught.value)
    assert "why" in str(caught.value)


def test_a_missing_program_is_one_line_not_a_traceback() -> None:
    with pytest.raises(EnvError, match="not installed or not on PATH"):
        run(["netkit-no-such-program"])


def test_a_timeout_is_a_failure_that_says_so() -> None:
    with pytest.raises(CommandFailed, match=r"no answer within 0\.2 s"):
        run(["sleep", "5"], timeout=0.2)


def test_succeeds_says_whether_it_exited_zero() -> None:
    assert succeeds(["true"])
    assert not succeeds(["false"])
    assert not succeeds(["netkit-no-such-program"])
