"""`netkit connlist --exposure` judges netpol-analyzer's exposure cases as it does.

Each folder under shared/conformance/netpol-analyzer-exposure/cases holds manifests and
the whole output of `netpol-analyzer list --exposure` for them; the text must be equal,
byte for byte (upstream compares it after deleting line breaks, so order, spaces and
tabs all count). On a difference the actual output is written beside the test's
temporary folder and the diff shown.

Nine cases hold AdminNetworkPolicy or BaselineAdminNetworkPolicy objects: their potential
peers are walked through the same tiers as pods, so they are judged like the rest; a test
checks that they are there, so none drops out of the corpus silently.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from netkit.connlist import render
from netkit.manifests import load_manifests
from netkit.reachability import analyze
from netkit.reachability.exposure import exposure
from netkit_cli.main import main
from tests.conformance import cases

ALL = cases("netpol-analyzer-exposure")
ADMIN = {
    "anp_banp_blog_demo",
    "exposure_test_with_anp_1",
    "exposure_test_with_anp_12",
    "exposure_test_with_anp_14",
    "exposure_test_with_anp_16",
    "exposure_test_with_anp_5_entire_cluster_example",
    "exposure_test_with_anp_6_entire_cluster_example",
    "exposure_test_with_anp_8",
    "exposure_test_with_anp_9",
}
"""The cases with AdminNetworkPolicy or BaselineAdminNetworkPolicy objects."""


def _holds_admin_policies(case: Path) -> bool:
    return any(
        "AdminNetworkPolicy" in path.read_text(errors="replace")
        for path in case.rglob("*")
        if path.suffix in (".yaml", ".yml", ".json")
    )


def test_the_corpus_has_its_57_cases_all_judged_the_nine_with_admin_policies_among_them():
    assert len(ALL) == 57
    assert {case.name for case in ALL if _holds_admin_policies(case)} == ADMIN


def _output(case: Path) -> str:
    reach = analyze(load_manifests([case]))
    return render(reach.connections(), "txt", exposure=exposure(reach)) + "\n"


@pytest.mark.parametrize("case", ALL, ids=[case.name for case in ALL])
def test_exposure_matches_netpol_analyzer(case: Path, tmp_path: Path):
    expected = (case / "expected_exposure_output.txt").read_text()
    actual = _output(case)
    if actual != expected:
        (tmp_path / "actual_exposure_output.txt").write_text(actual)
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True), actual.splitlines(True), "expected", "actual"
            )
        )
        pytest.fail(f"exposure differs (actual in {tmp_path}):\n{diff}")


def test_the_command_prints_the_same_text(capsys):
    case = next(c for c in ALL if c.name == "onlineboutique_workloads")
    assert main(["connlist", "--exposure", str(case)]) == 0
    assert capsys.readouterr().out == (case / "expected_exposure_output.txt").read_text()
