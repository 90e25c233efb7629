"""The example program runs as another team's project would, and declares what it says."""

from __future__ import annotations

import runpy
from pathlib import Path

from netkit_cli.synth import record_resources

EXAMPLE = Path(__file__).parents[2] / "examples" / "team-payments" / "__main__.py"
POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


def _run_example() -> None:
    runpy.run_path(str(EXAMPLE), run_name="__main__")


def _declared() -> dict[str, list[dict]]:
    records = record_resources(
        _run_example,
        stack="dev",
        config={"team-payments:namespace": "payments"},
    )
    by_type: dict[str, list[dict]] = {}
    for record in records:
        by_type.setdefault(record.type, []).append(record.inputs)
    return by_type


def test_example_declares_a_bridge_two_services_and_least_privilege_policies():
    declared = _declared()
    assert [n["name"] for n in declared["docker:index/network:Network"]] == ["payments-ledger"]
    names = sorted(p["metadata"]["name"] for p in declared[POLICY])
    assert names == [
        "allow-dns-egress",
        "default-deny",
        "egress-payments-gateway-to-payments-ledger",
        "ingress-cidr-198-51-100-0-24-to-payments-gateway",
        "ingress-payments-gateway-to-payments-ledger",
    ]
    assert sorted(d["metadata"]["name"] for d in declared["kubernetes:apps/v1:Deployment"]) == [
        "gateway",
        "ledger",
    ]
