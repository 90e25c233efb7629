"""netkit agrees with every outcome the Calico documentation states about its examples.

Each folder under shared/conformance/calico-policy-docs/cases holds a documented example
(its policies, and the cluster the text describes) with the outcomes the docs state: a
source, a destination (`namespace/pod` or `ext:ADDRESS`), a protocol and port (or an ICMP
type and code), and whether it is allowed. A probe is allowed when the source's egress and
the destination's ingress both allow it: `Reachability.allowed` between the two peers, an
address being the external range that holds it.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest

from netkit.manifests import load_manifests
from netkit.reachability import Peer, Reachability, analyze
from tests.conformance import cases, corpus

CORPUS = corpus("calico-policy-docs")
CASES = cases("calico-policy-docs")


def probes(case: Path) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads((case / "expected_probes.json").read_text())
    return loaded


def peer(reach: Reachability, name: str, *, outgoing: bool) -> Peer | str:
    """The pod `namespace/name`, or for `ext:ADDRESS` the external range holding it on that
    side of the pair (a destination's ranges are cut by egress rules, a source's by ingress
    rules)."""
    if name.startswith("ext:"):
        return reach.external(ipaddress.ip_address(name.removeprefix("ext:")), outgoing=outgoing)
    return f"{name}[Pod]"


def test_the_corpus_is_present_with_its_25_examples_and_53_outcomes():
    assert len(CASES) == 25, f"expected 25 cases under {CORPUS / 'cases'}"
    assert sum(len(probes(case)) for case in CASES) == 53


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_outcome_is_judged_as_the_documentation_states_it(case: Path):
    reach = analyze(load_manifests([case]))
    wrong = []
    for probe in probes(case):
        src, dst = probe["from"], probe["to"]
        conns = reach.allowed(peer(reach, src, outgoing=False), peer(reach, dst, outgoing=True))
        if probe["protocol"] == "ICMP":
            icmp = probe["icmp"]
            got = conns.allows_icmp(icmp["type"], icmp.get("code") or 0)
        else:
            got = conns.allows(probe["protocol"], probe["port"])
        if got != probe["allowed"]:
            wrong.append(
                f"{src} -> {dst} {probe['protocol']} {probe.get('port') or probe.get('icmp')}: "
                f"the docs say {'allowed' if probe['allowed'] else 'denied'} "
                f"({probe['source']['quote']}); netkit allows {conns.text(icmp=True)}"
            )
    assert not wrong, "\n".join(wrong)
