"""`netkit probe --docker`: the plan, the exec and the verdicts, end to end in-process
(the engines replaced by fakes that answer as Docker 20.10 did on the real hosts)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pytest

from netkit_cli import options
from netkit_cli.commands import probe as probe_command
from netkit_cli.main import main
from tests.netkit.test_docker_live import HOST1, HOST2, FakeEngine


class Answering(FakeEngine):
    """An engine whose containers answer probes; `blocked` addresses time out."""

    def __init__(self, engine: FakeEngine, blocked: set[str]) -> None:
        super().__init__(engine.info(), engine.networks(), engine.containers())
        self.blocked = blocked
        self.ran: list[tuple[str, list[str]]] = []

    def exec(self, container: str, command: Sequence[str], timeout: float) -> tuple[int, str]:
        self.ran.append((container, list(command)))
        if command[0] == "nc":
            return (1, "nc: timed out\n") if command[3] in self.blocked else (0, "")
        if command[0] == "nslookup":
            found = NAMES.get(command[1])
            if found is None:
                return 1, f"** server can't find {command[1]}: NXDOMAIN\n"
            return 0, f"Server: 127.0.0.11\n\nName:\t{command[1]}\nAddress: {found}\n"
        if command[0] == "ping":
            return 1, "1 packets transmitted, 0 packets received\n"
        if command[1] == "traceroute":
            target = command[-1]
            return 0, f" 1  {'*' if target in self.blocked else target}\n"
        raise AssertionError(command)


NAMES: Mapping[str, str] = {"a": "10.201.0.2", "b": "10.201.0.3"}


ON_HOSTS: list[list[str]] = []


@pytest.fixture
def engines(monkeypatch: pytest.MonkeyPatch) -> dict[str, Answering]:
    fakes = {"host1": Answering(HOST1, set()), "host2": Answering(HOST2, set())}
    monkeypatch.setattr(
        options, "LOADER", replace(options.LOADER, docker_api=lambda ref: fakes[ref.name])
    )
    ON_HOSTS.clear()

    def refused(command: list[str]) -> tuple[int, str]:
        ON_HOSTS.append(command)
        return 1, "Connection refused\n"

    monkeypatch.setattr(probe_command, "run_on_host", refused)
    return fakes


ARGS = ["probe", "--docker", "netkit-hosts://host1", "--docker", "netkit-hosts://host2"]


def test_every_probe_agrees_when_the_engines_do_what_docker_does(engines, capsys):
    assert main(ARGS) == 0
    out = capsys.readouterr().out
    agree, total = re.fullmatch(r"(\d+)/(\d+) probes agree\n", out).groups()  # type: ignore[union-attr]
    assert agree == total
    # a -> b on the ports b declares (its image's EXPOSE 80), from inside a, by address.
    assert ("aaaaaaaaaaaa1111", ["nc", "-w", "1", "10.201.0.3", "80"]) in engines["host1"].ran
    # b -> a on 8080/tcp and 5353/udp (a's netkit.ports label).
    assert ("bbbbbbbbbbbb2222", ["nc", "-w", "1", "10.201.0.2", "8080"]) in engines["host2"].ran
    assert any(cmd[:2] == ["busybox", "traceroute"] for _, cmd in engines["host2"].ran)
    # a publishes 8080 on every address, but its networks are all internal: Docker
    # publishes nothing, and the port is tried from host1's own namespace, refused.
    [tried] = ON_HOSTS
    assert tried[:4] == ["ip", "netns", "exec", "netkit-host1"]
    assert tried[-3:] == ["127.0.0.1", "18080", "1"]


def test_a_blocked_pair_is_a_line_naming_it_and_exit_one(engines, capsys):
    engines["host1"].blocked.add("10.201.0.3")
    assert main(ARGS) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "host1/a[Container] -> host2/b[Container] 80/TCP: netkit computes allowed, the "
        "engines were blocked (timed out)"
    )
    assert re.fullmatch(r"\d+/\d+ probes agree", lines[-1])


def test_a_stack_and_engines_together_are_refused(capsys: Any):
    assert main([*ARGS, "--stack", "lab"]) == 2
    assert "give --stack NAME" in capsys.readouterr().err
