"""Each flow-file format, read from a fixture written from its documentation
(tests/fixtures/observed/README.md names the documents), and every bad line refused in
one line naming the file, the line, the field, the value and the fix."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from netkit.errors import one_line
from netkit.observed import FlowEnd, FlowFileError, FlowFormat, detect_format, read_flows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "observed"
AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _ends(flows):
    return [(f.src.describe(), f.dst.describe(), f.port, f.protocol) for f in flows]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("hubble.json", FlowFormat.HUBBLE),
        ("calico.json", FlowFormat.CALICO),
        ("gadget.json", FlowFormat.GADGET),
        ("conntrack.txt", FlowFormat.CONNTRACK),
    ],
)
def test_each_fixture_is_recognised_by_its_first_line(name, expected):
    assert detect_format(FIXTURES / name) is expected


def test_hubble_flows_name_pods_services_and_verdicts_and_fold_replies():
    flows = read_flows([FIXTURES / "hubble.json"])

    assert _ends(flows.flows) == [
        ("shop-web/web-7d4f9c6b5-x2x8k", "shop-api/api-5c9b7d8f4-qz7lm", 8080, "TCP"),
        ("shop-api/api-5c9b7d8f4-qz7lm", "shop-data/db-6f8d9c7b4-k2p9s", 5432, "TCP"),
        ("shop-api/api-5c9b7d8f4-qz7lm", "93.184.216.34", 443, "TCP"),
    ]
    assert flows.flows[0].src.address == "10.244.0.11"
    assert flows.flows[0].first_seen == datetime(2026, 12, 7, 10, 0, 0, 123456, tzinfo=UTC)
    assert _ends(flows.denied) == [
        ("shop-web/web-7d4f9c6b5-x2x8k", "shop-data/db-6f8d9c7b4-k2p9s", 5432, "TCP")
    ]
    assert flows.notes == (
        f"{FIXTURES / 'hubble.json'}: 1 reply flow(s) folded into the connections they answer",
    )
    assert flows.sees_denied


def test_calico_flow_logs_keep_aggregated_names_counts_and_denials():
    flows = read_flows([FIXTURES / "calico.json"])

    assert _ends(flows.flows) == [
        ("shop-web/web-7d4f9c6b5-*", "shop-api/api-5c9b7d8f4-*", 8080, "TCP"),
        ("shop-api/api-5c9b7d8f4-qz7lm", "shop-data/db-6f8d9c7b4-k2p9s", 5432, "TCP"),
        ("shop-api/api-5c9b7d8f4-*", "pub", 443, "TCP"),
    ]
    assert [f.count for f in flows.flows] == [12, 3, 1]
    assert [f.count for f in flows.denied] == [2]
    assert flows.window == (
        datetime(2026, 12, 7, 10, 0, tzinfo=UTC),
        datetime(2026, 12, 7, 10, 10, tzinfo=UTC),
    )


def test_gadget_trace_turns_incoming_packets_around_and_skips_tracer_messages():
    flows = read_flows([FIXTURES / "gadget.json"])

    assert _ends(flows.flows) == [
        ("shop-web/web-7d4f9c6b5-x2x8k", "shop-api/api", 8080, "TCP"),
        ("shop-web/web-7d4f9c6b5-x2x8k", "kube-system/kube-dns", 53, "UDP"),
        ("shop-api/api-5c9b7d8f4-qz7lm", "shop-data/db-6f8d9c7b4-k2p9s", 5432, "TCP"),
    ]
    assert flows.flows[0].dst == FlowEnd("10.96.0.20", "shop-api", "", "api")
    assert not flows.sees_denied


def test_conntrack_keeps_the_translated_destination_of_a_service_address():
    flows = read_flows([FIXTURES / "conntrack.txt"], observed_at=AT)

    first = flows.flows[0]
    assert (first.src.address, first.dst.address, first.port, first.translated) == (
        "10.244.0.11",
        "10.96.0.20",
        8080,
        "10.244.0.21",
    )
    assert flows.flows[3].translated == ""  # pod to pod: no translation
    assert (flows.flows[4].protocol, flows.flows[4].port) == ("ICMP", 0)
    assert flows.window == (AT, AT)
    assert flows.denied == () and not flows.sees_denied


def test_plain_conntrack_lines_and_the_summary_line_are_read(tmp_path):
    path = tmp_path / "ct.txt"
    path.write_text(
        "tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=80 "
        "src=10.0.0.2 dst=10.0.0.1 sport=80 dport=1 [ASSURED] mark=0 use=1\n"
        "conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n"
    )
    flows = read_flows([path], observed_at=AT)

    assert _ends(flows.flows) == [("10.0.0.1", "10.0.0.2", 80, "TCP")]
    assert flows.notes == (
        f"{path}:2: conntrack's summary line: conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.",
    )


def _refusal(tmp_path, text, flow_format=None):
    path = tmp_path / "flows"
    path.write_text(text)
    with pytest.raises(FlowFileError) as caught:
        read_flows([path], flow_format, observed_at=AT)
    message = str(caught.value)
    assert message == one_line(message)
    return message.replace(str(path), "FILE")


def test_a_bad_hubble_address_names_the_line_field_value_and_fix(tmp_path):
    good = json.loads((FIXTURES / "hubble.json").read_text().splitlines()[0])
    good["flow"]["IP"]["destination"] = "10.96.0.300"
    text = "\n" + json.dumps(good) + "\n"

    assert _refusal(tmp_path, text) == (
        "FILE:2: flow.IP.destination: '10.96.0.300' is no IP address; expected one like "
        "'10.244.0.5' or 'fd00::5'"
    )


def test_a_calico_line_without_its_port_is_refused(tmp_path):
    line = json.loads((FIXTURES / "calico.json").read_text().splitlines()[0])
    del line["dest_port"]

    assert _refusal(tmp_path, json.dumps(line), FlowFormat.CALICO) == (
        "FILE:1: dest_port: missing; export Calico flow logs as JSON lines "
        "(Calico's flow log data types)"
    )


def test_a_gadget_line_with_an_unknown_packet_type_is_refused(tmp_path):
    line = json.loads((FIXTURES / "gadget.json").read_text().splitlines()[1])
    line["pktType"] = "MULTICAST"

    assert _refusal(tmp_path, json.dumps(line)) == (
        "FILE:1: pktType: 'MULTICAST' is not 'OUTGOING' or 'HOST'"
    )


def test_a_conntrack_port_out_of_range_is_refused(tmp_path):
    text = "ipv4 2 tcp 6 10 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=70000\n"

    assert _refusal(tmp_path, text) == "FILE:1: dport: '70000' is out of range; a port is 0-65535"


def test_a_line_that_is_no_json_is_refused_in_a_json_format(tmp_path):
    assert _refusal(tmp_path, '{"flow": \n', FlowFormat.HUBBLE) == (
        "FILE:1: line: '{\"flow\":' is no JSON (Expecting value); expected one object a "
        'line, like {"flow": {"time": ..., "verdict": "FORWARDED", "IP": {...}, "l4": {...}}}'
    )


def test_a_hubble_flow_without_a_verdict_names_the_field(tmp_path):
    assert _refusal(tmp_path, '{"flow": {}}\n', FlowFormat.HUBBLE) == (
        "FILE:1: flow.verdict: missing; export with `hubble observe -o json`"
    )


def test_a_file_of_another_kind_asks_for_the_format(tmp_path):
    assert _refusal(tmp_path, "hello world\n") == (
        "FILE:1: the flow format is not recognised from this line; give "
        "--flows-format hubble|calico|gadget|conntrack"
    )


def test_a_folder_is_no_flow_file(tmp_path):
    with pytest.raises(FlowFileError, match="is no regular file"):
        read_flows([tmp_path], FlowFormat.HUBBLE)
