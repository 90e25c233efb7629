from __future__ import annotations

from netkit_cli.main import main


def test_connlist_of_the_dev_stack_is_exactly_its_declared_connections_and_its_ingress(capsys):
    assert main(["connlist", "--stack", "dev"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "shop-api/api[Deployment] => shop-data/db[Deployment] : TCP 5432",
        "shop-web/web[Deployment] => shop-api/api[Deployment] : TCP 8080",
        "{ingress-controller} => shop-web/web[Deployment] : TCP 8080",
    ]
