from __future__ import annotations

from netkit.spec import StackSpec
from netkit_components.docker import ServiceContainer, ServiceContainerArgs
from netkit_components.stack import docker_dns
from tests.components.conftest import CONTAINER


def _args() -> ServiceContainerArgs:
    return ServiceContainerArgs.model_validate(
        {
            "name": "api",
            "networks": [
                {"network": "backend", "aliases": ["api", "api.internal"]},
                {"network": "data"},
            ],
            "publish": [{"port": 8080, "hostPort": 18080}],
        }
    )


def test_container_joins_each_network_under_its_aliases(declare):
    networks = {"backend": "netkit-backend", "data": "netkit-data"}
    container = declare(
        lambda: ServiceContainer("api", _args(), networks=networks, image="img:1")
    ).one(CONTAINER)
    assert container.inputs["networksAdvanced"] == [
        {"name": "netkit-backend", "aliases": ["api", "api.internal"]},
        {"name": "netkit-data", "aliases": []},
    ]
    assert container.inputs["image"] == "img:1"
    assert container.inputs["command"] == ["httpd", "-f", "-p", "8080"]


def test_published_ports_bind_loopback_unless_told_otherwise(declare):
    container = declare(
        lambda: ServiceContainer("api", _args(), networks={"backend": "b", "data": "d"}, image="i")
    ).one(CONTAINER)
    assert container.inputs["ports"] == [
        {"internal": 8080, "external": 18080, "ip": "127.0.0.1", "protocol": "tcp"}
    ]


def test_names_list_what_peers_resolve_on_each_network():
    names: dict[str, list[str]] = {}

    def program() -> None:
        c = ServiceContainer("api", _args(), networks={"backend": "b", "data": "d"}, image="i")
        names.update(c.names)

    from netkit_cli.synth import record_resources

    record_resources(program)
    assert names == {"backend": ["api", "api.internal"], "data": ["api"]}


def test_containers_resolve_only_peers_on_shared_networks():
    spec = StackSpec.model_validate(
        {
            "docker": {
                "bridges": [
                    {"name": "front", "subnets": [{"subnet": "10.1.0.0/24"}]},
                    {"name": "back", "subnets": [{"subnet": "10.2.0.0/24"}]},
                ],
                "containers": [
                    {
                        "name": "web",
                        "networks": [{"network": "front"}, {"network": "back", "aliases": ["www"]}],
                    },
                    {"name": "api", "networks": [{"network": "back"}]},
                    {"name": "edge", "networks": [{"network": "front"}]},
                ],
            }
        }
    )
    assert docker_dns(spec) == {
        "web": ["api", "edge", "web", "www"],
        "api": ["api", "web", "www"],
        "edge": ["edge", "web"],
    }
