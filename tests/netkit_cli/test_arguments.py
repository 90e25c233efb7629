"""Every flag's value is checked while the command line is parsed: a value the command
cannot use (`--deadline nan`, `--max-probes 0`, a namespace that is no DNS label) is one
line naming the flag, exit status 2, before any file is read or any cluster reached."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netkit.documents
import netkit.live
from netkit.errors import NetkitError
from netkit.sources import Loader
from netkit_cli.arguments import MAX_COUNT, MAX_SECONDS
from netkit_cli.main import main

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def status_of(argv: list[str]) -> int | str | None:
    """`netkit ARGV`'s exit status, whether argparse exits or `main` returns."""
    try:
        return main(argv)
    except SystemExit as exited:
        return exited.code


@pytest.fixture
def no_io(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any file read, cluster connection or model load fails the test: a bad flag must
    stop the command before all of them."""

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"I/O before the flags were checked: {args!r}")

    monkeypatch.setattr(netkit.documents, "read_text", forbidden)
    monkeypatch.setattr(netkit.live, "connect", forbidden)
    monkeypatch.setattr(Loader, "load", forbidden)


not_seconds = (
    st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "0", "-0", "", " ", "٣"])
    | st.floats(max_value=0).map(repr)
    | st.floats(min_value=MAX_SECONDS, exclude_min=True).map(repr)
    | st.text(alphabet="abc_-!", min_size=1, max_size=8)
)
not_counts = (
    st.integers(max_value=0).map(str)
    | st.integers(min_value=MAX_COUNT + 1).map(str)
    | st.sampled_from(["1.5", "1e3", "0x10", "", " 5", "٣", "+5", "nan"])
)
not_labels = st.sampled_from(["", "Web", "a_b", "-a", "a" * 64, "a.b", "ns\n"])
not_stacks = st.sampled_from(["", "a b", "a/b/c/d", "x" * 101, "dev\n", "a//b"])


@SETTINGS
@given(value=not_seconds)
def test_a_deadline_that_is_no_finite_positive_number_is_refused_before_any_io(
    capsys, no_io, value
):
    status = status_of(["probe", f"--deadline={value}"])

    err = capsys.readouterr().err
    assert status == 2
    # `--deadline=--`: argparse takes the '--' for the end of the options, and says so.
    named = ("netkit: error: --deadline ", "netkit: error: argument --deadline: ")
    assert err.count("\n") == 1 and err.startswith(named), err


def _flag(flag: str, *before: str, after: tuple[str, ...] = ()) -> Any:
    """(flag, argv) with the value in `flag=VALUE` form (argparse would read a value
    starting with '-' as another option)."""
    return lambda value: (flag, [*before, f"{flag}={value}", *after])


@SETTINGS
@given(
    case=st.one_of(
        not_counts.map(_flag("--max-probes", "probe")),
        not_labels.map(_flag("--namespace", "probe")),
        not_stacks.map(_flag("--stack", "check")),
        st.sampled_from(["", "x\ny", " x"]).map(_flag("--context", "check")),
        st.sampled_from(["", "a\0b"]).map(_flag("--output", "connlist", "x.yaml")),
        st.sampled_from(["", "10.0.0.0/33", "banana", " 10.0.0.0/8x"]).map(
            _flag("--supernet", "plan", after=("--subnet", "a=/24"))
        ),
        st.sampled_from(["", "a", "a=/200", "a=0", "=5"]).map(
            _flag("--subnet", "plan", "--supernet", "10.0.0.0/8")
        ),
        st.sampled_from(["", "vpn", "=10.0.0.0/8", "vpn=nope"]).map(_flag("--reserved", "overlap")),
        st.sampled_from(["1.99", "", "banana", "0.1"]).map(
            _flag("--kubernetes-version", "validate", "rendered")
        ),
        not_stacks.map(lambda v: ("OLD", ["diff", f"stack:{v}", "b.yaml"])),
    )
)
def test_every_flag_value_the_command_cannot_use_is_one_line_before_any_io(capsys, no_io, case):
    flag, argv = case

    status = status_of(argv)

    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("netkit: error: "), err
    assert flag in err or (flag == "--subnet" and "subnet request" in err), err


@pytest.mark.parametrize("deadline", ["0.5", "900", "1e3", str(MAX_SECONDS)])
def test_a_deadline_in_range_reaches_the_command(monkeypatch, capsys, deadline):
    def connect(kubeconfig: Any, context: Any) -> Any:
        raise NetkitError("no cluster here")

    monkeypatch.setattr(netkit.live, "connect", connect)

    assert main(["probe", "--deadline", deadline]) == 2
    assert capsys.readouterr().err == "netkit: error: no cluster here\n"
