"""Docker reachability on three real hosts: computed, read live, probed, broken on purpose.

The stack is `Pulumi.lab.yaml` moved out of lab's way (`netkit-e2ereach-*`, 10.226.0.0/16)
with three additions: a bridge with inter-container communication off on host2 (`quiet`,
b and b2 on it), a UDP port declared on c, and on host3 a bridge that is not internal
(`front`) with a container (`web`) publishing 8080 on the host's loopback. `pulumi up`
deploys it on the hosts of `scripts/docker-hosts.sh`; then:

- `netkit connlist --stack` and `netkit connlist --docker` (the three engines) give the
  same lines for the stack's containers;
- `netkit probe --stack` agrees on every probe (pairs, ports, names, hosts, and web's
  published port tried from host3's namespace);
- with a container disconnected from a network, and with a `DOCKER-USER` drop rule in a
  host's namespace (both behind netkit's back, both undone after), the probe exits 1 and
  names the pair;
- `netkit overlap --stack --docker` finds a network planted on an engine that a stack
  network overlaps (named with its host) and the swarm's pool (advisory);
- the policy pack, reading the engines the stack names, refuses such a network at preview.

The tests run in file order on one deployment; the last one destroys it.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest
import yaml

from tests.e2e.harness import POLICY_PACK, REPO, Project, Stack
from tests.e2e.hosts import dk, named_with_prefix

pytestmark = pytest.mark.e2e

HOSTS_SCRIPT = REPO / "scripts" / "docker-hosts.sh"
NETKIT = REPO / ".venv" / "bin" / "netkit"
NAME = "e2ereach"
PREFIX = f"netkit-{NAME}-"
ENGINES = [f"--docker=netkit-hosts://host{k}" for k in (1, 2, 3)]


def named(host: str, kind: str) -> list[str]:
    return named_with_prefix(host, kind, PREFIX)


def stack_file() -> str:
    """`Pulumi.lab.yaml` moved to netkit-e2ereach-* and 10.226, plus an ICC-off bridge
    on host2 (b and a new b2 on it), a UDP port on c, and on host3 a bridge that is not
    internal with a container publishing 8080 on the host's loopback."""
    text = (REPO / "Pulumi.lab.yaml").read_text()
    text = text.replace("netkit-lab-", PREFIX).replace("10.201.", "10.226.")
    document = yaml.safe_load(text)
    document.pop("encryptionsalt", None)
    docker = document["config"]["netkit:docker"]
    docker["bridges"].append(
        {"name": f"{PREFIX}quiet", "host": "host2", "icc": False,
         "subnets": [{"subnet": "10.226.2.0/24"}]}
    )  # fmt: skip
    by_name = {c["name"]: c for c in docker["containers"]}
    by_name[f"{PREFIX}b"]["networks"].append({"network": f"{PREFIX}quiet", "aliases": ["b"]})
    docker["containers"].append(
        {"name": f"{PREFIX}b2", "host": "host2",
         "networks": [{"network": f"{PREFIX}quiet", "aliases": ["b2"]}]}
    )  # fmt: skip
    by_name[f"{PREFIX}c"]["ports"] = [{"port": 8080}, {"port": 5353, "protocol": "udp"}]
    docker["bridges"].append(
        {"name": f"{PREFIX}front", "host": "host3", "internal": False,
         "subnets": [{"subnet": "10.226.3.0/24"}]}
    )  # fmt: skip
    docker["containers"].append(
        {"name": f"{PREFIX}web", "host": "host3",
         "networks": [{"network": f"{PREFIX}front", "aliases": ["web"]}],
         "publish": [{"port": 8080, "hostPort": 18226}]}
    )  # fmt: skip
    return yaml.safe_dump(document, sort_keys=False)


@pytest.fixture(scope="module")
def hosts() -> Iterator[list[str]]:
    """host1..host3 up (started if needed, never stopped: other stacks may use them)."""
    started = subprocess.run([str(HOSTS_SCRIPT), "start"], capture_output=True, text=True)
    if started.returncode != 0:
        pytest.fail(f"scripts/docker-hosts.sh start failed:\n{started.stderr}", pytrace=False)
    names = ["host1", "host2", "host3"]
    for host in names:
        for kind in ("container", "network"):
            assert named(host, kind) == [], f"{host} still has {kind}s of an earlier run"
    try:
        yield names
    finally:
        for host in names:
            for name in named(host, "container"):
                dk(host, "rm", "-f", name, check=False)
        for host in names:
            for name in named(host, "network"):
                dk(host, "network", "rm", name, check=False)


@pytest.fixture(scope="module")
def stack(project: Project, hosts: list[str]) -> Stack:
    path = project.root / f"Pulumi.{NAME}.yaml"
    path.write_text(stack_file())
    init = project.pulumi("stack", "init", NAME)
    assert init.returncode == 0, init.stdout
    return Stack(NAME, path, PREFIX)


@pytest.fixture(scope="module")
def deployed(project: Project, stack: Stack) -> subprocess.CompletedProcess[str]:
    result = project.up(stack)
    if result.returncode != 0:
        pytest.fail(f"pulumi up --stack {stack.name} failed:\n{result.stdout}", pytrace=False)
    return result


def netkit(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(NETKIT), *args, "--project-dir", str(project.root)]
        if "--stack" in args
        else [str(NETKIT), *args],
        capture_output=True,
        text=True,
        timeout=900,
        env=project.env,
        check=False,
    )


def ours(lines: str) -> list[str]:
    """The lines about this stack's containers (other stacks may run on the hosts)."""
    return [
        line
        for line in lines.splitlines()
        if " => " in line and all(PREFIX in end for end in _ends(line))
    ]


def _ends(line: str) -> list[str]:
    src, rest = line.split(" => ", 1)
    dst = rest.split(" : ", 1)[0]
    return [end for end in (src, dst) if end.endswith("[Container]")] or ["-"]


# --------------------------------------------------------------------------- computed, read


def test_connlist_of_the_stack_lists_its_containers_across_the_three_hosts(deployed, project):
    listed = netkit(project, "connlist", "--stack", NAME)
    assert listed.returncode == 0, listed.stderr
    a, db, b, c, web = (f"{PREFIX}{n}" for n in ("a", "a-db", "b", "c", "web"))
    assert ours(listed.stdout) == [
        f"host1/{db}[Container] => host1/{a}[Container] : All Connections",
        f"host1/{a}[Container] => host1/{db}[Container] : All Connections",
        f"host1/{a}[Container] => host2/{b}[Container] : All Connections",
        f"host1/{a}[Container] => host3/{c}[Container] : All Connections",
        f"host2/{b}[Container] => host1/{a}[Container] : All Connections",
        f"host2/{b}[Container] => host3/{c}[Container] : All Connections",
        f"host3/{c}[Container] => host1/{a}[Container] : All Connections",
        f"host3/{c}[Container] => host2/{b}[Container] : All Connections",
        f"host3/{web}[Container] => 0.0.0.0-255.255.255.255[External] : All Connections",
        f"host3/{web}[Container] => host3[Host] : All Connections",
        f"host3[Host] => host3/{web}[Container] : TCP 8080",
    ]


def test_connlist_of_the_running_engines_gives_the_same_lines(deployed, project):
    declared = netkit(project, "connlist", "--stack", NAME)
    running = netkit(project, "connlist", *ENGINES)
    assert running.returncode == 0, running.stderr
    assert ours(running.stdout) == ours(declared.stdout)
    # And the explanations name the same networks.
    declared = netkit(project, "connlist", "--stack", NAME, "--explain")
    running = netkit(project, "connlist", *ENGINES, "--explain")
    pair = f"host2/{PREFIX}b[Container] => host2/{PREFIX}b2[Container] : No Connections"
    for text in (declared.stdout, running.stdout):
        block = text.split(pair + "\n", 1)[1].split("\n")[0]
        assert block == (
            f"    network: bridge '{PREFIX}quiet' on host2 (internal, ICC off): both attached, "
            f"but enable_icc=false drops traffic between its containers; "
            f"host2/{PREFIX}b resolves b2, {PREFIX}b2 to it there"
        )


# --------------------------------------------------------------------------- probed


def probe(project: Project) -> subprocess.CompletedProcess[str]:
    return netkit(project, "probe", "--stack", NAME)


def test_every_probe_agrees_on_the_deployed_stack(deployed, project):
    probed = probe(project)
    print(f"\n{probed.stdout}")
    assert probed.returncode == 0, probed.stdout + probed.stderr
    agree, total = probed.stdout.strip().splitlines()[-1].split(" ")[0].split("/")
    assert agree == total and int(total) >= 40, probed.stdout


def test_a_container_disconnected_behind_netkits_back_is_a_disagreement(deployed, project):
    db, net = f"{PREFIX}a-db", f"{PREFIX}a-local"
    dk("host1", "network", "disconnect", net, db)
    try:
        probed = probe(project)
    finally:
        dk("host1", "network", "connect", "--alias", "db", net, db)
    assert probed.returncode == 1, probed.stdout + probed.stderr
    lines = probed.stdout.splitlines()
    assert (
        f"host1/{PREFIX}a[Container] -> host1/{db}[Container] 8080/TCP: netkit computes "
        f"allowed, the engines were blocked (host1/{db}[Container] has no address on {net})"
    ) in lines, probed.stdout
    assert any(line.startswith(f"host1/{PREFIX}a[Container] resolves 'db'") for line in lines)
    print(f"\n{lines[-1]}")


DROP = ["DOCKER-USER", "-s", "10.226.1.0/24", "-d", "10.226.1.0/24", "-j", "DROP"]


def iptables(host: str, action: str) -> None:
    subprocess.run(["ip", "netns", "exec", f"netkit-{host}", "iptables", action, *DROP], check=True)


def test_a_docker_user_drop_rule_is_a_disagreement_naming_the_pair(deployed, project):
    iptables("host1", "-I")
    try:
        probed = probe(project)
    finally:
        iptables("host1", "-D")
    assert probed.returncode == 1, probed.stdout + probed.stderr
    lines = probed.stdout.splitlines()
    a, db = f"host1/{PREFIX}a[Container]", f"host1/{PREFIX}a-db[Container]"
    for src, dst in ((a, db), (db, a)):
        assert any(
            line.startswith(
                f"{src} -> {dst} 8080/TCP: netkit computes allowed, the engines were blocked"
            )
            for line in lines
        ), probed.stdout
    # Only that bridge's pairs: the overlay and host2's bridge are untouched.
    assert all("a-db" in line or f"{a} -> {PREFIX}" not in line for line in lines[:-1])
    print(f"\n{lines[-1]}")
    assert probe(project).returncode == 0  # the rule is gone: all agree again


# --------------------------------------------------------------------------- overlap


def with_bridge_or_overlay(project: Project, kind: str, entry: dict[str, object]) -> str:
    """The stack file with one more network; returns the original text."""
    path = project.root / f"Pulumi.{NAME}.yaml"
    original = path.read_text()
    document = yaml.safe_load(original)
    document["config"]["netkit:docker"][kind].append(entry)
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return original


def test_overlap_finds_a_network_already_on_an_engine_and_the_swarm_pool(deployed, project):
    # On host3: a network inside host1's bridge (two routing tables: no clash), and one
    # that a new overlay of the stack would overlap (an overlay reaches every host). Docker
    # itself refuses neither: the overlay is not created yet.
    apart, clash = f"{PREFIX}planted-apart", f"{PREFIX}planted-clash"
    dk("host3", "network", "create", "--subnet", "10.226.1.128/25", apart)
    dk("host3", "network", "create", "--subnet", "10.226.7.0/24", clash)
    original = with_bridge_or_overlay(
        project, "overlays", {"name": f"{PREFIX}wide", "subnets": [{"subnet": "10.226.7.0/25"}]}
    )
    try:
        found = netkit(project, "overlap", "--stack", NAME, *ENGINES)
    finally:
        (project.root / f"Pulumi.{NAME}.yaml").write_text(original)
        dk("host3", "network", "rm", apart, clash)
    lines = found.stdout.splitlines()
    assert found.returncode == 1, found.stdout + found.stderr
    counted = [
        line
        for line in lines
        if " address spaces, " not in line and not line.startswith("advisory:")
    ]
    # The stack's own deployed networks are not counted against themselves.
    assert counted == [
        f"docker overlay '{PREFIX}wide' 10.226.7.0/25 is inside existing docker bridge "
        f"'{clash}' 10.226.7.0/24 on host 'host3'"
    ], found.stdout
    advisory = [line for line in lines if line.startswith("advisory:")]
    assert (
        f"advisory: docker bridge '{PREFIX}a-local' 10.226.1.0/24 on host 'host1' is inside "
        "docker swarm pool 'default-addr-pool (built-in)' 10.0.0.0/8 of the swarm of host "
        "'host1': Docker may allocate a network there that does not see it"
    ) in advisory, found.stdout


def test_overlap_finds_a_stack_bridge_colliding_with_a_network_on_its_own_host(deployed, project):
    planted = f"{PREFIX}planted"
    dk("host1", "network", "create", "--subnet", "10.226.9.0/24", planted)
    original = with_bridge_or_overlay(
        project,
        "bridges",
        {"name": f"{PREFIX}late", "host": "host1", "subnets": [{"subnet": "10.226.9.0/25"}]},
    )
    try:
        found = netkit(project, "overlap", "--stack", NAME, *ENGINES)
    finally:
        (project.root / f"Pulumi.{NAME}.yaml").write_text(original)
        dk("host1", "network", "rm", planted)
    assert found.returncode == 1, found.stdout + found.stderr
    assert (
        f"docker bridge '{PREFIX}late' 10.226.9.0/25 on host 'host1' is inside existing "
        f"docker bridge '{planted}' 10.226.9.0/24 on host 'host1'"
    ) in found.stdout.splitlines(), found.stdout


def test_the_pack_refuses_a_stack_network_overlapping_one_on_its_engines(deployed, project):
    planted = f"{PREFIX}planted-pack"
    dk("host2", "network", "create", "--subnet", "10.226.8.0/24", planted)
    original = with_bridge_or_overlay(
        project,
        "bridges",
        {"name": f"{PREFIX}late2", "host": "host2", "subnets": [{"subnet": "10.226.8.0/25"}]},
    )
    try:
        preview = project.pulumi("preview", "--stack", NAME, "--policy-pack", str(POLICY_PACK))
    finally:
        (project.root / f"Pulumi.{NAME}.yaml").write_text(original)
        dk("host2", "network", "rm", planted)
    assert preview.returncode != 0, preview.stdout
    assert (
        "[mandatory] [severity: high]  docker-network-disallow-existing-overlap" in preview.stdout
    )
    assert (
        f"docker bridge '{PREFIX}late2' 10.226.8.0/25 on host 'host2' is inside existing "
        f"docker bridge '{planted}' 10.226.8.0/24 on host 'host2'"
    ) in " ".join(preview.stdout.split()), preview.stdout
    # The stack's own running networks are no collision: nothing else is refused.
    assert "is the same range as existing" not in preview.stdout, preview.stdout


# --------------------------------------------------------------------------- destroy


def test_destroy_leaves_nothing_on_the_hosts(deployed, project: Project, stack: Stack):
    destroyed = project.pulumi("destroy", "--stack", stack.name, "--yes", "--skip-preview")
    assert destroyed.returncode == 0, destroyed.stdout
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(named(h, "network") for h in ("host2", "host3")):
        time.sleep(0.5)
    for host in ("host1", "host2", "host3"):
        assert named(host, "container") == [], host
