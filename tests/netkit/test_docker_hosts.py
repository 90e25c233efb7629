"""Engine URLs of the stack file, and the local hosts' `netkit-hosts://` form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netkit import docker_hosts
from netkit.errors import InvalidValue


def test_a_local_host_resolves_to_its_socket_in_the_state_folder(monkeypatch):
    monkeypatch.delenv("NETKIT_DOCKER_HOSTS_STATE", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", "/home/me/.state")
    assert docker_hosts.engine_url("netkit-hosts://host2") == (
        "unix:///home/me/.state/netkit/docker-hosts/host2.sock"
    )
    monkeypatch.setenv("NETKIT_DOCKER_HOSTS_STATE", "/elsewhere")
    assert docker_hosts.engine_url("netkit-hosts://host2/") == "unix:///elsewhere/host2.sock"


def test_other_urls_are_used_as_given():
    for url in ("unix:///var/run/docker.sock", "tcp://10.0.0.5:2376", "ssh://me@docker1"):
        assert docker_hosts.engine_url(docker_hosts.check_url(url)) == url
        assert docker_hosts.namespace(url) is None


def test_a_local_host_lives_in_its_namespace():
    assert docker_hosts.namespace("netkit-hosts://host3") == "netkit-host3"


@pytest.mark.parametrize(
    "url",
    ["docker1:2375", "http://docker1", "tcp://", "netkit-hosts://web", "netkit-hosts://host0"],
)
def test_what_is_not_an_engine_url_is_refused_with_the_forms_to_use(url):
    with pytest.raises(InvalidValue, match=f"url '{url}': "):
        docker_hosts.check_url(url)


@given(st.text(max_size=40))
def test_check_url_accepts_or_refuses_with_invalid_value_and_never_crashes(text):
    try:
        assert docker_hosts.check_url(text) == text
    except InvalidValue as error:
        assert repr(text) in str(error)


def test_a_missing_namespace_leaves_a_note_instead_of_routes():
    notes: list[str] = []
    assert docker_hosts.namespace_routes("netkit-no-such-host", notes) == []
    assert len(notes) == 1
    assert notes[0].startswith("namespace netkit-no-such-host: ")


# --------------------------------------------------------------------------- each host's routes

# `ip -j route show` in a host namespace: its LAN and its docker_gwbridge.
LAN_ROUTES = {
    "netkit-host1": '[{"dst":"10.199.0.0/24","dev":"eth0"},{"dst":"172.17.0.0/16","dev":"docker_gwbridge"}]',
    "netkit-host2": '[{"dst":"10.199.0.0/24","dev":"eth0"},{"dst":"172.18.0.0/16","dev":"docker_gwbridge"}]',
}


@pytest.fixture
def fake_namespaces(monkeypatch):
    def routes(ns: str, notes: list[str]) -> list[str]:
        if ns not in LAN_ROUTES:
            notes.append(f"namespace {ns}: missing")
            return []
        return [LAN_ROUTES[ns], "[]"]

    monkeypatch.setattr(docker_hosts, "namespace_routes", routes)


def test_each_host_s_routes_are_that_host_s(fake_namespaces):
    notes: list[str] = []
    spaces = docker_hosts.host_routes(
        [
            ("host1", "netkit-hosts://host1"),
            ("far", "ssh://me@far"),
            ("host2", "netkit-hosts://host2"),
        ],
        notes,
    )
    assert [(s.host, s.name, str(s.cidr), s.source) for s in spaces] == [
        ("host1", "eth0", "10.199.0.0/24", "ip -n netkit-host1 route"),
        ("host1", "docker_gwbridge", "172.17.0.0/16", "ip -n netkit-host1 route"),
        ("host2", "eth0", "10.199.0.0/24", "ip -n netkit-host2 route"),
        ("host2", "docker_gwbridge", "172.18.0.0/16", "ip -n netkit-host2 route"),
    ]
    assert notes == [
        "host 'far' (ssh://me@far): its routes cannot be read from this machine; skipped"
    ]


# --------------------------------------------------------------------------- engines down


def _serve(path, answer):
    """A Unix socket at `path` answering every request with `answer()` (bytes), as an
    engine does; returns its closer."""
    import socket
    import threading

    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(1024)
                conn.sendall(answer())

    threading.Thread(target=serve, daemon=True).start()
    return server.close


@pytest.fixture
def fake_engine(tmp_path):
    """A Unix socket answering `GET /_ping` as the Docker engine does (200 OK)."""
    path = tmp_path / "engine.sock"
    close = _serve(path, lambda: b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
    yield f"unix://{path}"
    close()


def test_an_engine_answering_its_ping_is_no_problem(fake_engine):
    assert docker_hosts.engine_problem(fake_engine) is None
    assert docker_hosts.unanswered_hosts([("host1", fake_engine)]) is None


def test_engines_that_do_not_answer_are_named_in_one_line_with_the_fix(
    fake_engine, tmp_path, monkeypatch
):
    monkeypatch.setenv("NETKIT_DOCKER_HOSTS_STATE", str(tmp_path / "state"))
    line = docker_hosts.unanswered_hosts(
        [("host1", fake_engine), ("host3", "netkit-hosts://host3"), ("far", "ssh://me@far")]
    )
    assert line == (
        f"Docker host 'host3' at unix://{tmp_path}/state/host3.sock (no such file or directory) "
        "does not answer; start it (scripts/docker-hosts.sh start), then run again"
    )
    two = docker_hosts.unanswered_hosts(
        [("a", f"unix://{tmp_path}/a.sock"), ("b", f"unix://{tmp_path}/b.sock")]
    )
    assert two is not None and "\n" not in two
    assert two.startswith("Docker hosts 'a' at ")
    assert two.endswith("do not answer; start them, then run again")


@pytest.fixture
def swarm_engine(tmp_path):
    """A Unix socket answering `GET /info` with a swarm state set by the test."""
    import json

    state = {"LocalNodeState": "active"}

    def answer() -> bytes:
        body = json.dumps({"Swarm": dict(state)}).encode()
        return b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)

    path = tmp_path / "swarm.sock"
    close = _serve(path, answer)
    yield f"unix://{path}", state
    close()


def test_an_active_swarm_member_is_ready_for_overlays(swarm_engine):
    url, _ = swarm_engine
    assert docker_hosts.swarm_state(url) == "active"
    assert docker_hosts.unjoined_hosts([("host1", url)]) is None


def test_a_worker_still_pending_after_its_engine_restarted_is_one_line(swarm_engine):
    url, state = swarm_engine
    state["LocalNodeState"] = "pending"
    line = docker_hosts.unjoined_hosts([("host3", url), ("far", "ssh://me@far")])
    assert line == (
        "Docker host 'host3' (pending) is not an active member of the swarm, so overlays "
        "cannot attach containers there; run again once it is active (`docker info` shows it)"
    )


def test_an_engine_whose_swarm_state_cannot_be_read_is_left_to_the_ping_check(tmp_path):
    assert docker_hosts.swarm_state(f"unix://{tmp_path}/none.sock") is None
    assert docker_hosts.swarm_state("tcp://10.0.0.5:2376") is None
