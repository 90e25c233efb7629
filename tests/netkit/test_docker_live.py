"""Running Docker engines read into the model (the SDK replaced by a fake engine)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from netkit.docker_live import EngineRef, load_engines, parse_engine
from netkit.docker_reach import analyze_docker
from netkit.errors import NetkitError
from netkit.model import Layer
from netkit.overlap import expected_nesting, find_overlaps


class FakeEngine:
    def __init__(self, info: Mapping[str, Any], networks: list[Any], containers: list[Any]) -> None:
        self._info, self._networks, self._containers = info, networks, containers

    def info(self) -> Mapping[str, Any]:
        return self._info

    def networks(self) -> list[Mapping[str, Any]]:
        return self._networks

    def containers(self) -> list[Mapping[str, Any]]:
        return self._containers

    def exec(self, container: str, command: Sequence[str], timeout: float) -> tuple[int, str]:
        raise AssertionError("not used")


def network(name: str, subnet: str, **kw: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "Id": kw.pop("Id", f"id-{name}"),
        "Driver": kw.pop("Driver", "bridge"),
        "Scope": kw.pop("Scope", "local"),
        "IPAM": {"Config": [{"Subnet": subnet, "Gateway": subnet.rsplit(".", 1)[0] + ".1"}]},
        **kw,
    }


def container(name: str, ident: str, networks: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {
        "Id": ident,
        "Name": f"/{name}",
        "Config": {"Image": "netkit/busybox:local", **kw.pop("Config", {})},
        "HostConfig": kw.pop("HostConfig", {}),
        "NetworkSettings": {"Networks": networks},
    }


MANAGER_INFO = {"Name": "node-1", "Swarm": {"Cluster": {"DefaultAddrPool": None}}}
MESH = network("mesh", "10.201.0.0/24", Driver="overlay", Scope="swarm", Internal=True, Id="m1")
HOST1 = FakeEngine(
    MANAGER_INFO,
    [
        MESH,
        network("docker_gwbridge", "172.18.0.0/16"),
        network(
            "a-local",
            "10.201.1.0/24",
            Internal=True,
            Options={"com.docker.network.bridge.name": "nkint-0123456ab"},
        ),
    ],
    [
        container(
            "a",
            "aaaaaaaaaaaa1111",
            {
                "mesh": {"Aliases": ["a", "aaaaaaaaaaaa"], "IPAddress": "10.201.0.2"},
                "a-local": {"Aliases": ["a", "aaaaaaaaaaaa"], "IPAddress": "10.201.1.2"},
            },
            Config={"Labels": {"netkit.ports": "8080/tcp,5353/udp"}},
            HostConfig={"PortBindings": {"8080/tcp": [{"HostIp": "", "HostPort": "18080"}]}},
        ),
    ],
)
HOST2 = FakeEngine(
    {"Name": "node-2", "Swarm": {"Cluster": None}},
    [MESH, network("docker_gwbridge", "172.18.0.0/16", Id="gw2")],
    [
        container(
            "b",
            "bbbbbbbbbbbb2222",
            {"mesh": {"Aliases": ["b"], "IPAddress": "10.201.0.3"}},
            Config={"ExposedPorts": {"80/tcp": {}}},
        )
    ],
)


def load() -> Any:
    engines = {"host1": HOST1, "host2": HOST2}
    refs = [parse_engine("netkit-hosts://host1"), parse_engine("netkit-hosts://host2")]
    return load_engines(refs, lambda ref: engines[ref.name])


def test_an_engine_is_named_by_its_url_or_by_name_equals_url():
    assert parse_engine("netkit-hosts://host2") == EngineRef("host2", "netkit-hosts://host2")
    assert parse_engine("unix:///var/run/docker.sock").name == "local"
    assert parse_engine("edge=tcp://10.0.0.5:2376") == EngineRef("edge", "tcp://10.0.0.5:2376")
    assert parse_engine("tcp://10.0.0.5:2376").name == ""  # asked of the engine


def test_a_bad_engine_url_is_refused_with_the_forms_it_takes():
    with pytest.raises(NetkitError, match=r"url 'http://x': expected a Docker engine URL"):
        parse_engine("http://x")


def test_a_swarm_network_seen_from_two_hosts_is_read_once():
    model = load()
    assert sorted((n.name, n.host) for n in model.docker_networks) == [
        ("a-local", "host1"),
        ("docker_gwbridge", "host1"),
        ("docker_gwbridge", "host2"),
        ("mesh", "host1"),
    ]
    assert [e.name for e in model.docker_engines] == ["host1", "host2"]


def test_containers_keep_their_declared_aliases_addresses_bindings_and_ports():
    model = load()
    a, b = model.docker_containers
    assert (a.host, a.name, a.id) == ("host1", "a", "aaaaaaaaaaaa1111")
    assert [(x.network, x.aliases, x.address) for x in a.networks] == [
        ("a-local", ("a",), "10.201.1.2"),  # the short ID Docker adds is left out
        ("mesh", ("a",), "10.201.0.2"),
    ]
    assert [(p.container_port, p.host_port, p.host_ip) for p in a.published] == [(8080, 18080, "")]
    assert [(p.port, p.protocol) for p in a.ports] == [(8080, "TCP"), (5353, "UDP")]
    assert [(p.port, p.protocol) for p in b.ports] == [(80, "TCP")]  # the image's EXPOSE


def test_the_live_model_connects_containers_as_the_stack_model_does():
    reach = analyze_docker(load())
    pairs = [str(c) for c in reach.connections() if c.dst.kind == "container"]
    assert pairs == [
        "host1/a[Container] => host2/b[Container] : All Connections",
        "host2/b[Container] => host1/a[Container] : All Connections",
    ]


def test_pools_are_the_daemons_built_in_ones_and_the_swarm_pool_of_the_manager():
    model = load()
    pools = [(s.layer, s.host, str(s.cidr)) for s in model.address_spaces if "pool" in s.layer]
    assert (Layer.DOCKER_SWARM_POOL, "host1", "10.0.0.0/8") in pools
    assert not any(layer is Layer.DOCKER_SWARM_POOL and host == "host2" for layer, host, _ in pools)
    assert (Layer.DOCKER_DEFAULT_POOL, "host2", "172.17.0.0/16") in pools


def test_overlaps_of_running_networks_are_named_with_their_host_and_own_copies_not_counted():
    model = load()
    spaces = list(model.address_spaces)
    found = [
        o.message()
        for o in find_overlaps(spaces)
        if not expected_nesting(o.first, o.second)
        and Layer.DOCKER_DEFAULT_POOL not in (o.first.layer, o.second.layer)
    ]
    # Each host's docker_gwbridge has the same range: two routing tables, no collision. The
    # swarm allocates overlays from its pool without seeing its hosts' bridges.
    assert found == [
        "existing docker bridge 'a-local' 10.201.1.0/24 on host 'host1' is inside docker "
        "swarm pool 'default-addr-pool (built-in)' 10.0.0.0/8 of the swarm of host 'host1'"
    ]
    assert all(s.live for s in spaces)
    assert "existing docker bridge 'docker_gwbridge' 172.18.0.0/16 on host 'host2'" in {
        s.describe() for s in spaces
    }


def test_two_engines_of_one_name_are_refused():
    refs = [parse_engine("a=unix:///one.sock"), parse_engine("a=unix:///two.sock")]
    with pytest.raises(NetkitError, match="two engines are named 'a'"):
        load_engines(refs, lambda ref: HOST2)


def test_each_running_container_of_an_engine_of_this_machine_gives_its_process():
    from netkit.docker_live import container_processes

    engine = FakeEngine(
        {"Name": "host1"},
        [],
        [
            {"Id": "b1", "Name": "/web", "State": {"Pid": 4242}},
            {"Id": "c1", "Name": "/gone", "State": {"Pid": 0}},  # stopped between list and read
            {"Id": "d1", "Name": "/odd", "State": {"Pid": True}},
        ],
    )
    refs = [parse_engine("netkit-hosts://host1")]

    assert container_processes(refs, connect_to=lambda ref: engine) == [("host1/web", 4242)]


@pytest.mark.parametrize("url", ["tcp://203.0.113.5:2376", "ssh://admin@203.0.113.5"])
def test_containers_of_another_machine_are_refused_before_any_connection(url: str):
    from netkit.docker_live import container_processes

    def connect_to(ref: EngineRef) -> FakeEngine:
        raise AssertionError("no engine is reached")

    with pytest.raises(NetkitError, match=r"run on another machine, whose network namespaces"):
        container_processes([parse_engine(url)], connect_to=connect_to)
