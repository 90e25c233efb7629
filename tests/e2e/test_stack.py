"""The `e2e` stack on the real engines: what `make up` builds is what the stack file says.

The tests run in file order on one deployment (the `deployed` fixture); the last one
destroys it.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
import yaml

from netkit_components.docker.bridge_network import ICC_OPTION
from netkit_components.docker.overlay_network import VXLAN_OPTION, default_vxlan_id
from tests.e2e.harness import (
    POLICY_PACK,
    REPO,
    Project,
    Stack,
    containers_named,
    docker_exec,
    inspect,
    networks_named,
)

pytestmark = pytest.mark.e2e

HTTP_PORT = 8080
"""Every container runs busybox httpd on it (ContainerSpec.command's default)."""


def in_parallel(*checks: Callable[[], Any]) -> list[Any]:
    """Run slow checks (DNS and connect timeouts) side by side."""
    with ThreadPoolExecutor(len(checks)) as pool:
        return list(pool.map(lambda check: check(), checks))


def ips(container: str) -> dict[str, str]:
    """Docker network name -> the container's IPv4 address on it."""
    networks = inspect("container", container)["NetworkSettings"]["Networks"]
    return {name: settings["IPAddress"] for name, settings in networks.items()}


def resolve(container: str, name: str) -> tuple[int, list[str]]:
    """`nslookup NAME` in the container: exit status, and the addresses answered."""
    result = docker_exec(container, "nslookup", name)
    # The server's own "Address:" line comes first; the answers follow "Name:".
    answers = result.stdout.split("Name:", 1)[1] if "Name:" in result.stdout else ""
    return result.returncode, re.findall(r"^Address:\s*([0-9a-f.:]+)\s*$", answers, re.M)


def connects(container: str, host: str, port: int) -> bool:
    """`nc -w 2 HOST PORT` in the container connects (busybox nc has no -z)."""
    return docker_exec(container, "nc", "-w", "2", host, str(port)).returncode == 0


# --------------------------------------------------------------------------- up


def test_up_creates_each_network_as_the_stack_file_declares(deployed, stack: Stack):
    spec = stack.spec
    for bridge in spec.docker.bridges:
        network = inspect("network", bridge.name)
        assert (network["Driver"], network["Scope"]) == ("bridge", "local")
        configs = network["IPAM"]["Config"]
        assert [c["Subnet"] for c in configs] == [s.subnet for s in bridge.subnets]
        for config, subnet in zip(configs, bridge.subnets, strict=True):
            if subnet.gateway:
                assert config["Gateway"] == subnet.gateway
        assert network["Internal"] is bridge.internal, bridge.name
        assert network["Options"][ICC_OPTION] == str(bridge.icc).lower()
    # Pulumi.dev.yaml: the frontend routes out; backend and data stay on the host.
    internal = {b.name for b in spec.docker.bridges if inspect("network", b.name)["Internal"]}
    assert internal == {f"{stack.prefix}backend", f"{stack.prefix}data"}

    for overlay in spec.docker.overlays:
        network = inspect("network", overlay.name)
        assert (network["Driver"], network["Scope"]) == ("overlay", "swarm")
        assert network["Attachable"] is overlay.attachable
        assert network["Internal"] is overlay.internal
        assert [c["Subnet"] for c in network["IPAM"]["Config"]] == [
            s.subnet for s in overlay.subnets
        ]
        assert network["Options"][VXLAN_OPTION] == str(default_vxlan_id(overlay.name))


def test_containers_join_their_networks_under_their_aliases(deployed, stack: Stack):
    for container in stack.spec.docker.containers:
        found = inspect("container", container.name)
        assert found["State"]["Running"], container.name
        networks = found["NetworkSettings"]["Networks"]
        assert set(networks) == {a.network for a in container.networks}, container.name
        for attachment in container.networks:
            assert set(attachment.aliases) <= set(networks[attachment.network]["Aliases"])
        for publish in container.publish:  # loopback only, never all interfaces
            bound = found["NetworkSettings"]["Ports"][f"{publish.port}/{publish.protocol}"]
            assert bound == [{"HostIp": "127.0.0.1", "HostPort": str(publish.host_port)}]


# --------------------------------------------------------------------------- DNS


def test_peers_on_a_shared_network_resolve_each_other_and_connect(deployed, stack: Stack):
    web, api, db = (f"{stack.prefix}{short}" for short in ("web", "api", "db"))
    backend, data = f"{stack.prefix}backend", f"{stack.prefix}data"
    api_ips, db_ips = ips(api), ips(db)
    lookups = {
        # web shares only the backend with api: it gets api's backend address.
        (web, "api"): [api_ips[backend]],
        (web, api): [api_ips[backend]],
        (api, "db"): [db_ips[data]],
        (db, "api"): [api_ips[data]],
    }
    answers = in_parallel(*(lambda pair=pair: resolve(*pair) for pair in lookups))
    assert dict(zip(lookups, answers, strict=True)) == {
        pair: (0, expected) for pair, expected in lookups.items()
    }
    connections = [(web, "api"), (web, api), (api, "db"), (db, "api"), (api, "web")]
    reached = in_parallel(*(lambda s=s, d=d: connects(s, d, HTTP_PORT) for s, d in connections))
    assert dict(zip(connections, reached, strict=True)) == dict.fromkeys(connections, True)


def test_containers_on_separate_networks_neither_resolve_nor_reach_each_other(
    deployed, stack: Stack
):
    web, db = f"{stack.prefix}web", f"{stack.prefix}db"
    web_ips = sorted(ips(web).values())
    checks = [
        lambda: resolve(db, "web"),
        lambda: resolve(db, web),
        *(lambda ip=ip: connects(db, ip, HTTP_PORT) for ip in web_ips),
        lambda: connects(web, ips(db)[f"{stack.prefix}data"], HTTP_PORT),
    ]
    by_alias, by_name, *connected = in_parallel(*checks)
    assert by_alias[0] != 0 and by_alias[1] == [], by_alias
    assert by_name[0] != 0 and by_name[1] == [], by_name
    assert connected == [False] * (len(web_ips) + 1)


# --------------------------------------------------------------------------- internal


@contextmanager
def host_listener() -> Iterator[tuple[int, list[str]]]:
    """A TCP server on every address of this machine: its port, and the peers it saw."""
    peers: list[str] = []
    server = socket.create_server(("0.0.0.0", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, (peer, _port) = server.accept()
            except TimeoutError:
                continue
            peers.append(peer)
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], peers
    finally:
        stop.set()
        thread.join()
        server.close()


def seen(peers: list[str], address: str) -> bool:
    """Whether the listener accepted a connection from `address` (within a second)."""
    for _ in range(50):
        if address in peers:
            return True
        time.sleep(0.02)
    return False


def default_gateway(container: str) -> str:
    routes = docker_exec(container, "ip", "-4", "route").stdout
    found = re.search(r"^default via (\S+)", routes, re.M)
    assert found, f"{container} has no default route:\n{routes}"
    return found.group(1)


def test_an_internal_network_cannot_reach_the_host(deployed, stack: Stack):
    web, db = f"{stack.prefix}web", f"{stack.prefix}db"
    frontend = f"{stack.prefix}frontend"
    frontend_gateway = inspect("network", frontend)["IPAM"]["Config"][0]["Gateway"]
    db_gateway = default_gateway(db)
    assert ipaddress.ip_address(db_gateway) in ipaddress.ip_network(
        inspect("network", f"{stack.prefix}data")["IPAM"]["Config"][0]["Subnet"]
    )
    with host_listener() as (port, peers):
        # Positive control: the frontend is not internal, its gateway is this machine.
        assert connects(web, frontend_gateway, port)
        assert seen(peers, ips(web)[frontend])
        # db sits on the internal data network only: neither its own gateway nor the
        # frontend's (both addresses of this machine) may answer.
        reached = in_parallel(
            lambda: connects(db, db_gateway, port),
            lambda: connects(db, frontend_gateway, port),
        )
    assert reached == [False, False], (
        f"db reached this machine at {db_gateway} / {frontend_gateway}: Docker's `internal` "
        "stops forwarding off the host, not connections to the host (moby/libnetwork#1151)"
    )
    assert ips(db)[f"{stack.prefix}data"] not in peers


# --------------------------------------------------------------------------- idempotence


def summary(events: str) -> dict[str, Any]:
    """The summary of `pulumi up --json` (one engine event per line)."""
    for line in events.splitlines():
        if line.startswith("{") and "summaryEvent" in line:
            found: dict[str, Any] = json.loads(line)["summaryEvent"]
            return found
    raise AssertionError(f"no summary in:\n{events}")


def test_a_second_up_and_a_refresh_change_nothing(deployed, project: Project, stack: Stack):
    again = project.up(stack, "--json")
    assert again.returncode == 0, again.stdout
    changes = summary(again.stdout)["resourceChanges"]
    assert set(changes) == {"same"} and changes["same"] > 0, changes
    # What Docker reports back (on a refresh) must match what the program declares.
    docker_urns = [
        r["urn"]
        for r in project.export(stack)["resources"]
        if r["type"].startswith("docker:index/")
    ]
    refresh = project.pulumi(
        "refresh", "--stack", stack.name, "--yes", "--skip-preview",
        *(f"--target={urn}" for urn in docker_urns),
    )  # fmt: skip
    assert refresh.returncode == 0, refresh.stdout
    preview = project.pulumi("preview", "--stack", stack.name, "--expect-no-changes")
    assert preview.returncode == 0, preview.stdout


# --------------------------------------------------------------------------- manifests


def test_the_rendered_manifests_validate(deployed, project: Project, stack: Stack):
    rendered = project.root / "rendered" / stack.name
    kinds = {
        document["kind"]
        for path in rendered.rglob("*.yaml")
        for document in yaml.safe_load_all(path.read_text())
        if document
    }
    assert {"Namespace", "Deployment", "Service", "Ingress", "NetworkPolicy"} <= kinds
    validated = subprocess.run(
        [str(REPO / ".venv" / "bin" / "netkit"), "validate", str(rendered)],
        capture_output=True,
        text=True,
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr


# --------------------------------------------------------------------------- policy pack


def test_the_policy_pack_stops_a_subnet_in_the_vpn_range_and_nothing_changes(
    deployed, project: Project, stack: Stack
):
    document = yaml.safe_load(stack.path.read_text())
    frontend = document["config"]["netkit:docker"]["bridges"][0]
    assert frontend["name"] == f"{stack.prefix}frontend"
    frontend["subnets"] = [{"subnet": "10.8.1.0/24", "gateway": "10.8.1.1"}]  # in corp-vpn
    broken = project.root / "broken.yaml"
    broken.write_text(yaml.safe_dump(document, sort_keys=False))
    state, networks = project.export(stack), networks_named(stack.prefix)

    preview = project.pulumi(
        "preview", "--stack", stack.name, "--config-file", str(broken),
        "--policy-pack", str(POLICY_PACK),
    )  # fmt: skip

    assert preview.returncode != 0, preview.stdout
    violation = re.search(
        r"\[mandatory\] \[severity: high\]\s+docker-network-disallow-subnet-overlap.*", preview.stdout
    )
    assert violation, preview.stdout
    assert "10.8.1.0/24" in preview.stdout and "corp-vpn" in preview.stdout
    assert "10.8.0.0/16" in preview.stdout, preview.stdout
    assert networks_named(stack.prefix) == networks
    assert project.export(stack) == state


# --------------------------------------------------------------------------- destroy


def test_every_network_and_container_carries_its_project_and_stack(deployed, stack: Stack):
    owner = {"netkit.project": "netkit", "netkit.stack": stack.name}
    for name in stack.networks:
        labels = inspect("network", name)["Labels"]
        assert {key: labels.get(key) for key in owner} == owner, name
    for name in stack.containers:
        labels = inspect("container", name)["Config"]["Labels"]
        assert {key: labels.get(key) for key in owner} == owner, name


def _preflight(project: Project, stack: Stack) -> subprocess.CompletedProcess[str]:
    netkit = str(REPO / ".venv" / "bin" / "netkit")
    return project.run(
        netkit, "preflight", "--stack", stack.name, "--project-dir", str(project.root)
    )


def test_preflight_passes_for_the_state_that_owns_the_objects(
    deployed, project: Project, stack: Stack
):
    checked = _preflight(project, stack)
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout == ""


def test_a_second_state_of_the_stack_is_refused_in_one_line_naming_the_owner(
    deployed, project: Project, stack: Stack, tmp_path_factory: pytest.TempPathFactory
):
    # A second checkout: the same program and stack file, a state of its own.
    second = Project.create(tmp_path_factory.mktemp("second-checkout"))
    (second.root / stack.path.name).write_text(stack.path.read_text())
    init = second.pulumi("stack", "init", stack.name)
    assert init.returncode == 0, init.stdout
    ids_before = {name: inspect("network", name)["Id"] for name in stack.networks}

    refused = _preflight(second, stack)

    assert refused.returncode == 1, refused.stdout
    [line] = refused.stdout.splitlines()
    count = len(stack.networks) + len(stack.containers)
    assert line.startswith(
        f"Pulumi.{stack.name}.yaml: {count} objects this stack creates already exist outside "
        f"its state ({second.env['PULUMI_BACKEND_URL']}): Docker networks "
    ), line
    assert f"they belong to stack {stack.name!r} of project 'netkit', created " in line
    assert all(name in line for name in stack.containers[:2]), line
    assert {name: inspect("network", name)["Id"] for name in stack.networks} == ids_before


def test_destroy_leaves_no_network_and_no_container(deployed, project: Project, stack: Stack):
    destroyed = project.pulumi("destroy", "--stack", stack.name, "--yes", "--skip-preview")
    assert destroyed.returncode == 0, destroyed.stdout
    assert networks_named(stack.prefix) == {}
    assert containers_named(stack.prefix) == {}
    assert project.export(stack).get("resources", []) == []
