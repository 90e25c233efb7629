"""Sampling connection tracking in network namespaces, on text alone: the command each
namespace gets, one flow per connection across samples, progress, and a clean Ctrl-C."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from netkit.errors import NetkitError
from netkit.observed.sampler import conntrack_command, run, sample

START = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
WEB_TO_API = (
    "ipv4 2 tcp 6 431999 ESTABLISHED src=10.244.0.11 dst=10.96.0.20 sport=43122 dport=8080 "
    "src=10.244.0.21 dst=10.244.0.11 sport=8080 dport=43122 [ASSURED] mark=0 use=2\n"
)
API_TO_DB = (
    "ipv4 2 tcp 6 117 ESTABLISHED src=10.244.0.21 dst=10.244.0.31 sport=51000 dport=5432 "
    "src=10.244.0.31 dst=10.244.0.21 sport=5432 dport=51000 [ASSURED] mark=0 use=1\n"
)


class Machine:
    """A clock, a sleep and a runner that answers each round with the next table."""

    def __init__(self, tables: list[str | BaseException]) -> None:
        self.tables = tables
        self.commands: list[list[str]] = []
        self.seconds = 0.0
        self.progress: list[tuple[int, int]] = []

    def runner(self, command):
        self.commands.append(list(command))
        table = self.tables[min(len(self.commands), len(self.tables)) - 1]
        if isinstance(table, BaseException):
            raise table
        return table

    def sleep(self, seconds: float) -> None:
        self.seconds += seconds

    def sample(self, namespaces, window, interval):
        return sample(
            namespaces,
            window,
            interval,
            runner=self.runner,
            clock=lambda: self.seconds,
            now=lambda: START + timedelta(seconds=self.seconds),
            sleep=self.sleep,
            progress=lambda step: self.progress.append((step.round, step.connections)),
        )


def test_each_namespace_is_listed_with_ip_netns_exec_conntrack():
    assert conntrack_command("node1") == [
        "ip",
        "netns",
        "exec",
        "node1",
        "conntrack",
        "-L",
        "-o",
        "extended",
    ]


def test_a_connection_seen_in_several_samples_is_one_flow_from_first_to_last_sample():
    machine = Machine([WEB_TO_API, WEB_TO_API + API_TO_DB, API_TO_DB])

    flows = machine.sample(["node1"], window=4, interval=2)

    assert machine.commands == [conntrack_command("node1")] * 3
    assert [
        (f.src.address, f.port, f.first_seen, f.last_seen, f.translated) for f in flows.flows
    ] == [
        ("10.244.0.11", 8080, START, START + timedelta(seconds=2), "10.244.0.21"),
        ("10.244.0.21", 5432, START + timedelta(seconds=2), START + timedelta(seconds=4), ""),
    ]
    assert machine.progress == [(1, 1), (2, 2), (3, 2)]
    assert flows.notes == (
        "3 sample(s) of 1 namespace(s) (node1), every 2 s: connections that opened and "
        "closed between samples are missed",
    )
    assert not flows.sees_denied


def test_ctrl_c_keeps_what_was_sampled_and_says_the_window_was_cut():
    machine = Machine([WEB_TO_API, KeyboardInterrupt()])

    flows = machine.sample(["node1"], window=60, interval=2)

    assert len(flows.flows) == 1
    assert flows.notes[0] == (
        "sampling stopped by Ctrl-C after 1 round(s) of 60 s's; the window is what was "
        "sampled until then"
    )


def test_a_bad_table_line_names_the_namespace_and_line():
    machine = Machine(["ipv4 2 tcp 6 1 ESTABLISHED src=10.0.0.1 dst=nowhere sport=1 dport=2\n"])

    with pytest.raises(
        NetkitError, match=r"^conntrack of netns node1:1: dst: 'nowhere' is no IP address"
    ):
        machine.sample(["node1"], window=0, interval=1)


def test_a_command_that_fails_is_one_line_naming_it():
    with pytest.raises(NetkitError) as caught:
        run(["false"])
    assert str(caught.value).startswith("'false' failed: exit status 1 (conntrack needs root")


def test_a_container_is_sampled_in_its_own_namespace_and_a_connection_seen_twice_is_one_flow():
    from netkit.observed.sampler import Target

    # Both ends' namespaces hold the same connection (two containers on an overlay).
    machine = Machine([API_TO_DB])
    flows = machine.sample(
        [Target.process("host1/api", 101), Target.process("host2/db", 202)], window=0, interval=1
    )

    assert machine.commands == [
        ["nsenter", "-t", "101", "-n", "conntrack", "-L", "-o", "extended"],
        ["nsenter", "-t", "202", "-n", "conntrack", "-L", "-o", "extended"],
    ]
    assert [(f.src.address, f.dst.address, f.port) for f in flows.flows] == [
        ("10.244.0.21", "10.244.0.31", 5432)
    ]
    assert "of 2 namespace(s) (host1/api, host2/db)" in flows.notes[-1]


def two_containers(tables: dict[str, list[str | BaseException]], alive: set[int]):
    """A runner answering each container's command with its next table."""
    from netkit.observed.sampler import Target

    rounds: dict[str, int] = {}

    def runner(command):
        pid = command[2]
        rounds[pid] = rounds.get(pid, 0) + 1
        table = tables[pid][min(rounds[pid], len(tables[pid])) - 1]
        if isinstance(table, BaseException):
            raise table
        return table

    targets = [Target.process("web", 101), Target.process("api", 202)]
    clock = {"t": 0.0}

    def run_sample(window: float = 6, interval: float = 2):
        return sample(
            targets,
            window,
            interval,
            runner=runner,
            clock=lambda: clock["t"],
            now=lambda: START + timedelta(seconds=clock["t"]),
            sleep=lambda s: clock.__setitem__("t", clock["t"] + s),
            exists=lambda pid: pid in alive,
        )

    return run_sample, rounds


def test_a_container_that_exits_mid_window_is_dropped_with_a_note_and_keeps_what_it_showed():
    gone = NetkitError("'nsenter -t 101 -n conntrack -L' failed: No such process")
    run_sample, rounds = two_containers(
        {"101": [WEB_TO_API, gone], "202": [API_TO_DB]}, alive={202}
    )
    flows = run_sample()
    assert len(flows.flows) == 2  # web's connection from the first round is kept
    assert rounds == {"101": 2, "202": 4}  # web is not asked again after it is gone
    assert any(n.startswith("web: its process 101 exited after 1 round(s)") for n in flows.notes)


def test_a_failure_of_a_container_whose_process_still_runs_is_an_error():
    refused = NetkitError("'nsenter -t 101 -n conntrack -L' failed: Operation not permitted")
    run_sample, _ = two_containers({"101": [refused], "202": [API_TO_DB]}, alive={101, 202})
    with pytest.raises(NetkitError, match="Operation not permitted"):
        run_sample()


def test_when_every_container_is_gone_the_window_ends_with_what_was_seen():
    gone = NetkitError("failed: No such process")
    run_sample, rounds = two_containers(
        {"101": [WEB_TO_API, gone], "202": [API_TO_DB, gone]}, alive=set()
    )
    flows = run_sample(window=60)
    assert len(flows.flows) == 2
    assert rounds == {"101": 2, "202": 2}
    assert "no namespace is left to sample: the window ends here" in flows.notes
    assert any(n.startswith("1 sample(s) of 2 namespace(s) (web, api)") for n in flows.notes)
