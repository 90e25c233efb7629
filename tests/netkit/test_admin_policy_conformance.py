"""netkit agrees with netpol-analyzer on every AdminNetworkPolicy and
BaselineAdminNetworkPolicy case of its public test suite.

Each folder under shared/conformance/netpol-analyzer-anp/cases holds manifests and either
the connectivity list netpol-analyzer printed (the lines, sorted, must be equal) or the
error it stopped with (netkit must refuse the input too, in one line, for the same
fault). netkit words its errors its own way, naming the file, object and field; the map
below pairs each of netpol-analyzer's messages with netkit's for the same fault, as the
corpus's README asks.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netkit.connlist import render
from netkit.errors import ManifestError
from netkit.manifests import load_manifests
from netkit.reachability import analyze
from tests.conformance import cases, corpus

CORPUS = corpus("netpol-analyzer-anp")
CASES = cases("netpol-analyzer-anp")
LISTS = [case for case in CASES if (case / "expected_connlist.txt").exists()]
ERRORS = [case for case in CASES if (case / "expected_error.txt").exists()]

# netpol-analyzer's message (a regular expression over its text) -> netkit's message for
# the same fault (a template over the groups it captured).
SAME_FAULT: list[tuple[str, str]] = [
    (
        r"^Two policies are considered to be conflicting if they are assigned the same priority",
        r"spec\.priority: \d+ is also the priority of AdminNetworkPolicy \S+ .*give each a "
        r"priority of its own",
    ),
    (
        r'^Invalid Priority Value: (\d+) in Admin Network Policy: "([^"]+)"; Priority value '
        r"must be between 0-1000",
        r"\(AdminNetworkPolicy \2\): spec\.priority: priority \1 is outside 0-1000",
    ),
    (
        r'^an AdminNetworkPolicy "([^"]+)" is already exists',
        r"\(AdminNetworkPolicy \1\): metadata\.name: AdminNetworkPolicy \1 is also declared in",
    ),
    (
        r"^only one baseline admin network policy may be provided in input resources",
        r"metadata\.name: BaselineAdminNetworkPolicy default is also declared in",
    ),
    (
        r"^only one baseline admin network policy with metadata\.name=default",
        r"metadata\.name: '[^']+': a BaselineAdminNetworkPolicy must be named 'default'",
    ),
    (
        r"^(to|from) field must be defined and contain at least one item",
        r"\.\1: a rule needs at least one peer in '\1'",
    ),
    (
        r"^unrecognized action",
        r"\.action: ('[^']*' is not|no action is set; it needs) a rule action",
    ),
    (r"^exactly one field must be set in a rule peer", r"\]: a peer needs exactly one of"),
    (
        r"^exactly one field must be set in an AdminNetworkPolicyPort",
        r"\]: a port needs exactly one of",
    ),
    (
        r"^exactly one field must be set in a subject",
        r"spec\.subject: a subject needs exactly one of",
    ),
    (r"^invalid CIDR address", r"networks\[\d+\]: '[^']+' is not a CIDR"),
    (
        r"^port range (\d+)-(\d+) is legal",
        r"portRange: port range \1-\2: the end is below the start",
    ),
    (
        r"^Found Pods of the same owner workload `([^`]+)` and with differences in their labels",
        r"\(\1\[\w+\]\): pods of the same owner differ in their labels",
    ),
]


def netkit_message_for(expected: str) -> str:
    """The pattern netkit's message must match, for netpol-analyzer's `expected` text."""
    for theirs, ours in SAME_FAULT:
        found = re.match(theirs, expected)
        if found:
            # \1, \2 in netkit's pattern stand for what netpol-analyzer's message captured.
            pattern = ours
            for number, group in enumerate(found.groups(), start=1):
                pattern = pattern.replace(f"\\{number}", re.escape(group))
            return pattern
    raise AssertionError(f"no netkit message is paired with {expected!r}; add it to SAME_FAULT")


def test_the_corpus_is_present_with_its_40_lists_and_35_refusals():
    assert len(LISTS) == 40, f"expected 40 connectivity cases under {CORPUS / 'cases'}"
    assert len(ERRORS) == 35, f"expected 35 error cases under {CORPUS / 'cases'}"


@pytest.mark.parametrize("case", LISTS, ids=[case.name for case in LISTS])
def test_connlist_matches_netpol_analyzer(case: Path):
    expected = (case / "expected_connlist.txt").read_text().splitlines()
    output = render(analyze(load_manifests([case])).connections(), "txt")
    assert sorted(output.splitlines()) == sorted(line for line in expected if line.strip())


@pytest.mark.parametrize("case", ERRORS, ids=[case.name for case in ERRORS])
def test_inputs_netpol_analyzer_refuses_are_refused_in_one_line_for_the_same_fault(case: Path):
    expected = (case / "expected_error.txt").read_text()
    with pytest.raises(ManifestError) as refused:
        load_manifests([case])
    message = str(refused.value)
    assert "\n" not in message
    assert re.search(netkit_message_for(expected), message), message


def test_every_message_of_the_map_is_used_by_a_case():
    texts = [(case / "expected_error.txt").read_text() for case in ERRORS]
    for theirs, _ in SAME_FAULT:
        assert any(re.match(theirs, text) for text in texts), theirs


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("anp_and_banp_using_networks_with_ipv6_test", "IPv6 network ff06::/3 left out"),
        ("anp_banp_test_multiple_warnings", "IPv6 network fd00::/8 left out"),
        ("anp_and_banp_using_networks_and_nodes_test", "no Node is loaded, so they match nothing"),
        ("anp_test_named_ports_multiple_peers", "a named port in a rule with networks or nodes"),
    ],
)
def test_what_netpol_analyzer_warns_about_is_a_note(name: str, note: str):
    model = load_manifests([CORPUS / "cases" / name])
    assert any(note in line for line in model.notes), model.notes
