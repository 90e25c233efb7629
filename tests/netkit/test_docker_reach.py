"""Docker reachability: containers, hosts and the outside, as Docker connects them."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netkit.connectivity import analyze_all
from netkit.diff import diff
from netkit.docker_reach import EXTERNAL_V4, EXTERNAL_V6, analyze_docker
from netkit.model import (
    AddressSpace,
    DockerAttachment,
    DockerContainer,
    DockerNetwork,
    Layer,
    NetworkModel,
    PublishedPort,
)
from netkit.portset import ConnectionSet
from netkit.reachability import UnknownPeerError


def bridge(name: str, host: str = "host1", **kw: object) -> DockerNetwork:
    return DockerNetwork(name=name, driver="bridge", host=host, **kw)  # type: ignore[arg-type]


def overlay(name: str, **kw: object) -> DockerNetwork:
    return DockerNetwork(name=name, driver="overlay", host="host1", **kw)  # type: ignore[arg-type]


def container(
    name: str, host: str, *networks: str, aliases: tuple[str, ...] = (), **kw: object
) -> DockerContainer:
    return DockerContainer(
        name=name,
        host=host,
        networks=tuple(DockerAttachment(n, aliases) for n in networks),
        **kw,  # type: ignore[arg-type]
    )


def lines(model: NetworkModel) -> list[str]:
    return [str(c) for c in analyze_docker(model).connections()]


def test_an_overlay_connects_containers_on_every_host_both_ways():
    model = NetworkModel(
        docker_networks=(overlay("mesh", internal=True),),
        docker_containers=(container("a", "host1", "mesh"), container("b", "host2", "mesh")),
    )
    assert lines(model) == [
        "host1/a[Container] => host2/b[Container] : All Connections",
        "host2/b[Container] => host1/a[Container] : All Connections",
    ]


def test_a_bridge_connects_only_the_containers_of_its_own_host():
    model = NetworkModel(
        docker_networks=(bridge("db", "host1", internal=True),),
        docker_containers=(container("a", "host1", "db"), container("b", "host2", "db")),
    )
    reach = analyze_docker(model)
    assert [c for c in reach.connections() if c.dst.kind == "container"] == []
    explained = reach.explain("host1/a[Container]", "host2/b[Container]")
    assert explained.allowed.is_empty
    assert explained.routes == (
        "network: b joins 'db', a bridge of host1, but runs on host2: a bridge connects "
        "containers of its own host only (an overlay spans hosts)",
    )


def test_two_bridges_of_one_name_on_two_hosts_are_two_networks():
    model = NetworkModel(
        docker_networks=(bridge("local", "host1"), bridge("local", "host2")),
        docker_containers=(
            container("a", "host1", "local"),
            container("b", "host1", "local"),
            container("c", "host2", "local"),
        ),
    )
    pairs = [line for line in lines(model) if "[Container] :" in line]
    assert pairs == [
        "host1/a[Container] => host1/b[Container] : All Connections",
        "host1/b[Container] => host1/a[Container] : All Connections",
    ]


def test_icc_off_drops_container_traffic_on_a_bridge_but_names_still_resolve():
    model = NetworkModel(
        docker_networks=(bridge("quiet", icc=False, internal=True),),
        docker_containers=(
            container("a", "host1", "quiet", aliases=("x",)),
            container("b", "host1", "quiet", aliases=("y",)),
        ),
    )
    reach = analyze_docker(model)
    assert [c for c in reach.connections() if c.dst.kind == "container"] == []
    assert reach.explain("host1/a[Container]", "host1/b[Container]").routes == (
        "network: bridge 'quiet' on host1 (internal, ICC off): both attached, but "
        "enable_icc=false drops traffic between its containers; host1/a resolves b, y to it "
        "there",
    )
    assert [a.name for a in reach.names("host1/a[Container]")] == ["a", "b", "x", "y"]
    assert ("host1/a[Container]", "host1/b[Container]") in {
        (s.name, d.name) for s, d in reach.denied()
    }


def test_icc_means_nothing_to_an_overlay():
    model = NetworkModel(
        docker_networks=(overlay("mesh", icc=False),),
        docker_containers=(container("a", "host1", "mesh"), container("b", "host2", "mesh")),
    )
    assert "host1/a[Container] => host2/b[Container] : All Connections" in lines(model)


def test_networks_are_isolated_from_each_other_and_the_explanation_says_so():
    model = NetworkModel(
        docker_networks=(bridge("one"), bridge("two")),
        docker_containers=(container("a", "host1", "one"), container("b", "host1", "two")),
    )
    reach = analyze_docker(model)
    explained = reach.explain("host1/a[Container]", "host1/b[Container]")
    assert explained.allowed.is_empty
    assert explained.routes == (
        "network: none shared: bridge 'one' on host1 for the source, bridge 'two' on host1 "
        "for the destination; Docker isolates networks from each other",
    )


def test_only_a_network_that_is_not_internal_reaches_the_outside():
    model = NetworkModel(
        docker_networks=(
            bridge("front"),
            bridge("back", internal=True),
            overlay("mesh", internal=True),
        ),
        docker_containers=(
            container("web", "host1", "front", "back"),
            container("api", "host1", "back"),
            container("c", "host2", "mesh"),
        ),
    )
    reach = analyze_docker(model)
    outside = [c.src.name for c in reach.connections() if c.dst == EXTERNAL_V4]
    assert outside == ["host1/web[Container]"]
    assert reach.explain("host1/api[Container]", EXTERNAL_V4.name).routes == (
        "network: bridge 'back' on host1 (internal): internal, no route off the host",
    )


def test_an_internal_bridge_still_reaches_its_host_unless_it_is_one_of_netkits_nkint_bridges():
    model = NetworkModel(
        docker_networks=(
            bridge("plain", internal=True),
            bridge("kept", internal=True, bridge_name="nkint-0123456ab"),
            overlay("mesh", internal=True),
            overlay("open"),
        ),
        docker_containers=(
            container("p", "host1", "plain"),
            container("k", "host1", "kept"),
            container("m", "host2", "mesh"),
            container("o", "host2", "open"),
        ),
    )
    reach = analyze_docker(model)
    to_host = sorted(c.src.name for c in reach.connections() if c.dst.kind == "host")
    assert to_host == ["host1/p[Container]", "host2/o[Container]"]
    assert reach.explain("host1/k[Container]", "host1[Host]").routes == (
        "network: bridge 'kept' on host1 (internal): netkit's engines drop new connections "
        "from its bridge nkint-0123456ab (nkint-*) to the host",
    )
    assert reach.explain("host2/m[Container]", "host2[Host]").routes == (
        "network: overlay 'mesh', across hosts (internal): an internal overlay has no "
        "docker_gwbridge, so no way to the host",
    )


@pytest.mark.parametrize(
    ("bound", "peers"),
    [
        ("127.0.0.1", ["host1[Host]"]),
        ("0.0.0.0", ["0.0.0.0-255.255.255.255[External]", "host1[Host]"]),
        ("::", ["::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff[External]", "host1[Host]"]),
        ("", [EXTERNAL_V4.name, EXTERNAL_V6.name, "host1[Host]"]),
        ("10.199.0.1", ["0.0.0.0-255.255.255.255[External]", "host1[Host]"]),
    ],
)
def test_a_published_port_reaches_whom_its_bound_address_lets_in(bound, peers):
    published = (PublishedPort(8080, 18080, bound, "tcp"),)
    model = NetworkModel(
        docker_networks=(bridge("front"),),
        docker_containers=(container("web", "host1", "front", published=published),),
    )
    found = [c for c in analyze_docker(model).connections() if c.dst.name == "host1/web[Container]"]
    assert sorted(c.src.name for c in found) == sorted(peers)
    assert {str(c.conns) for c in found} == {"TCP 8080"}


def test_docker_publishes_nothing_for_a_container_on_internal_networks_only():
    published = (PublishedPort(8080, 18080, "0.0.0.0", "tcp"),)
    model = NetworkModel(
        docker_networks=(bridge("back", internal=True),),
        docker_containers=(container("api", "host1", "back", published=published),),
    )
    reach = analyze_docker(model)
    assert [c for c in reach.connections() if c.dst.name == "host1/api[Container]"] == []
    explained = reach.explain("host1[Host]", "host1/api[Container]")
    assert explained.routes == (
        "published: host1/api[Container] has only internal networks, so Docker publishes "
        "none of its ports",
    )


def test_names_resolve_per_network_to_the_containers_attached_there():
    model = NetworkModel(
        docker_networks=(overlay("mesh"), bridge("local")),
        docker_containers=(
            container("a", "host1", "mesh", "local", aliases=("a",)),
            container("db", "host1", "local", aliases=("db",)),
            container("b", "host2", "mesh", aliases=("b",)),
        ),
    )
    reach = analyze_docker(model)
    assert reach.name_lines("host2/b[Container]") == [
        "names: a -> host1/a[Container] on mesh",
        "names: b -> host2/b[Container] on mesh",
    ]
    assert reach.unresolved("host2/b[Container]") == ["db"]
    assert [a.name for a in reach.names("host1/a[Container]")] == ["a", "b", "db"]


def test_the_default_bridge_resolves_no_names():
    model = NetworkModel(
        docker_networks=(bridge("bridge"),),
        docker_containers=(container("a", "host1", "bridge"), container("b", "host1", "bridge")),
    )
    reach = analyze_docker(model)
    assert reach.names("host1/a[Container]") == []
    assert "host1/a[Container] => host1/b[Container] : All Connections" in lines(model)


def test_a_stack_without_hosts_places_everything_on_the_host_named_local():
    model = NetworkModel(
        docker_networks=(DockerNetwork("n", "bridge"),),
        docker_containers=(
            DockerContainer("a", networks=(DockerAttachment("n"),)),
            DockerContainer("b", networks=(DockerAttachment("n"),)),
        ),
    )
    assert "local/a[Container] => local/b[Container] : All Connections" in lines(model)


def test_an_unknown_peer_is_refused_by_name():
    with pytest.raises(UnknownPeerError, match="'nope' is not a container"):
        analyze_docker(NetworkModel()).peer("nope")


def test_both_halves_are_listed_and_explained_together():
    model = NetworkModel(
        docker_networks=(overlay("mesh"),),
        docker_containers=(container("a", "host1", "mesh"), container("b", "host2", "mesh")),
    )
    both = analyze_all(model)
    assert both.allowed("host1/a[Container]", "host2/b[Container]") == ConnectionSet.all()
    assert both.explain("host1/a[Container]", EXTERNAL_V4.name).allowed == ConnectionSet.all()
    assert {p.name for p in both.peers()} == {"host1/a[Container]", "host2/b[Container]"}


def test_the_diff_names_a_container_that_appears():
    before = NetworkModel(
        docker_networks=(overlay("mesh", internal=True),),
        docker_containers=(container("a", "host1", "mesh"),),
    )
    after = NetworkModel(
        docker_networks=before.docker_networks,
        docker_containers=(*before.docker_containers, container("b", "host2", "mesh")),
    )
    changes = diff(before, after)
    assert [(d.kind, d.src, d.dst, d.workloads) for d in changes] == [
        ("added", "host1/a[Container]", "host2/b[Container]", "container host2/b[Container] added"),
        ("added", "host2/b[Container]", "host1/a[Container]", "container host2/b[Container] added"),
    ]


# --------------------------------------------------------------------------- properties

NETWORKS = st.lists(
    st.tuples(st.sampled_from(["bridge", "overlay"]), st.booleans(), st.booleans()),
    min_size=1,
    max_size=4,
)


@settings(max_examples=80, deadline=None)
@given(
    networks=NETWORKS,
    placements=st.lists(
        st.tuples(st.sampled_from(["host1", "host2"]), st.sets(st.integers(0, 3), max_size=3)),
        min_size=1,
        max_size=6,
    ),
)
def test_two_containers_connect_exactly_when_they_share_a_network_that_carries_traffic(
    networks, placements
):
    nets = tuple(
        DockerNetwork(
            f"n{i}",
            driver,
            host="host1",
            icc=icc,
            internal=internal,
            subnets=(
                AddressSpace(f"n{i}", Layer.DOCKER_BRIDGE, ipaddress.ip_network(f"10.9.{i}.0/24")),
            ),
        )
        for i, (driver, icc, internal) in enumerate(networks)
    )
    containers = tuple(
        container(f"c{k}", host, *(f"n{i}" for i in sorted(ids) if i < len(nets)))
        for k, (host, ids) in enumerate(placements)
    )
    reach = analyze_docker(NetworkModel(docker_networks=nets, docker_containers=containers))
    found = {
        (c.src.name, c.dst.name)
        for c in reach.connections()
        if c.src.kind == "container" and c.dst.kind == "container"
    }
    by_name = {n.name: n for n in nets}
    for s in containers:
        for d in containers:
            if s is d:
                continue
            shared = [
                by_name[a.network]
                for a in s.networks
                if a.network in {b.network for b in d.networks}
            ]
            carries = any(
                n.driver == "overlay" or (s.host == d.host == n.host and n.icc) for n in shared
            )
            pair = (f"{s.host}/{s.name}[Container]", f"{d.host}/{d.name}[Container]")
            assert (pair in found) == carries, pair
            # Symmetric, as Docker's networks are.
            assert (pair in found) == ((pair[1], pair[0]) in found)


# --------------------------------------------------------------------------- the picture


def test_the_picture_draws_hosts_networks_containers_and_namespaces_with_ids():
    from netkit.picture import Picture

    model = NetworkModel(
        docker_networks=(overlay("mesh", internal=True), bridge("quiet", "host2", icc=False)),
        docker_containers=(
            container("a", "host1", "mesh", aliases=("a",)),
            container("b", "host2", "mesh", "quiet"),
            container(
                "web", "host2", "quiet", published=(PublishedPort(80, 8080, "0.0.0.0", "tcp"),)
            ),
        ),
    )
    picture = Picture.of(analyze_all(model), "t")
    dot = picture.dot()
    assert "subgraph cluster_host_0" in dot and "Docker host host2" in dot
    kinds = sorted((n["kind"], n["name"]) for n in picture.nodes.values())
    assert ("network", "network mesh") in kinds
    assert ("network", "network host2/quiet") in kinds
    assert ("container", "host2/web[Container]") in kinds
    members = [e for e in picture.edges.values() if e["kind"] == "member"]
    assert len(members) == 4  # a-mesh, b-mesh, b-quiet, web-quiet
    # Container pairs are the networks they share; the published port is an arrow.
    arrows = {
        (picture.nodes[e["src"]]["name"], picture.nodes[e["dst"]]["name"], e["conn"])
        for e in picture.edges.values()
        if e["kind"] == "connection"
    }
    assert ("0.0.0.0-255.255.255.255[External]", "host2/web[Container]", "TCP 80") in arrows
    assert not any(
        src.endswith("[Container]") and dst.endswith("[Container]") for src, dst, _ in arrows
    )
    # Each node's id is in the graph, for the page to find it.
    assert all(f'id="{ident}"' in dot for ident in picture.nodes)
    # Denied pairs are explained too: b and web share quiet, whose ICC is off.
    denied = [c for c in picture.connections if c["conn"] == "No Connections"]
    assert any(
        c["src"] == "host2/b[Container]" and c["dst"] == "host2/web[Container]" for c in denied
    )
