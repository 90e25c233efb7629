from __future__ import annotations

import copy
import ipaddress
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from netkit.errors import InvalidStackConfig
from netkit.spec import load_stack_file, parse_stack_config, stack_file

ROOT = Path(__file__).parents[2]
DEV = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]


def _error(mutate: Any) -> str:
    config = copy.deepcopy(DEV)
    mutate(config)
    with pytest.raises(InvalidStackConfig) as caught:
        parse_stack_config(config, "Pulumi.dev.yaml")
    return str(caught.value)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_our_stack_files_parse(stack):
    spec = load_stack_file(ROOT / f"Pulumi.{stack}.yaml")
    assert spec.kubernetes.connections, "every environment declares its connections"


def test_a_subnet_with_a_bad_prefix_names_the_file_the_key_and_the_rule():
    bridges = lambda c: c["netkit:docker"]["bridges"]  # noqa: E731
    message = _error(lambda c: bridges(c)[1]["subnets"][0].update(subnet="10.0.0.0/33"))
    assert message == (
        "Pulumi.dev.yaml: netkit:docker.bridges[1].subnets[0].subnet: "
        "subnet '10.0.0.0/33': prefix must be 0-32"
    )


def test_host_bits_in_a_subnet_suggest_the_network_address():
    message = _error(
        lambda c: c["netkit:docker"]["bridges"][0]["subnets"][0].update(
            subnet="10.210.1.7/24", gateway=None
        )
    )
    assert message.endswith(
        "subnet '10.210.1.7/24': host bits are set; did you mean '10.210.1.0/24'?"
    )


@pytest.mark.parametrize("ip_range", ["10.210.2.0/25", "fd00::/120"])
def test_an_ip_range_outside_its_subnet_is_refused_even_of_the_other_family(ip_range):
    message = _error(
        lambda c: c["netkit:docker"]["bridges"][0]["subnets"][0].update(ipRange=ip_range)
    )
    assert message == (
        f"Pulumi.dev.yaml: netkit:docker.bridges[0].subnets[0]: ipRange {ip_range!r} is not "
        "inside subnet '10.210.1.0/24'; use a range inside it"
    )


def test_a_gateway_outside_its_subnet_is_refused():
    message = _error(
        lambda c: c["netkit:docker"]["bridges"][0]["subnets"][0].update(gateway="10.9.9.9")
    )
    assert message == (
        "Pulumi.dev.yaml: netkit:docker.bridges[0].subnets[0]: gateway '10.9.9.9' is outside "
        "subnet '10.210.1.0/24'; use an address inside it, e.g. '10.210.1.1'"
    )


@pytest.mark.parametrize("port", [0, 70000])
def test_ports_outside_1_to_65535_are_refused(port):
    message = _error(
        lambda c: c["netkit:kubernetes"]["namespaces"][0]["services"][0]["ports"][0].update(
            port=port
        )
    )
    assert message == (
        "Pulumi.dev.yaml: netkit:kubernetes.namespaces[0].services[0].ports[0].port: "
        f"port {port}: ports are 1-65535"
    )


def test_an_unknown_key_is_named_with_its_path():
    message = _error(lambda c: c["netkit:docker"]["bridges"][0].update(subnett="x"))
    assert message == (
        "Pulumi.dev.yaml: netkit:docker.bridges[0].subnett: unknown key 'subnett'; check the "
        "spelling against the stack-file reference (docs/reference.md)"
    )


def test_an_unknown_top_level_key_lists_the_valid_ones():
    message = _error(lambda c: c.update({"netkit:dockr": {}}))
    assert message == (
        "Pulumi.dev.yaml: netkit:dockr: unknown key; the stack keys are netkit:reserved, "
        "netkit:docker, netkit:kubernetes, netkit:exposure"
    )


def test_an_invalid_kubernetes_name_suggests_a_valid_one():
    message = _error(lambda c: c["netkit:kubernetes"]["namespaces"][0].update(name="Shop_Web"))
    assert message.endswith("try 'shop-web'")
    assert "netkit:kubernetes.namespaces[0].name: name 'Shop_Web'" in message


def test_an_invalid_label_key_is_refused():
    message = _error(
        lambda c: c["netkit:kubernetes"]["namespaces"][0].update(labels={"bad key": "x"})
    )
    assert "netkit:kubernetes.namespaces[0].labels: label key in labels 'bad key'" in message


def test_duplicate_network_names_are_refused():
    message = _error(
        lambda c: c["netkit:docker"]["bridges"].append(
            copy.deepcopy(c["netkit:docker"]["bridges"][0])
        )
    )
    assert message == (
        "Pulumi.dev.yaml: netkit:docker.bridges[3].name: duplicate network "
        "'netkit-dev-frontend'; names must be unique"
    )


def test_a_connection_to_an_undeclared_service_is_refused():
    message = _error(lambda c: c["netkit:kubernetes"]["connections"][0].update(to="shop-api/nope"))
    assert message == (
        "Pulumi.dev.yaml: netkit:kubernetes.connections[0].to: service shop-api/nope is not "
        "declared; add it to the services of namespace 'shop-api'"
    )


def test_a_connection_declared_twice_is_refused_with_the_fix():
    def twice(c: dict[str, Any]) -> None:
        c["netkit:kubernetes"]["connections"].append(
            {"from": "shop-web/web", "to": "shop-api/api", "ports": ["8080/TCP"]}
        )

    assert _error(twice) == (
        "Pulumi.dev.yaml: netkit:kubernetes.connections[2]: shop-web/web -> shop-api/api is "
        "already declared in connections[0]; merge the ports into one entry"
    )


def test_connections_whose_policy_names_would_collide_are_refused():
    # shop-web/web -> shop-api/api and shop/web-web -> shop-api/api are both named
    # shop-web-web-to-shop-api-api: Pulumi would see one resource declared twice.
    def collide(c: dict[str, Any]) -> None:
        c["netkit:kubernetes"]["namespaces"].append(
            {"name": "shop", "services": [{"name": "web-web", "ports": [{"port": 80}]}]}
        )
        c["netkit:kubernetes"]["connections"].append(
            {"from": "shop/web-web", "to": "shop-api/api", "ports": ["8080/TCP"]}
        )

    assert _error(collide) == (
        "Pulumi.dev.yaml: netkit:kubernetes.connections[2]: shop/web-web -> shop-api/api gets "
        "the same policy names ('shop-web-web-to-shop-api-api') as connections[0] "
        "(shop-web/web -> shop-api/api); rename a namespace or service so their names differ"
    )


def test_a_connection_on_a_port_the_service_does_not_serve_is_refused():
    message = _error(lambda c: c["netkit:kubernetes"]["connections"][0].update(ports=["9999/TCP"]))
    assert message.endswith(
        "shop-api/api serves 8080/TCP, not 9999/TCP; connect to a port the service declares"
    )


def test_a_bridge_meant_for_several_hosts_suggests_an_overlay():
    def mutate(c: dict[str, Any]) -> None:
        c["netkit:docker"]["hosts"] = [
            {"name": f"host{i}", "url": f"ssh://docker{i}.example.com"} for i in (1, 2, 3)
        ]
        c["netkit:docker"]["bridges"][0]["multiHost"] = True

    assert _error(mutate) == (
        "Pulumi.dev.yaml: netkit:docker.bridges[0].multiHost: bridge 'netkit-dev-frontend' is meant "
        "to carry traffic between 3 hosts, but a bridge network only spans one host; declare it "
        "under docker.overlays"
    )


def test_calico_rules_are_checked_before_apply():
    # The same wording as the calico-ippool-require-valid-config rule (netkit.calico).
    def pools(config: dict[str, Any]) -> list[dict[str, Any]]:
        # Staging and prod install Calico; dev's pool plan is the one they would use.
        calico = config["netkit:kubernetes"].setdefault(
            "calico", {"ipPools": [{"cidr": "10.244.0.0/17", "blockSize": 26}]}
        )
        return calico["ipPools"]

    where = "Pulumi.dev.yaml: netkit:kubernetes.calico.ipPools[0]"
    assert _error(lambda c: pools(c)[0].update(blockSize=19)) == (
        f"{where}.blockSize: pool 10.244.0.0/17 has blockSize 19; Calico allows 20-32 for IPv4; "
        "use 26 (Calico's default) unless nodes need more addresses each"
    )
    assert _error(lambda c: pools(c)[0].update(cidr="10.244.0.0/28")) == (
        f"{where}.blockSize: pool 10.244.0.0/28 is smaller than one /26 block, so no node can "
        "get a block; use a blockSize of at least 28 or a larger pool"
    )
    assert _error(lambda c: pools(c)[0].update(cidr="169.254.0.0/16")) == (
        f"{where}.cidr: pool 169.254.0.0/16 is link-local, which Calico refuses; use a private "
        "range inside the pod CIDR"
    )
    assert _error(
        lambda c: pools(c)[0].update(cidr="fd00::/48", blockSize=122, encapsulation="IPIP")
    ) == (
        f"{where}.encapsulation: pool fd00::/48 uses IPIP encapsulation, which cannot carry "
        "IPv6; use VXLAN, VXLANCrossSubnet or None"
    )
    assert _error(
        lambda c: pools(c).extend([{"cidr": f"10.{i}.0.0/24"} for i in range(25)])
    ).endswith("Calico supports at most 25 IP pools")


def test_ingress_hosts_need_tls_unless_explicitly_allowed():
    message = _error(lambda c: c["netkit:kubernetes"]["ingresses"][0].update(tls=[]))
    assert message.endswith(
        "host 'shop.dev.example.com' has no TLS; add it to a tls entry, or to "
        "allowPlaintextHosts if plain HTTP is intended"
    )
    config = copy.deepcopy(DEV)
    config["netkit:kubernetes"]["ingresses"][0].update(
        tls=[], allowPlaintextHosts=["shop.dev.example.com"]
    )
    parse_stack_config(config, "Pulumi.dev.yaml")


def test_ingress_paths_must_be_absolute_and_unique():
    paths = lambda c: c["netkit:kubernetes"]["ingresses"][0]["rules"][0]["paths"]  # noqa: E731
    assert _error(lambda c: paths(c)[0].update(path="api")).endswith(
        "path 'api' must start with '/'; did you mean '/api'?"
    )
    assert _error(lambda c: paths(c).append(dict(paths(c)[0]))).endswith(
        "host 'shop.dev.example.com' path '/' is routed twice"
    )


def test_a_service_type_the_stack_does_not_allow_is_refused():
    message = _error(
        lambda c: c["netkit:kubernetes"]["namespaces"][0]["services"][0].update(type="LoadBalancer")
    )
    assert "service type 'LoadBalancer' is not allowed in this stack" in message


def test_every_mistake_is_reported_on_its_own_line():
    def mutate(c: dict[str, Any]) -> None:
        c["netkit:docker"]["bridges"][0]["subnets"][0]["subnet"] = "x"
        c["netkit:docker"]["bridges"][1]["mtu"] = 10

    assert len(_error(mutate).splitlines()) == 2


def test_an_unreadable_stack_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "Pulumi.bad.yaml"
    bad.write_text("config: [unclosed\n")
    with pytest.raises(
        InvalidStackConfig,
        match=r"^Pulumi.bad.yaml, document 1: not valid YAML: line 2, column 1: ",
    ):
        load_stack_file(bad)
    with pytest.raises(InvalidStackConfig, match="no such stack file"):
        load_stack_file(tmp_path / "Pulumi.none.yaml")


# ----------------------------------------------------------------- properties


def _with_subnet(text: str) -> dict[str, Any]:
    config = copy.deepcopy(DEV)
    config["netkit:docker"]["bridges"][2]["subnets"][0]["subnet"] = text
    return config


@given(st.text(max_size=40))
def test_any_subnet_text_parses_or_fails_with_a_located_message(text):
    try:
        spec = parse_stack_config(_with_subnet(text), "Pulumi.dev.yaml")
    except InvalidStackConfig as error:
        assert str(error).startswith("Pulumi.dev.yaml: netkit:docker.bridges[2].subnets[0]")
    else:
        assert ipaddress.ip_network(spec.docker.bridges[2].subnets[0].subnet)


@given(st.ip_addresses(v=4), st.integers(min_value=0, max_value=32))
def test_a_network_address_with_any_valid_prefix_is_accepted(address, prefix):
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    spec = parse_stack_config(_with_subnet(str(network)), "Pulumi.dev.yaml")
    assert spec.docker.bridges[2].subnets[0].subnet == str(network)


@given(st.integers(min_value=33, max_value=10_000))
def test_any_prefix_over_32_is_refused(prefix):
    with pytest.raises(InvalidStackConfig, match="prefix must be 0-32"):
        parse_stack_config(_with_subnet(f"10.0.0.0/{prefix}"), "Pulumi.dev.yaml")


@given(st.integers(min_value=1, max_value=65535), st.sampled_from(["TCP", "UDP", "tcp", "udp"]))
def test_connection_ports_round_trip(port, protocol):
    config = copy.deepcopy(DEV)
    services = config["netkit:kubernetes"]["namespaces"][1]["services"][0]
    services["ports"] = [{"name": "p", "port": port, "protocol": protocol.upper()}]
    config["netkit:kubernetes"]["connections"][0]["ports"] = [f"{port}/{protocol}"]
    spec = parse_stack_config(config, "Pulumi.dev.yaml")
    (parsed,) = spec.kubernetes.connections[0].ports
    assert (parsed.port, parsed.protocol) == (port, protocol.upper())


def test_a_stack_file_that_is_not_utf8_is_one_line(tmp_path):
    path = tmp_path / "Pulumi.latin1.yaml"
    path.write_bytes(b'config:\n  netkit:docker:\n    image: "caf\xe9"\n')
    with pytest.raises(InvalidStackConfig) as caught:
        load_stack_file(path)
    assert str(caught.value) == "Pulumi.latin1.yaml: not UTF-8 text (byte 40); save it as UTF-8"


def test_stack_keys_under_another_project_name_are_refused_not_ignored():
    config = {"infra:docker": DEV["netkit:docker"], "docker:host": "unix:///var/run/docker.sock"}
    with pytest.raises(InvalidStackConfig) as caught:
        parse_stack_config(config, "Pulumi.dev.yaml")
    assert str(caught.value) == (
        "Pulumi.dev.yaml: infra:docker: netkit reads its stack keys under netkit: (the project "
        "name); rename it to netkit:docker"
    )


def test_an_org_qualified_stack_name_finds_the_stack_file():
    assert stack_file(ROOT, "acme/dev") == ROOT / "Pulumi.dev.yaml"
    assert stack_file(ROOT, "acme/netkit/dev") == ROOT / "Pulumi.dev.yaml"


def _k8s(c: dict[str, Any]) -> Any:
    return c["netkit:kubernetes"]


def _docker(c: dict[str, Any]) -> Any:
    return c["netkit:docker"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda c: _k8s(c)["ingresses"][0]["tls"][0]["hosts"].append("other.dev.example.com"),
            "netkit:kubernetes.ingresses[0].tls[0].hosts: TLS host 'other.dev.example.com' has "
            "no rule; add a rule for it or remove it",
        ),
        (
            lambda c: _k8s(c)["ingresses"][0]["rules"][0]["paths"][0].update(port=9999),
            "netkit:kubernetes.ingresses[0].rules[0].paths[0].port: service 'web' has no port "
            "9999 (it has 8080)",
        ),
        (
            lambda c: _docker(c)["containers"][0].update(
                networks=[{"network": "netkit-dev-backend"}]
            ),
            "netkit:docker.containers[0].publish: container 'netkit-dev-web' publishes ports but "
            "is only on internal networks; attach it to a non-internal network too",
        ),
        (
            lambda c: _k8s(c)["connections"].append(
                {"from": "10.0.0.0/8", "to": "192.168.0.0/16", "ports": ["80/TCP"]}
            ),
            "netkit:kubernetes.connections[2]: one side of a connection must be in the cluster; "
            "name a namespace or a service (namespace/service) on one side",
        ),
        (
            lambda c: _docker(c)["overlays"][0].update(name="netkit-dev-frontend"),
            "netkit:docker.overlays[0].name: network 'netkit-dev-frontend' is declared as a "
            "bridge too; give the overlay a name of its own",
        ),
        (
            lambda c: _k8s(c)["connections"][0].update(to="nope/api"),
            "netkit:kubernetes.connections[0].to: namespace 'nope' is not declared in "
            "kubernetes.namespaces",
        ),
        (
            lambda c: _docker(c)["bridges"][0]["subnets"].append({"subnet": "10.210.9.0/24"}),
            "netkit:docker.bridges[0].subnets: at most one IPv4 and one IPv6 subnet per network",
        ),
        (
            lambda c: _k8s(c)["connections"][0].update(ports=["8080/UDP"]),
            "netkit:kubernetes.connections[0].ports: shop-api/api serves 8080/TCP, not 8080/UDP; "
            "connect to a port the service declares",
        ),
    ],
    ids=[
        "tls-host-without-rule",
        "ingress-port-not-served",
        "publish-from-internal-only",
        "both-sides-outside",
        "overlay-named-as-bridge",
        "undeclared-namespace",
        "two-subnets-one-family",
        "wrong-protocol",
    ],
)
def test_cross_checks_name_the_key_and_the_fix(mutate, message):
    assert _error(mutate) == f"Pulumi.dev.yaml: {message}"


def test_the_clusters_own_cni_is_one_netkit_recognises():
    message = _error(lambda c: c["netkit:kubernetes"].update(clusterCni="kuberouter"))
    assert message.startswith(
        "Pulumi.dev.yaml: netkit:kubernetes.clusterCni: 'kuberouter': Input should be "
    )
    assert "'kube-router'" in message


def test_the_cluster_cni_choices_are_the_cni_table():
    from typing import get_args

    from netkit.cni import ENFORCES_NETWORK_POLICY
    from netkit.spec import ClusterCni

    assert set(get_args(ClusterCni)) == set(ENFORCES_NETWORK_POLICY)


# --------------------------------------------------------------------------- docker hosts

LAB = yaml.safe_load((ROOT / "Pulumi.lab.yaml").read_text())["config"]


def _lab_error(mutate: Any) -> str:
    config = copy.deepcopy(LAB)
    mutate(config)
    with pytest.raises(InvalidStackConfig) as caught:
        parse_stack_config(config, "Pulumi.lab.yaml")
    return str(caught.value)


def test_the_lab_stack_places_each_bridge_and_container_on_a_declared_host():
    docker = load_stack_file(ROOT / "Pulumi.lab.yaml").docker
    assert docker.host_names() == ["host1", "host2", "host3"]
    assert {c.name: docker.host_of(c) for c in docker.containers} == {
        "netkit-lab-a": "host1",
        "netkit-lab-a-db": "host1",
        "netkit-lab-b": "host2",
        "netkit-lab-c": "host3",
    }
    # Overlays live on the manager, the first host.
    assert [docker.host_of(o) for o in docker.overlays] == ["host1"]


def test_a_stack_without_hosts_has_one_host_named_local_that_everything_defaults_to():
    docker = parse_stack_config(DEV, "Pulumi.dev.yaml").docker
    assert docker.host_names() == ["local"]
    assert {docker.host_of(c) for c in docker.containers} == {"local"}


def test_the_old_host_count_is_refused_with_the_list_form_to_write():
    message = _error(lambda c: c["netkit:docker"].update(hosts=3))
    assert message == (
        "Pulumi.dev.yaml: netkit:docker.hosts: 3: expected a list of hosts with their engine "
        "URLs (a bare count is no longer read), e.g. [{name: host1, url: "
        "'ssh://deploy@docker1.example.com'}, ...]"
    )


def test_a_host_url_must_be_a_docker_engine_url():
    message = _lab_error(lambda c: c["netkit:docker"]["hosts"][1].update(url="docker2:2375"))
    assert message.startswith(
        "Pulumi.lab.yaml: netkit:docker.hosts[1].url: url 'docker2:2375': expected a Docker "
        "engine URL such as 'unix:///var/run/docker.sock'"
    )


def test_a_single_engine_url_beside_a_host_list_is_refused():
    message = _lab_error(lambda c: c["netkit:docker"].update(host="unix:///var/run/docker.sock"))
    assert message == (
        "Pulumi.lab.yaml: netkit:docker.host: 'unix:///var/run/docker.sock' is the URL of a "
        "stack's only engine, and this stack lists docker.hosts; give each engine's URL there "
        "and remove docker.host"
    )


def test_a_host_named_twice_is_refused():
    message = _lab_error(lambda c: c["netkit:docker"]["hosts"][2].update(name="host1"))
    assert message == (
        "Pulumi.lab.yaml: netkit:docker.hosts[2].name: duplicate host 'host1'; names must be unique"
    )


def test_a_container_on_an_undeclared_host_names_the_declared_ones():
    message = _lab_error(lambda c: c["netkit:docker"]["containers"][2].update(host="host9"))
    assert message == (
        "Pulumi.lab.yaml: netkit:docker.containers[2].host: host 'host9' is not declared; "
        "declared: ['host1', 'host2', 'host3'] (docker.hosts)"
    )


def test_a_container_cannot_join_the_bridge_of_another_host():
    def mutate(c: dict[str, Any]) -> None:
        c["netkit:docker"]["containers"][2]["networks"].append({"network": "netkit-lab-a-local"})

    assert _lab_error(mutate) == (
        "Pulumi.lab.yaml: netkit:docker.containers[2].networks[1].network: container "
        "'netkit-lab-b' on host 'host2' cannot join bridge 'netkit-lab-a-local' of host "
        "'host1': a bridge only connects containers on its own host; use an overlay "
        "(docker.overlays)"
    )


def test_subnets_overlapping_across_hosts_are_refused_before_any_resource():
    def mutate(c: dict[str, Any]) -> None:
        c["netkit:docker"]["bridges"].append(
            {
                "name": "netkit-lab-c-local",
                "host": "host3",
                "subnets": [{"subnet": "10.201.1.128/25"}],
            }
        )

    assert _lab_error(mutate) == (
        "Pulumi.lab.yaml: netkit:docker.bridges[1].subnets[0].subnet: subnet '10.201.1.128/25' "
        "of 'netkit-lab-c-local' (host3) overlaps '10.201.1.0/24' of 'netkit-lab-a-local' "
        "(host1); networks on different hosts need ranges of their own (`netkit plan` finds "
        "free ones)"
    )


def test_an_overlay_overlapping_any_host_s_bridge_is_refused():
    def mutate(c: dict[str, Any]) -> None:
        c["netkit:docker"]["bridges"][0]["host"] = "host2"
        c["netkit:docker"]["bridges"][0]["subnets"] = [{"subnet": "10.201.0.0/16"}]
        c["netkit:docker"]["containers"][0]["host"] = "host2"
        c["netkit:docker"]["containers"][1]["host"] = "host2"

    assert "overlaps '10.201.0.0/16' of 'netkit-lab-a-local' (host2)" in _lab_error(mutate)


def test_overlaps_on_one_host_are_left_to_the_policy_pack():
    def mutate(c: dict[str, Any]) -> None:
        c["netkit:docker"]["bridges"].append(
            {"name": "netkit-lab-a-more", "host": "host1", "subnets": [{"subnet": "10.201.1.0/25"}]}
        )

    config = copy.deepcopy(LAB)
    mutate(config)
    assert len(parse_stack_config(config, "Pulumi.lab.yaml").docker.bridges) == 2


@pytest.mark.parametrize("config", [{}, {"docker:host": "unix:///var/run/docker.sock"}])
def test_a_stack_without_netkit_configuration_is_refused_before_anything_is_declared(config):
    with pytest.raises(InvalidStackConfig) as caught:
        parse_stack_config(config, "Pulumi.lab.yaml")

    assert str(caught.value) == (
        "Pulumi.lab.yaml: no netkit configuration; add netkit:docker and/or netkit:kubernetes "
        "under config: (docs/reference.md lists every key), or pick an "
        "existing stack"
    )


def test_a_wildcard_rule_host_is_refused_with_a_named_host_to_use_instead():
    config = copy.deepcopy(DEV)
    config["netkit:kubernetes"]["ingresses"][0]["rules"][0]["host"] = "*.dev.example.com"

    with pytest.raises(InvalidStackConfig) as caught:
        parse_stack_config(config, "Pulumi.dev.yaml")

    assert str(caught.value).splitlines()[0] == (
        "Pulumi.dev.yaml: netkit:kubernetes.ingresses[0].rules[0].host: host "
        "'*.dev.example.com': wildcards are not allowed in a rule's host (a wildcard answers "
        "for every name under it, each needing its own TLS); name each host, like "
        "'shop.dev.example.com'"
    )


def test_a_key_with_a_line_break_is_shown_quoted_so_the_message_keeps_one_line():
    with pytest.raises(InvalidStackConfig) as caught:
        parse_stack_config({"netkit:docker": {" \x85": None}}, "Pulumi.dev.yaml")

    assert len(str(caught.value).splitlines()) == 1


def test_config_handed_over_as_json_text_is_read_with_the_same_limits():
    deep = "[" * 500 + "]" * 500
    with pytest.raises(InvalidStackConfig) as caught:
        parse_stack_config({"netkit:docker": deep}, "Pulumi.dev.yaml")

    assert str(caught.value).startswith("Pulumi.dev.yaml: netkit:docker: nested deeper than 100")


# --------------------------------------------------------------------------- strict types

_SERVICE = ("netkit:kubernetes", "namespaces", 0, "services", 0)
_BRIDGE = ("netkit:docker", "bridges", 0)
INTEGER_KEYS = {
    "replicas": (*_SERVICE, "replicas"),
    "port": (*_SERVICE, "ports", 0, "port"),
    "mtu": (*_BRIDGE, "mtu"),
}
BOOLEAN_KEYS = {
    "internal": (*_BRIDGE, "internal"),
    "icc": (*_BRIDGE, "icc"),
    "defaultDeny": ("netkit:kubernetes", "namespaces", 0, "defaultDeny"),
}


def _set(config: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        config = config[part]
    config[path[-1]] = value


def _where(path: tuple[Any, ...]) -> str:
    text = path[0]
    for part in path[1:]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _parsed_with(path: tuple[Any, ...], value: Any) -> Any:
    config = copy.deepcopy(DEV)
    _set(config, path, value)
    return parse_stack_config(config, "Pulumi.dev.yaml")


not_whole_numbers = (
    st.booleans()
    | st.floats(allow_nan=True, allow_infinity=True).filter(lambda f: f != 0)
    | st.sampled_from(["many", "1.0", "1e3", "0x10", "\u0663", "", " 8"])
)


@settings(max_examples=60, deadline=None)
@given(key=st.sampled_from(sorted(INTEGER_KEYS)), value=not_whole_numbers)
def test_a_whole_number_key_takes_no_boolean_float_or_other_text(key, value):
    # Before: `replicas: true` deployed one replica, and 2.0 read as 2.
    path = INTEGER_KEYS[key]

    with pytest.raises(InvalidStackConfig) as caught:
        _parsed_with(path, value)

    message = str(caught.value)
    assert message.count("\n") == 0
    assert message.startswith(f"Pulumi.dev.yaml: netkit:{_where(path).split(':', 1)[1]}: ")


@settings(max_examples=30, deadline=None)
@given(number=st.integers(1500, 9000))
def test_pulumi_config_text_for_a_number_reads_as_the_number(number):
    spec = _parsed_with(INTEGER_KEYS["mtu"], str(number))

    assert spec.docker.bridges[0].mtu == number


@settings(max_examples=40, deadline=None)
@given(
    key=st.sampled_from(sorted(BOOLEAN_KEYS)),
    value=st.integers() | st.floats() | st.sampled_from(["yes", "no", "on", "1", "TRUE", ""]),
)
def test_a_boolean_key_takes_true_or_false_only(key, value):
    with pytest.raises(InvalidStackConfig, match=r"true or false"):
        _parsed_with(BOOLEAN_KEYS[key], value)


@pytest.mark.parametrize(("text", "value"), [("true", True), ("False", False)])
def test_pulumi_config_text_for_a_boolean_reads_as_the_boolean(text, value):
    assert _parsed_with(BOOLEAN_KEYS["icc"], text).docker.bridges[0].icc is value


def _manifest_reader_accepts(obj: dict[str, Any]) -> tuple[bool, tuple[str, ...]]:
    from netkit.errors import ManifestError
    from netkit.manifests import model_from_objects

    try:
        model = model_from_objects([("m.yaml, document 1", obj)])
    except ManifestError:
        return False, ()
    return True, model.notes


@settings(max_examples=80, deadline=None)
@given(name=st.text(alphabet="abcxyz019-_A.", min_size=1, max_size=20))
def test_a_port_name_reads_in_a_stack_file_exactly_as_in_a_manifest(name):
    # One implementation: before, a 16-character name passed the stack spec while the
    # manifest reader (and the API server) refused it.
    pod = {
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80, "name": name}]}]},
    }
    manifest_ok, _ = _manifest_reader_accepts(pod)
    try:
        _parsed_with((*_SERVICE, "ports", 0, "name"), name)
    except InvalidStackConfig:
        spec_ok = False
    else:
        spec_ok = True

    assert spec_ok == manifest_ok


@settings(max_examples=80, deadline=None)
@given(name=st.text(alphabet="abcxyz019-_A.", min_size=1, max_size=70))
def test_a_service_name_reads_in_a_stack_file_as_the_api_server_reads_it(name):
    service = {"kind": "Service", "metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}}
    manifest_ok, notes = _manifest_reader_accepts(service)
    # The manifest reader notes a name the API server refuses (see FieldReader.identify).
    api_ok = manifest_ok and not any("metadata.name" in note for note in notes)
    config = copy.deepcopy(DEV)
    config["netkit:kubernetes"]["ingresses"] = []
    config["netkit:kubernetes"]["connections"] = []
    _set(config, (*_SERVICE, "name"), name)
    try:
        parse_stack_config(config, "Pulumi.dev.yaml")
    except InvalidStackConfig:
        spec_ok = False
    else:
        spec_ok = True

    assert spec_ok == api_ok


def test_a_baseline_turns_the_namespaces_default_deny_off_unless_they_ask_for_it():
    config = copy.deepcopy(DEV)
    config["netkit:kubernetes"]["baseline"] = {"kind": "BaselineAdminNetworkPolicy"}
    config["netkit:kubernetes"]["namespaces"][0]["defaultDeny"] = True
    k8s = parse_stack_config(config, "Pulumi.dev.yaml").kubernetes
    assert [k8s.default_deny(ns) for ns in k8s.namespaces] == [True, False, False]
    assert {"kube-system", "ingress-nginx"} <= set(k8s.baseline_exempt())


def test_without_a_baseline_every_namespace_keeps_its_default_deny():
    k8s = parse_stack_config(copy.deepcopy(DEV), "Pulumi.dev.yaml").kubernetes
    assert all(k8s.default_deny(ns) for ns in k8s.namespaces)


def test_a_global_network_policy_baseline_needs_calico():
    message = _error(
        lambda c: c["netkit:kubernetes"].update(baseline={"kind": "GlobalNetworkPolicy"})
    )
    assert message.startswith(
        "Pulumi.dev.yaml: netkit:kubernetes.baseline.kind: a GlobalNetworkPolicy is Calico's; "
        "install Calico (kubernetes.calico)"
    )


def test_staging_declares_its_baseline_as_a_calico_global_network_policy():
    spec = load_stack_file(ROOT / "Pulumi.staging.yaml")
    assert spec.kubernetes.baseline is not None
    assert spec.kubernetes.baseline.kind == "GlobalNetworkPolicy"
    dev = load_stack_file(ROOT / "Pulumi.dev.yaml")
    assert dev.kubernetes.baseline is None  # kube-router enforces NetworkPolicies only
