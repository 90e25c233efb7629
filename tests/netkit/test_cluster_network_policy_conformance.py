"""netkit agrees with the network-policy API's ClusterNetworkPolicy conformance tests.

Each folder under shared/conformance/network-policy-api/cases is one state of the
cluster a conformance test builds (namespaces, nodes, pods with their addresses, the
policies as they stand), with the probes the Go test asserts in that state: a client pod,
a server pod, a protocol and a port, and whether it must connect. As the corpus's README
says, a probe is allowed when the client's egress and the server's ingress both admit it:
`Reachability.allowed` between the two pods (each a bare Pod, its own workload).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netkit.manifests import load_manifests
from netkit.reachability import analyze
from tests.conformance import cases, corpus

CORPUS = corpus("network-policy-api")
CASES = cases("network-policy-api")


def probes(case: Path) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads((case / "expected_probes.json").read_text())
    return loaded


def test_the_corpus_is_present_with_its_60_states_and_301_probes():
    assert len(CASES) == 60, f"expected 60 cases under {CORPUS / 'cases'}"
    assert sum(len(probes(case)) for case in CASES) == 301


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_probe_is_judged_as_the_conformance_test_asserts_it(case: Path):
    reach = analyze(load_manifests([case]))
    wrong = []
    for probe in probes(case):
        conns = reach.allowed(f"{probe['from']}[Pod]", f"{probe['to']}[Pod]")
        if conns.allows(probe["protocol"], probe["port"]) != probe["allowed"]:
            wrong.append(
                f"{probe['test']} ({probe['file']}:{probe['line']}): {probe['from']} -> "
                f"{probe['to']} {probe['port']}/{probe['protocol']} should be "
                f"{'allowed' if probe['allowed'] else 'denied'}; netkit allows {conns}"
            )
    assert not wrong, "\n".join(wrong)
