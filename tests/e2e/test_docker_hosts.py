"""A stack across three real Docker hosts (`scripts/docker-hosts.sh`: one engine per
network namespace, one swarm), on stacks of its own (`netkit-e2ehosts-*`, 10.225.0.0/16).

The stack is `Pulumi.lab.yaml` moved out of lab's way: a on host1 (on the overlay and on
host1's bridge, with db), b on host2 and c on host3 (on the overlay only). The tests run
in file order on one deployment; the last one destroys it. Hosts that were not running
before are stopped at the end.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from netkit import docker_hosts
from tests.e2e.harness import POLICY_PACK, REPO, Project, Stack

pytestmark = pytest.mark.e2e

HOSTS_SCRIPT = REPO / "scripts" / "docker-hosts.sh"
LAB_STACK_FILE = REPO / "Pulumi.lab.yaml"
PREFIX = "netkit-e2ehosts-"
BRIDGE_NET, OVERLAY_NET = "10.225.1.", "10.225.0."
HTTP_PORT = 8080


def sock(host: str) -> str:
    return docker_hosts.engine_url(f"netkit-hosts://{host}")


def dk(host: str, *args: str, check: bool = True, timeout: float = 60) -> str:
    """`docker -H <host's engine> ARGS`."""
    result = subprocess.run(
        ["docker", "-H", sock(host), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"docker -H {host} {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def dk_exec(host: str, container: str, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "-H", sock(host), "exec", container, *command],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=30,
    )


def resolved(host: str, container: str, name: str) -> subprocess.CompletedProcess[str]:
    """`nslookup NAME` in a container, again while its engine's DNS does not answer yet.

    A container that has just joined an overlay learns its peers' names through the swarm's
    gossip. `scripts/docker-hosts.sh start` returns once that gossip reaches every host, but
    on a loaded machine the new containers' entries can still take a few seconds, and the
    engine's resolver times out meanwhile ("no servers could be reached"). A wrong answer is
    returned at once, never retried.
    """
    deadline = time.monotonic() + 30
    while True:
        looked_up = dk_exec(host, container, "nslookup", name)
        if "no servers could be reached" not in looked_up.stdout or time.monotonic() > deadline:
            return looked_up
        time.sleep(1)


def named(host: str, kind: str) -> list[str]:
    """Names of this test's containers or networks on a host's engine."""
    if kind == "container":
        out = dk(host, "ps", "-a", "--format", "{{.Names}}")
    else:
        out = dk(host, "network", "ls", "--format", "{{.Name}}")
    return sorted(n for n in out.split() if n.startswith(PREFIX))


def http_get(host: str, container: str, target: str) -> str:
    """A raw HTTP request through busybox nc (its wget reads a 404 as a failure)."""
    request = f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {target} {HTTP_PORT}"
    return dk_exec(host, container, "sh", "-c", request).stdout


def derive(name: str, edit: Any = None) -> str:
    """`Pulumi.lab.yaml` with its Docker names and subnets moved (lab: 10.201)."""
    text = LAB_STACK_FILE.read_text().replace("netkit-lab-", f"netkit-{name}-")
    text = text.replace("10.201.", "10.225.")
    document = yaml.safe_load(text)
    document.pop("encryptionsalt", None)  # `pulumi stack init` writes the new stack's own
    if edit is not None:
        edit(document["config"])
    return yaml.safe_dump(document, sort_keys=False)


def _remove_ours(hosts: list[str]) -> None:
    """Remove this module's containers, then its networks, from every host."""
    for host in hosts:
        for name in named(host, "container"):
            dk(host, "rm", "-f", name, check=False)
    for host in hosts:
        for name in named(host, "network"):
            dk(host, "network", "rm", name, check=False)


@pytest.fixture(scope="module")
def hosts() -> Iterator[list[str]]:
    """host1..host3 up; stopped at the end only if this module started them."""
    names = ["host1", "host2", "host3"]
    was_up = subprocess.run([str(HOSTS_SCRIPT), "status"], capture_output=True).returncode == 0
    started = subprocess.run([str(HOSTS_SCRIPT), "start"], capture_output=True, text=True)
    if started.returncode != 0:
        pytest.fail(f"scripts/docker-hosts.sh start failed:\n{started.stderr}", pytrace=False)
    # What an earlier run that was killed left behind goes first; what cannot go is one
    # line here rather than a failure of whichever test meets it.
    _remove_ours(names)

    def leftovers() -> list[str]:
        return [f"{kind} {name} on {host}" for host in names
                for kind in ("container", "network") for name in named(host, kind)]  # fmt: skip

    # A worker drops its copy of an overlay shortly after the manager removed it.
    deadline = time.monotonic() + 30
    while (left := leftovers()) and time.monotonic() < deadline:
        time.sleep(1)
    if left:
        pytest.fail(f"left by an earlier run and not removable: {', '.join(left)}", pytrace=False)
    try:
        yield names
    finally:
        # An engine a test stopped comes back first, so that its containers can go.
        subprocess.run([str(HOSTS_SCRIPT), "start"], capture_output=True, check=False)
        _remove_ours(names)
        if not was_up:
            subprocess.run([str(HOSTS_SCRIPT), "stop"], capture_output=True, check=False)


@pytest.fixture(scope="module")
def stack(project: Project, hosts: list[str]) -> Stack:
    path = project.root / "Pulumi.e2ehosts.yaml"
    path.write_text(derive("e2ehosts"))
    init = project.pulumi("stack", "init", "e2ehosts")
    assert init.returncode == 0, init.stdout
    return Stack("e2ehosts", path, PREFIX)


@pytest.fixture(scope="module")
def deployed(project: Project, stack: Stack) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    result = project.up(stack)
    if result.returncode != 0:
        pytest.fail(f"pulumi up --stack {stack.name} failed:\n{result.stdout}", pytrace=False)
    print(f"\npulumi up of the 3-host stack: {time.monotonic() - started:.1f} s")
    return result


def outputs(project: Project, stack: Stack) -> dict[str, Any]:
    shown = project.pulumi("stack", "output", "--stack", stack.name, "--json")
    assert shown.returncode == 0, shown.stdout
    result: dict[str, Any] = json.loads(shown.stdout)
    return result


# --------------------------------------------------------------------------- placement


def test_each_container_runs_on_its_own_host_and_the_outputs_say_where(
    deployed, project: Project, stack: Stack
):
    a, db, b, c = (f"{PREFIX}{n}" for n in ("a", "a-db", "b", "c"))
    assert named("host1", "container") == [a, db]
    assert named("host2", "container") == [b]
    assert named("host3", "container") == [c]
    # The bridge on host1 only; the overlay is a swarm network, created on the manager.
    assert named("host1", "network") == [f"{PREFIX}a-local", f"{PREFIX}mesh"]
    assert json.loads(dk("host1", "network", "inspect", f"{PREFIX}mesh"))[0]["Scope"] == "swarm"

    shown = outputs(project, stack)
    assert shown["hosts"] == {h: sock(h) for h in ("host1", "host2", "host3")}
    assert shown["containers"][b] == {
        "host": "host2",
        "networks": [f"{PREFIX}mesh"],
        "dns": sorted(["a", "b", "c", a, b, c]),
    }
    # The URL works as `docker -H` (the lab stack may run beside this one).
    assert b in dk("host2", "ps", "--format", "{{.Names}}").split()


# --------------------------------------------------------------------------- across hosts


def test_a_container_on_host1_resolves_and_reaches_one_on_host3_by_name_over_the_overlay(
    deployed,
):
    a, c = f"{PREFIX}a", f"{PREFIX}c"
    c_address = json.loads(dk("host3", "inspect", c))[0]["NetworkSettings"]["Networks"][
        f"{PREFIX}mesh"
    ]["IPAddress"]
    assert c_address.startswith(OVERLAY_NET)

    for name in ("c", c):
        looked_up = resolved("host1", a, name)
        answers = looked_up.stdout.split("Name:", 1)[-1]
        # DNS round robin: the container's own address, no virtual IP in front of it.
        assert re.findall(r"^Address:\s*(\S+)", answers, re.M) == [c_address], looked_up.stdout

    ping = dk_exec("host1", a, "ping", "-c", "3", "-W", "2", "c")
    assert ping.returncode == 0, ping.stdout
    assert "3 packets received" in ping.stdout
    print(f"\nping host1 -> host3 by name: {ping.stdout.strip().splitlines()[-1]}")
    assert http_get("host1", a, "c").endswith("netkit\n")


def test_a_container_on_host2_cannot_reach_a_container_on_host1_s_bridge(deployed):
    a, db, b = f"{PREFIX}a", f"{PREFIX}a-db", f"{PREFIX}b"
    db_address = json.loads(dk("host1", "inspect", db))[0]["NetworkSettings"]["Networks"][
        f"{PREFIX}a-local"
    ]["IPAddress"]
    assert db_address.startswith(BRIDGE_NET)

    # On host1, a shares the bridge with db: found by name, answered over HTTP.
    assert http_get("host1", a, "db").endswith("netkit\n")
    # On host2, b finds neither the name nor a path to the address: the bridge is host1's.
    assert dk_exec("host2", b, "nslookup", "db").returncode != 0
    # b's only network is the internal overlay: no route to host1's bridge at all.
    assert http_get("host2", b, db_address).strip() == (
        f"nc: can't connect to remote host ({db_address}): Network is unreachable"
    )
    assert dk_exec("host2", b, "ping", "-c", "1", "-W", "2", db_address).returncode != 0
    # And host2's engine has no such network to attach a container to.
    attach = subprocess.run(
        ["docker", "-H", sock("host2"), "run", "--rm", "--network", f"{PREFIX}a-local",
         "netkit/busybox:local", "true"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert attach.returncode != 0
    assert f"network {PREFIX}a-local not found" in attach.stderr


PROGRAM = """\
import pulumi
import pulumi_docker as docker

from netkit_components.docker import BridgeNetwork, ServiceContainer
from netkit import docker_hosts
from netkit.spec import BridgeSpec, ContainerSpec

# A program that skips the stack spec (which refuses this) and relies on a bridge across
# hosts: the bridge on host1, a container on host2 attached to it.
def provider(host):
    return docker.Provider(host, host=docker_hosts.engine_url("netkit-hosts://" + host))

p1, p2 = provider("host1"), provider("host2")
bridge = BridgeNetwork(
    "{prefix}pitfall",
    BridgeSpec(name="{prefix}pitfall", host="host1", subnets=[{{"subnet": "10.225.9.0/24"}}]),
    opts=pulumi.ResourceOptions(provider=p1),
)
ServiceContainer(
    "{prefix}pitfall-b",
    ContainerSpec(name="{prefix}pitfall-b", host="host2", networks=[{{"network": "{prefix}pitfall"}}]),
    networks={{"{prefix}pitfall": "{prefix}pitfall"}},
    image="netkit/busybox:local",
    opts=pulumi.ResourceOptions(provider=p2, depends_on=[bridge]),
)
"""


def test_the_pack_refuses_a_program_that_relies_on_a_bridge_across_hosts(
    deployed, project: Project, tmp_path: Path
):
    program = Project.create(tmp_path)
    (tmp_path / "__main__.py").write_text(textwrap.dedent(PROGRAM.format(prefix=PREFIX)))
    assert program.pulumi("stack", "init", "e2epitfall").returncode == 0
    preview = program.pulumi("preview", "--stack", "e2epitfall", "--policy-pack", str(POLICY_PACK))

    assert preview.returncode != 0, preview.stdout
    assert "[mandatory] [severity: medium]  docker-network-disallow-bridge-across-hosts" in preview.stdout
    assert (
        f"container '{PREFIX}pitfall-b' on host 'host2' joins docker bridge '{PREFIX}pitfall' "
        "of host 'host1', but a bridge only connects containers on its own host"
    ) in " ".join(preview.stdout.split())
    assert named("host1", "network") == [f"{PREFIX}a-local", f"{PREFIX}mesh"]
    assert named("host2", "container") == [f"{PREFIX}b"]


def test_subnets_overlapping_across_hosts_are_refused_before_any_resource(
    deployed, project: Project
):
    def overlap(config: dict[str, Any]) -> None:
        config["netkit:docker"]["bridges"].append(
            {"name": "netkit-e2ehostsx-c-local", "host": "host3",
             "subnets": [{"subnet": "10.225.1.0/25"}]}
        )  # fmt: skip

    (project.root / "Pulumi.e2ehostsx.yaml").write_text(derive("e2ehostsx", overlap))
    assert project.pulumi("stack", "init", "e2ehostsx").returncode == 0
    up = project.pulumi(
        "up", "--stack", "e2ehostsx", "--yes", "--skip-preview",
        "--policy-pack", str(POLICY_PACK),
    )  # fmt: skip

    assert up.returncode != 0
    # One message (Pulumi shows each diagnostic in the progress and again in the summary).
    messages = {
        line.split("error: ", 1)[-1] for line in up.stdout.splitlines() if "overlaps" in line
    }
    assert len(messages) == 1, up.stdout
    [line] = messages
    assert line.strip() == (
        "Pulumi.e2ehostsx.yaml: netkit:docker.bridges[1].subnets[0].subnet: subnet "
        "'10.225.1.0/25' of 'netkit-e2ehostsx-c-local' (host3) overlaps '10.225.1.0/24' of "
        "'netkit-e2ehostsx-a-local' (host1); networks on different hosts need ranges of their "
        "own (`netkit plan` finds free ones)"
    ), up.stdout
    assert "Traceback" not in up.stdout
    for host in ("host1", "host2", "host3"):
        for kind in ("ps -a", "network ls"):
            assert "e2ehostsx" not in dk(host, *kind.split())
    resources = project.export(Stack("e2ehostsx", project.root, "")).get("resources") or []
    assert [r["type"] for r in resources if r["type"].startswith("docker:")] == []


# --------------------------------------------------------------------------- engine down


def _stop_engine(host: str) -> None:
    pid_file = docker_hosts.state_dir() / host / "dockerd.pid"
    pid = int(pid_file.read_text())
    subprocess.run(["kill", "-TERM", str(pid)], check=True)
    # dockerd gives each container 10 s, and stops its swarm agent: 30 s on a loaded machine.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode:
            return
        time.sleep(0.5)
    raise AssertionError(f"{host}'s dockerd ({pid}) did not stop")


def test_an_engine_stopped_mid_way_is_one_clear_line_and_up_converges_after(
    deployed, project: Project, stack: Stack
):
    _stop_engine("host3")
    # What `make refresh` runs: the program checks the hosts' engines before any resource.
    refresh = project.pulumi(
        "refresh", "--stack", stack.name, "--yes", "--skip-preview", "--run-program"
    )
    assert refresh.returncode != 0
    messages = {
        line.split("error: ", 1)[-1].strip()
        for line in refresh.stdout.splitlines()
        if "error: " in line and "host3" in line
    }
    assert messages == {
        f"Docker host 'host3' at {sock('host3')} (no such file or directory) does not answer; "
        "start it (scripts/docker-hosts.sh start), then run again"
    }, refresh.stdout
    assert "provider2.go" not in refresh.stdout  # no provider error per resource
    # Without the program, the provider's own error for each resource of host3 (for the
    # record: it names the socket, among Terraform plumbing).
    plain = project.pulumi("refresh", "--stack", stack.name, "--yes", "--skip-preview")
    assert plain.returncode != 0
    assert f"Cannot connect to the Docker daemon at {sock('host3')}" in plain.stdout

    started = subprocess.run([str(HOSTS_SCRIPT), "start"], capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    # What `make up` runs for a stack on the local hosts: refresh first, then converge.
    up = project.up(stack, "--refresh")
    assert up.returncode == 0, up.stdout
    # Nothing duplicated: one container per name, on its own host; the state agrees.
    assert named("host3", "container") == [f"{PREFIX}c"]
    assert named("host1", "container") == [f"{PREFIX}a", f"{PREFIX}a-db"]
    assert named("host2", "container") == [f"{PREFIX}b"]
    assert named("host1", "network") == [f"{PREFIX}a-local", f"{PREFIX}mesh"], up.stdout
    assert json.loads(dk("host3", "inspect", f"{PREFIX}c"))[0]["State"]["Running"]
    containers = [
        r
        for r in project.export(stack)["resources"]
        if r["type"] == "docker:index/container:Container"
    ]
    assert len(containers) == 4
    assert http_get("host1", f"{PREFIX}a", "c").endswith("netkit\n")


def test_a_worker_whose_engine_starts_while_its_manager_stalls_comes_back_whole(
    deployed, project: Project, stack: Stack
):
    # A worker's engine gives its swarm agent 20 s to reach the manager, then restarts the
    # containers of its overlays once: an attachment asked before the agent got through
    # fails for good ("Could not attach to network ...: context deadline exceeded"), and a
    # later `up --refresh` met that container stopped. A stalled manager makes it certain.
    _stop_engine("host3")
    log = docker_hosts.state_dir() / "host3" / "dockerd.log"
    seen = log.stat().st_size
    manager = int((docker_hosts.state_dir() / "host1" / "dockerd.pid").read_text())
    os.kill(manager, signal.SIGSTOP)
    try:
        starting = subprocess.Popen(
            [str(HOSTS_SCRIPT), "start"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        time.sleep(45)
    finally:
        os.kill(manager, signal.SIGCONT)
    _, err = starting.communicate(timeout=600)

    assert starting.returncode == 0, err
    with log.open("rb") as read:
        read.seek(seen)
        assert b"swarm component could not be started before timeout" in read.read()
    # `start` returned with the container running again, and the stack converges.
    assert json.loads(dk("host3", "inspect", f"{PREFIX}c"))[0]["State"]["Running"]
    up = project.up(stack, "--refresh")
    assert up.returncode == 0, up.stdout
    assert http_get("host1", f"{PREFIX}a", "c").endswith("netkit\n")


# --------------------------------------------------------------------------- destroy


def test_destroy_leaves_no_network_and_no_container_on_any_host(
    deployed, project: Project, stack: Stack
):
    destroyed = project.pulumi("destroy", "--stack", stack.name, "--yes", "--skip-preview")
    assert destroyed.returncode == 0, destroyed.stdout
    for host in ("host1", "host2", "host3"):
        assert named(host, "container") == [], host
    listed = dk("host1", "network", "ls", "--no-trunc", "--format", "{{.ID}} {{.Name}}")
    assert named("host1", "network") == [], f"{listed}\n{destroyed.stdout}"
    # A worker drops its copy of the overlay once the manager has removed it: shortly after.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (named("host2", "network") or named("host3", "network")):
        time.sleep(0.5)
    # Except a worker whose engine restarted while the overlay existed (host3, above):
    # Docker 20.10 keeps a stale copy there, holding only its load-balancer endpoint, which
    # the worker cannot remove ("not a swarm manager") and drops when its engine restarts.
    for host in ("host2", "host3"):
        for name in named(host, "network"):
            [network] = json.loads(dk(host, "network", "inspect", name))
            assert set(network["Containers"] or {}) <= {f"lb-{name}"}, network["Containers"]
            _stop_engine(host)
            started = subprocess.run([str(HOSTS_SCRIPT), "start"], capture_output=True, text=True)
            assert started.returncode == 0, started.stderr
    assert (named("host2", "network"), named("host3", "network")) == ([], [])
