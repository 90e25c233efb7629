"""Probe planning and judging for Docker (the engines replaced by a fake exec)."""

from __future__ import annotations

import ipaddress

from netkit import docker_probe
from netkit.docker_probe import DockerOutcome, ProbeKind
from netkit.docker_reach import analyze_docker
from netkit.model import (
    AddressSpace,
    ContainerPort,
    DockerAttachment,
    DockerContainer,
    DockerNetwork,
    Layer,
    NetworkModel,
)


def net(name: str, driver: str, subnet: str, **kw: object) -> DockerNetwork:
    space = AddressSpace(
        name,
        Layer.DOCKER_BRIDGE,
        ipaddress.ip_network(subnet),
        gateway=ipaddress.ip_address(subnet.replace("0/24", "1")),
        host="host1",
    )
    return DockerNetwork(name, driver, subnets=(space,), host="host1", **kw)  # type: ignore[arg-type]


NETWORKS = (
    net("mesh", "overlay", "10.201.0.0/24", internal=True),
    net("local", "bridge", "10.201.1.0/24", internal=True),
)
PORTS = (ContainerPort(8080, "TCP"), ContainerPort(5353, "UDP"))
DECLARED = NetworkModel(
    docker_networks=NETWORKS,
    docker_containers=(
        DockerContainer(
            "a", host="host1", ports=PORTS,
            networks=(DockerAttachment("mesh", ("a",)), DockerAttachment("local", ("a",))),
        ),
        DockerContainer("db", host="host1", ports=PORTS[:1], networks=(DockerAttachment("local", ("db",)),)),
    ),
)  # fmt: skip
RUNNING = NetworkModel(
    docker_networks=NETWORKS,
    docker_containers=(
        DockerContainer(
            "a", host="host1", id="id-a",
            networks=(
                DockerAttachment("mesh", ("a",), "10.201.0.2"),
                DockerAttachment("local", ("a",), "10.201.1.2"),
            ),
        ),
        # Disconnected from `local` behind netkit's back: no address there.
        DockerContainer("db", host="host1", id="id-db", networks=()),
    ),
)  # fmt: skip


def test_the_plan_tries_each_pair_on_each_declared_port_names_and_the_host():
    probes = docker_probe.plan(analyze_docker(DECLARED), RUNNING)
    described = [(p.kind, p.describe(), p.target, p.expected, p.missing) for p in probes]
    a, db = "host1/a[Container]", "host1/db[Container]"
    assert (
        ProbeKind.TCP,
        f"{a} -> {db} 8080/TCP",
        "",
        True,
        f"{db} has no address on local",
    ) in described
    assert (ProbeKind.TCP, f"{db} -> {a} 8080/TCP", "10.201.1.2", True, "") in described
    assert (ProbeKind.UDP, f"{db} -> {a} 5353/UDP", "10.201.1.2", True, "") in described
    names = {
        (p.src.name, p.dst, p.expected, p.expected_addresses)
        for p in probes
        if p.kind is ProbeKind.NAME
    }
    assert (db, "a", True, frozenset({"10.201.1.2"})) in names
    hosts = [p for p in probes if p.kind is ProbeKind.HOST]
    # An internal bridge without netkit's nkint- name still reaches its host.
    assert [(p.src.name, p.target, p.expected) for p in hosts] == [
        (a, "10.201.0.1", False), (db, "10.201.1.1", True)
    ] or [(p.src.name, p.target, p.expected) for p in hosts] == [
        (a, "10.201.1.1", True), (db, "10.201.1.1", True)
    ]  # fmt: skip


def test_a_probe_without_a_target_fails_and_says_why():
    probes = docker_probe.plan(analyze_docker(DECLARED), RUNNING)
    [missing] = [p for p in probes if p.missing and p.kind is ProbeKind.TCP]
    [outcome] = docker_probe.run([missing], lambda c, cmd: (0, ""))
    assert not outcome.agrees
    assert outcome.line() == (
        "host1/a[Container] -> host1/db[Container] 8080/TCP: netkit computes allowed, the "
        "engines were blocked (host1/db[Container] has no address on local)"
    )


def test_commands_are_busybox_ones_run_in_the_source_container():
    probes = docker_probe.plan(analyze_docker(DECLARED), RUNNING)
    by_kind = {p.kind: docker_probe.command(p) for p in probes if not p.missing}
    assert by_kind[ProbeKind.TCP][:3] == ["nc", "-w", "1"]
    assert by_kind[ProbeKind.UDP][:2] == ["busybox", "traceroute"]
    udp = next(p for p in probes if p.kind is ProbeKind.UDP)
    assert docker_probe.command(udp)[-3:] == ["-p", "5352", udp.target]  # first probe: +1
    assert by_kind[ProbeKind.NAME][0] == "nslookup"
    assert by_kind[ProbeKind.HOST][:2] == ["ping", "-c"]


def _probe(kind: ProbeKind, expected: bool = True, addresses: frozenset[str] = frozenset()):
    probes = docker_probe.plan(analyze_docker(DECLARED), RUNNING)
    probe = next(p for p in probes if p.kind is kind and not p.missing)
    return type(probe)(
        probe.kind, probe.src, probe.dst, probe.runner, probe.target, expected, probe.port,
        addresses or probe.expected_addresses,
    )  # fmt: skip


NSLOOKUP = """Server:\t\t127.0.0.11
Address:\t127.0.0.11:53

Non-authoritative answer:
Name:\ta
Address: 10.201.1.2
"""


def test_a_name_agrees_when_docker_answers_with_the_expected_addresses_only():
    probe = _probe(ProbeKind.NAME, addresses=frozenset({"10.201.1.2", "10.201.0.2"}))
    assert docker_probe.judge(probe, 0, NSLOOKUP).agrees
    other = NSLOOKUP.replace("10.201.1.2", "10.201.1.9")
    outcome = docker_probe.judge(probe, 0, other)
    assert not outcome.agrees
    assert "Docker's DNS answered 10.201.1.9" in outcome.line()
    nx = "** server can't find nope: NXDOMAIN\n"
    assert not docker_probe.judge(probe, 1, nx).reached


def test_udp_counts_an_answer_as_reached_and_silence_as_blocked():
    probe = _probe(ProbeKind.UDP)
    reached = f"traceroute to {probe.target}\n 1  {probe.target}  0.007 ms\n"
    assert docker_probe.judge(probe, 0, reached).reached
    silent = f"traceroute to {probe.target}\n 1  *\n"
    assert docker_probe.judge(probe, 0, silent) == DockerOutcome(probe, False, "no answer")


def test_tcp_names_why_it_failed():
    probe = _probe(ProbeKind.TCP)
    outcome = docker_probe.judge(probe, 1, "nc: timed out\n")
    assert (outcome.reached, outcome.detail) == (False, "timed out")
    assert docker_probe.judge(probe, 127, "exec: nc: executable file not found").detail == (
        "cannot run nc there"
    )


def test_a_network_without_a_named_gateway_has_dockers_own_the_first_address():
    network = DockerNetwork(
        "front",
        "bridge",
        subnets=(
            AddressSpace(
                "front", Layer.DOCKER_BRIDGE, ipaddress.ip_network("10.9.3.0/24"), host="h"
            ),
        ),
        host="h",
    )
    assert docker_probe.gateways(NetworkModel(docker_networks=(network,))) == {
        ("h", "front"): "10.9.3.1"
    }


def test_a_published_port_is_tried_from_the_host_at_its_bound_address():
    from netkit.model import PublishedPort

    front = net("front", "bridge", "10.201.3.0/24")
    web = DockerContainer(
        "web", host="host1", networks=(DockerAttachment("front", ()),),
        published=(PublishedPort(8080, 18226, "127.0.0.1", "tcp"),),
    )  # fmt: skip
    running = replace_networks(web, "10.201.3.2")
    model = NetworkModel(docker_networks=(front,), docker_containers=(web,))
    [published] = [
        p
        for p in docker_probe.plan(analyze_docker(model), running)
        if p.kind is ProbeKind.PUBLISHED
    ]
    assert (published.src.name, published.target, published.port, published.expected) == (
        "host1[Host]", "127.0.0.1", 18226, True,
    )  # fmt: skip
    assert docker_probe.command(published) == ["127.0.0.1", "18226", "1"]
    [outcome] = docker_probe.run(
        [published], lambda c, cmd: (0, ""), on_host=lambda h, a: (1, "Connection refused")
    )
    assert outcome.line() == (
        "host1[Host] -> host1/web[Container] 127.0.0.1:18226/TCP: netkit computes allowed, "
        "the engines were blocked (connection refused)"
    )


def replace_networks(container: DockerContainer, address: str) -> NetworkModel:
    from dataclasses import replace

    live = replace(
        container,
        id="id-web",
        networks=tuple(replace(a, address=address) for a in container.networks),
    )
    return NetworkModel(
        docker_networks=(net("front", "bridge", "10.201.3.0/24"),), docker_containers=(live,)
    )
