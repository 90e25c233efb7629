"""The Docker hosts' plan, arguments and decisions, without root or a running engine."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devenv import cgroup_entry, docker_hosts, swarm
from devenv.docker_engine import internal_drop_rule
from devenv.docker_host import Host, has_address
from devenv.errors import EnvError
from devenv.paths import REPO
from netkit import docker_hosts as product_hosts


def test_a_host_keeps_the_layout_the_shell_script_had(tmp_path: Path) -> None:
    host = Host(2, tmp_path)
    assert (host.name, host.namespace, host.address) == ("host2", "netkit-host2", "10.199.0.2")
    assert host.socket == tmp_path / "host2.sock"
    assert host.engine.pid_file == tmp_path / "host2" / "dockerd.pid"
    assert host.engine.log_file == tmp_path / "host2" / "dockerd.log"
    assert host.config_file == tmp_path / "host2" / "daemon.json"


def test_the_socket_is_the_one_netkit_resolves_the_stack_url_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETKIT_DOCKER_HOSTS_STATE", str(tmp_path))
    [host] = docker_hosts.plan(1, product_hosts.state_dir())
    assert host.url == product_hosts.engine_url("netkit-hosts://host1")


def test_dockerd_gets_its_own_roots_socket_pid_file_and_cgroup_parent(tmp_path: Path) -> None:
    host = Host(3, tmp_path)
    argv = host.dockerd_argv()
    assert argv[0] == "dockerd"
    options = dict(zip(argv[1::2], argv[2::2], strict=False))
    assert options["--config-file"] == f"{tmp_path}/host3/daemon.json"
    assert options["--data-root"] == f"{tmp_path}/host3/data"
    assert options["--exec-root"] == f"{tmp_path}/host3/exec"
    assert options["-H"] == f"unix://{tmp_path}/host3.sock"
    assert options["--pidfile"] == f"{tmp_path}/host3/dockerd.pid"
    assert options["--cgroup-parent"] == "/netkit-host3"
    assert "--bridge=none" in argv


def test_dockerd_runs_in_the_namespace_with_cgroups_and_a_host_name_of_its_own(
    tmp_path: Path,
) -> None:
    host = Host(1, tmp_path)
    argv = host.launch_argv("/py")
    assert argv[:5] == ["ip", "netns", "exec", "netkit-host1", "/py"]
    assert argv[5:10] == ["-m", "devenv", "in-netns", "--hostname", "netkit-host1"]
    assert argv[10:] == host.dockerd_argv()


def test_an_address_is_found_exactly_not_as_the_prefix_of_another() -> None:
    shown = "2: eth0@if5: <UP>\n    inet 10.199.0.10/24 scope global eth0\n"
    assert has_address(shown, "10.199.0.10/24")
    assert not has_address(shown, "10.199.0.1/24")
    assert not has_address("", "10.199.0.1/24")


def test_the_drop_rule_reads_as_the_one_already_installed_on_the_engines() -> None:
    rule = " ".join(internal_drop_rule())
    assert rule == "INPUT -i nkint+ -m conntrack --ctstate NEW -j DROP"


@pytest.mark.parametrize(
    ("argv", "parsed"),
    [
        (["start"], ("start", 3)),
        (["stop", "5"], ("stop", 5)),
        (["status", "20"], ("status", 20)),
        (["status", "1"], ("status", 1)),
        (["start", "0"], None),
        (["start", "21"], None),
        (["start", "x"], None),
        (["start", ""], None),
        (["start", "-1"], None),
        (["restart"], None),
        ([], None),
    ],
)
def test_arguments(argv: list[str], parsed: tuple[str, int] | None) -> None:
    assert docker_hosts.parse_args(argv) == parsed


@pytest.mark.parametrize("argv", [["start", "21"], ["status", "0"], ["up"], []])
def test_the_entry_script_answers_a_usage_error_with_status_2(argv: list[str]) -> None:
    done = subprocess.run(
        [str(REPO / "scripts" / "docker-hosts.sh"), *argv], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr == (
        "usage: scripts/docker-hosts.sh start|stop|status [N]   (N hosts, default 3, 1-20)\n"
    )


@pytest.mark.parametrize(
    ("info", "node"),
    [
        ("active abc123\n", ("active", "abc123")),
        ("pending xyz\n", ("pending", "xyz")),
        ("inactive \n", ("inactive", "")),
        ("", ("unknown", "")),
    ],
)
def test_swarm_state_and_node_id_from_docker_info(info: str, node: tuple[str, str]) -> None:
    assert swarm.parse_node(info) == node


CONFIG = '{"State":{"Running":false},"HasBeenManuallyStopped":%s}'


@pytest.mark.parametrize(
    ("policy", "config", "restarts"),
    [
        ("always", None, True),
        ("always", CONFIG % "true", True),
        ("unless-stopped", CONFIG % "false", True),
        ("unless-stopped", CONFIG % "true", False),
        ("unless-stopped", None, False),
        ("unless-stopped", "{not json", False),
        ("on-failure", CONFIG % "false", False),
        ("no", CONFIG % "false", False),
        ("", None, False),
    ],
)
def test_which_stopped_containers_the_engine_would_have_restarted(
    policy: str, config: str | None, restarts: bool
) -> None:
    assert swarm.restarts_itself(policy, config) is restarts


def test_only_an_overlay_not_known_yet_is_worth_starting_again() -> None:
    assert swarm.network_not_ready(
        "Error response from daemon: network netkit-lab-mesh not found\n"
    )
    assert not swarm.network_not_ready("Error response from daemon: No such container: abc")


@pytest.mark.parametrize(
    ("shown", "peers"),
    [
        ('[{"Name":"28e9a606452e","IP":"10.199.0.1"},{"Name":"2483","IP":"10.199.0.2"}]\n',
         {"10.199.0.1", "10.199.0.2"}),
        ("null\n", set()),
        ("", set()),
        ('[{"Name":"x"}]', set()),
    ],
)  # fmt: skip
def test_gossip_peers_from_the_verbose_inspect_of_the_ingress_network(
    shown: str, peers: set[str]
) -> None:
    assert swarm.parse_peers(shown) == peers


def test_start_waits_until_every_host_s_gossip_reaches_every_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hosts = docker_hosts.plan(3, tmp_path)
    everyone = {h.address for h in hosts}
    # host3 joins the gossip on the third look (as a worker retries its join).
    seen = {"host1": [everyone - {"10.199.0.3"}] * 2, "host3": [set(), {"10.199.0.3"}]}
    looks: list[str] = []

    def peers(host: Host) -> set[str]:
        looks.append(host.name)
        left = seen.get(host.name, [])
        return left.pop(0) if left else everyone

    monkeypatch.setattr(swarm, "gossip_peers", peers)
    monkeypatch.setattr(swarm.time, "sleep", lambda _: None)
    swarm.wait_gossip(hosts, timeout=60)
    assert looks == ["host1", "host2", "host3"] * 3


def test_gossip_that_stays_incomplete_names_who_misses_whom(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hosts = docker_hosts.plan(3, tmp_path)
    apart = {"host1": {"10.199.0.1", "10.199.0.2"}, "host2": {"10.199.0.1", "10.199.0.2"}}
    monkeypatch.setattr(swarm, "gossip_peers", lambda host: apart.get(host.name, {host.address}))
    monkeypatch.setattr(swarm.time, "sleep", lambda _: None)
    with pytest.raises(EnvError) as raised:
        swarm.wait_gossip(hosts, timeout=0)
    assert str(raised.value).startswith(
        "the swarm's gossip is incomplete after 0 s: host1 does not reach host3; "
        "host2 does not reach host3; host3 does not reach host1, host2 (containers"
    )


def test_a_host_that_lists_no_peer_is_said_to() -> None:
    assert swarm.describe({"host3": ["host1", "host2", "host3"], "host1": ["host3"]}) == (
        "host3 lists no peer of the ingress network; host1 does not reach host3"
    )


def test_the_ready_timeout_comes_from_the_environment() -> None:
    assert swarm.ready_timeout({}) == 300
    assert swarm.ready_timeout({"NETKIT_SWARM_READY_TIMEOUT": "45"}) == 45
    for wrong in ("soon", "0", "-3", "nan"):
        with pytest.raises(EnvError, match="NETKIT_SWARM_READY_TIMEOUT"):
            swarm.ready_timeout({"NETKIT_SWARM_READY_TIMEOUT": wrong})


@given(st.lists(st.integers(min_value=0, max_value=10**7), max_size=5))
def test_resident_memory_is_the_sum_in_whole_mebibytes(kib: list[int]) -> None:
    assert docker_hosts.rss_mib("".join(f" {k}\n" for k in kib)) == sum(kib) // 1024


def test_the_status_line_of_a_running_host(tmp_path: Path) -> None:
    line = docker_hosts.status_line(Host(2, tmp_path), "active", 4, 130)
    assert (
        line
        == f"host2  10.199.0.2  swarm active  4 containers  130 MiB  unix://{tmp_path}/host2.sock"
    )


def test_a_host_name_is_set_in_a_uts_namespace_of_its_own_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(cgroup_entry, "unshare_uts", lambda: calls.append("unshare"))
    monkeypatch.setattr(cgroup_entry.socket, "sethostname", calls.append)
    cgroup_entry.set_hostname("netkit-host1")
    assert calls == ["unshare", "netkit-host1"]


@pytest.mark.parametrize("argv", [[], ["--hostname"], ["--hostname", "h"]])
def test_in_netns_without_a_command_is_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cgroup_entry.main(argv) == 2
    assert "usage: python -m devenv in-netns [--hostname NAME] CMD" in capsys.readouterr().err


def test_the_machine_s_engine_check_names_the_fix(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "devenv", "docker-engine", "--check"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "DOCKER_HOST": f"unix://{tmp_path}/none.sock"},
    )
    assert done.returncode == 1
    assert "sudo scripts/docker-engine.sh" in done.stderr


class Clock:
    """time.monotonic and time.sleep of a start that takes no time."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def engines_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stalled: set[str]
) -> list[tuple[float, str, str]]:
    """What engines_up did, as (time, event, host): a launched engine answers at the next
    look; a stalled one (its old engine alive) answers never."""
    from devenv import docker_host

    clock = Clock()
    events: list[tuple[float, str, str]] = []
    launched: set[str] = set()

    def answers(host: Host, timeout: float = 0) -> bool:
        if host.name in launched:
            events.append((clock.now, "answered", host.name))
            return True
        return False

    def launch(host: Host) -> int:
        events.append((clock.now, "launched", host.name))
        launched.add(host.name)
        return 4242

    monkeypatch.setattr(docker_host, "time", clock)
    monkeypatch.setattr(Host, "answers", answers)
    monkeypatch.setattr(docker_host, "launch", launch)
    monkeypatch.setattr(docker_host, "pid_alive", lambda pid: True)
    hosts = docker_hosts.plan(3, tmp_path)
    for host in hosts:
        if host.name in stalled:
            host.engine.pid_file.parent.mkdir(parents=True)
            host.engine.pid_file.write_text("4141\n")
    with contextlib.suppress(EnvError):
        docker_host.engines_up(hosts)
    return events


def test_the_workers_engines_start_once_the_manager_s_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A worker whose network agent starts before the manager's misses the swarm's gossip
    # for a minute.
    events = engines_started(tmp_path, monkeypatch, stalled=set())
    order = [(event, host) for _, event, host in events]
    assert order[:2] == [("launched", "host1"), ("answered", "host1")]
    assert sorted(order[2:4]) == [("launched", "host2"), ("launched", "host3")]


def test_a_stalled_manager_holds_the_workers_engines_back_for_its_head_start_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from devenv.docker_host import MANAGER_HEAD_START

    events = engines_started(tmp_path, monkeypatch, stalled={"host1"})
    launches = [(when, host) for when, event, host in events if event == "launched"]
    assert [host for _, host in launches] == ["host2", "host3"]
    assert all(MANAGER_HEAD_START <= when <= MANAGER_HEAD_START + 1 for when, _ in launches)
