from __future__ import annotations

from netkit_cli.main import main


def test_connlist_of_the_dev_stack_is_exactly_its_declared_connections_and_its_ingress(capsys):
    assert main(["connlist", "--stack", "dev"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if "[Container]" not in line] == [
        "shop-api/api[Deployment] => shop-data/db[Deployment] : TCP 5432",
        "shop-web/web[Deployment] => shop-api/api[Deployment] : TCP 8080",
        "{ingress-controller} => shop-web/web[Deployment] : TCP 8080",
    ]


def test_connlist_of_the_dev_stack_lists_its_docker_half_as_docker_connects_it(capsys):
    # web joins frontend (not internal) and backend; api joins backend and data; db joins
    # data. Backend and data are internal, on netkit's nkint- bridges (no host access).
    assert main(["connlist", "--stack", "dev"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if "[Container]" in line] == [
        "local/netkit-dev-api[Container] => local/netkit-dev-db[Container] : All Connections",
        "local/netkit-dev-api[Container] => local/netkit-dev-web[Container] : All Connections",
        "local/netkit-dev-db[Container] => local/netkit-dev-api[Container] : All Connections",
        "local/netkit-dev-web[Container] => 0.0.0.0-255.255.255.255[External] : All Connections",
        "local/netkit-dev-web[Container] => local/netkit-dev-api[Container] : All Connections",
        "local/netkit-dev-web[Container] => local[Host] : All Connections",
        "local[Host] => local/netkit-dev-web[Container] : TCP 8080",
    ]


def test_explain_names_the_network_that_carries_a_docker_pair_or_why_none_does(capsys):
    assert main(["connlist", "--stack", "dev", "--explain"]) == 0
    text = capsys.readouterr().out
    assert (
        "local/netkit-dev-web[Container] => local/netkit-dev-api[Container] : All Connections\n"
        "    network: bridge 'netkit-dev-backend' on local (internal): both attached; "
        "local/netkit-dev-web resolves api, netkit-dev-api to it there\n"
    ) in text
    assert (
        "local/netkit-dev-db[Container] => local[Host] : No Connections\n"
        "    network: bridge 'netkit-dev-data' on local (internal): netkit's engines drop new "
        "connections from its bridge nkint-a63c2f11c (nkint-*) to the host\n"
    ) in text
    assert (
        "local[Host] => local/netkit-dev-web[Container] : TCP 8080\n"
        "    published: 127.0.0.1:18080 -> 8080/tcp on local (the loopback of local: the "
        "host only)\n"
    ) in text
