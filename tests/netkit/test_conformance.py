"""netkit connlist agrees with netpol-analyzer on every case of the conformance corpus.

Each folder under shared/conformance/netpol-analyzer/cases holds manifests and the
connectivity list netpol-analyzer printed for them; the lines, sorted, must be equal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netkit.connlist import render
from netkit.manifests import load_manifests
from netkit.reachability import analyze
from tests.conformance import cases, corpus

CORPUS = corpus("netpol-analyzer")
CASES = cases("netpol-analyzer")


def test_the_corpus_is_present_with_its_42_cases():
    # Without this, a moved corpus would turn the parametrized test below into 0 tests.
    assert len(CASES) == 42, f"expected 42 cases under {CORPUS / 'cases'}"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_connlist_matches_netpol_analyzer(case: Path):
    expected = (case / "expected_connlist.txt").read_text().splitlines()
    model = load_manifests([case])
    output = render(analyze(model).connections(), "txt")
    assert sorted(output.splitlines()) == sorted(line for line in expected if line.strip())
