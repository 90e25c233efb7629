"""netkit connlist agrees with the NetworkPolicy recipes and the Kubernetes e2e tests.

Each folder under shared/conformance/netpol-recipes-e2e/cases holds manifests and
`probes.json`: source, destination, port and whether the source (a recipe's transcript,
or the Reachability table of an e2e test run on a real cluster) says it is allowed. The
probe is judged from the connectivity list alone, as the corpus's README says, so the
judge below parses `netkit connlist` text rather than asking netkit's own data.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from netkit.connlist import render
from netkit.manifests import load_manifests
from netkit.reachability import analyze
from tests.conformance import cases, corpus

CORPUS = corpus("netpol-recipes-e2e")
CASES = cases("netpol-recipes-e2e")

Line = tuple[str, str, str]


def _lines(text: str) -> list[Line]:
    lines = []
    for line in text.splitlines():
        if " => " not in line:
            continue
        src, rest = line.split(" => ", 1)
        dst, conns = rest.split(" : ", 1)
        lines.append((src.strip(), dst.strip(), conns.strip()))
    return lines


def _holds(conns: str, port: str) -> bool:
    """Whether `TCP 80-81,UDP 53` (or `All Connections`) holds `TCP/80`."""
    if conns == "All Connections":
        return True
    protocol, number = port.split("/")
    current = None
    for token in conns.split(","):
        token = token.strip()
        if " " in token:
            current, token = token.split(" ", 1)
        if current != protocol:
            continue
        first, _, last = token.partition("-")
        if int(first) <= int(number) <= int(last or first):
            return True
    return False


def _matches(endpoint: str, named: str) -> bool:
    if not endpoint.startswith("ext:"):
        return endpoint == named
    if not named.endswith("[External]"):
        return False
    first, last = named.removesuffix("[External]").split("-")
    address = ipaddress.ip_address(endpoint.removeprefix("ext:"))
    low, high = ipaddress.ip_address(first), ipaddress.ip_address(last)
    return address.version == low.version and low <= address <= high  # type: ignore[operator]


def allowed(lines: list[Line], probe: dict[str, Any]) -> bool:
    return any(
        _matches(probe["src"], src) and _matches(probe["dst"], dst) and _holds(conns, probe["port"])
        for src, dst, conns in lines
    )


def test_the_corpus_is_present_with_its_77_cases_and_550_probes() -> None:
    assert len(CASES) == 77, f"expected 77 cases under {CORPUS / 'cases'}"
    probes = sum(len(json.loads((c / "probes.json").read_text())["probes"]) for c in CASES)
    assert probes == 550


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_connlist_agrees_with_every_probe_the_source_states(case: Path, tmp_path: Path) -> None:
    for path in case.iterdir():
        if path.name != "probes.json":
            shutil.copy(path, tmp_path / path.name)
    probes = json.loads((case / "probes.json").read_text())["probes"]

    lines = _lines(render(analyze(load_manifests([tmp_path])).connections(), "txt"))

    disagree = [p for p in probes if allowed(lines, p) != p["allowed"]]
    assert not disagree, "\n".join(
        f"{p['src']} -> {p['dst']} {p['port']}: source says "
        f"{'allowed' if p['allowed'] else 'blocked'}"
        for p in disagree
    )
