"""The flow readers under generated input: what a line says is what is read, and any
line at all is a flow or one refused line, never another exception."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netkit.errors import NetkitError
from netkit.observed import FlowFormat, read_flows
from netkit.observed.conntrack import parse_line

EXAMPLES = int(os.environ.get("NETKIT_FUZZ_EXAMPLES", "60"))
PROPERTY = settings(
    max_examples=EXAMPLES, deadline=2000, suppress_health_check=[HealthCheck.too_slow]
)
AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

addresses = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(str)
ports = st.integers(0, 65535)
labels = st.from_regex(r"[a-z]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)


def _read(text: str, flow_format: FlowFormat | None):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "flows"
        path.write_text(text, encoding="utf-8")
        return read_flows([path], flow_format, observed_at=AT)


@PROPERTY
@given(
    family=st.sampled_from(["ipv4 2 ", "ipv6 10 ", ""]),
    protocol=st.sampled_from(
        [("tcp", 6, "ESTABLISHED "), ("udp", 17, ""), ("sctp", 132, "ESTABLISHED ")]
    ),
    src=addresses,
    dst=addresses,
    reached=st.one_of(st.none(), addresses),
    sport=ports,
    dport=ports,
)
def test_a_conntrack_line_reads_back_its_tuple_and_translation(
    family, protocol, src, dst, reached, sport, dport
):
    name, number, state = protocol
    answer = reached or dst
    line = (
        f"{family}{name} {number} 117 {state}src={src} dst={dst} sport={sport} dport={dport} "
        f"src={answer} dst={src} sport={dport} dport={sport} [ASSURED] mark=0 use=1"
    )
    flow = parse_line(line, "ct", 1, AT)

    assert (flow.src.address, flow.dst.address, flow.port, flow.protocol) == (
        src,
        dst,
        dport,
        name.upper(),
    )
    assert flow.translated == ("" if answer == dst else answer)


@PROPERTY
@given(
    src=addresses,
    dst=addresses,
    namespace=labels,
    pod=labels,
    port=ports,
    protocol=st.sampled_from(["TCP", "UDP", "SCTP"]),
    verdict=st.sampled_from(["FORWARDED", "DROPPED", "AUDIT", "ERROR"]),
    nanos=st.integers(0, 999_999_999),
)
def test_a_hubble_flow_reads_back_its_ends_port_and_verdict(
    src, dst, namespace, pod, port, protocol, verdict, nanos
):
    flow = {
        "time": f"2026-12-07T10:00:00.{nanos:09d}Z",
        "verdict": verdict,
        "IP": {"source": src, "destination": dst},
        "l4": {protocol: {"source_port": 1, "destination_port": port}},
        "source": {"namespace": namespace, "pod_name": pod},
        "destination": {"namespace": namespace, "pod_name": pod + "-0"},
    }
    flows = _read(json.dumps({"flow": flow}) + "\n", None)

    (read,) = flows.flows + flows.denied
    assert read.denied == (verdict in ("DROPPED", "ERROR"))
    assert (read.src.address, read.src.pod, read.dst.pod, read.port, read.protocol) == (
        src,
        pod,
        pod + "-0",
        port,
        protocol,
    )
    assert read.first_seen.microsecond == nanos // 1000


@PROPERTY
@given(
    start=st.integers(0, 4_000_000_000),
    length=st.integers(0, 86_400),
    count=st.integers(1, 10**6),
    action=st.sampled_from(["allow", "deny"]),
    namespace=labels,
    name=labels,
    port=ports,
)
def test_a_calico_entry_reads_back_its_window_count_and_action(
    start, length, count, action, namespace, name, port
):
    entry = {
        "start_time": start,
        "end_time": start + length,
        "action": action,
        "source_namespace": namespace,
        "source_name": "-",
        "source_name_aggr": f"{name}-*",
        "dest_namespace": namespace,
        "dest_name": name,
        "dest_name_aggr": f"{name}-*",
        "dest_port": port,
        "proto": "udp",
        "num_flows": count,
    }
    flows = _read(json.dumps(entry) + "\n", FlowFormat.CALICO)

    (read,) = flows.flows + flows.denied
    assert read.denied == (action == "deny")
    assert (read.count, read.port, read.protocol, read.src.pod) == (count, port, "UDP", f"{name}-*")
    assert (read.last_seen - read.first_seen).total_seconds() == length


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12) | addresses,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
KEYS = [
    "flow",
    "IP",
    "l4",
    "TCP",
    "verdict",
    "time",
    "source",
    "destination",
    "pktType",
    "proto",
    "port",
    "remoteKind",
    "remoteAddr",
    "namespace",
    "pod",
    "dest_port",
    "action",
    "source_namespace",
    "dest_namespace",
    "start_time",
    "end_time",
    "num_flows",
]


@PROPERTY
@given(
    document=st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8),
    flow_format=st.sampled_from([None, *FlowFormat]),
)
def test_any_json_line_is_a_flow_or_one_refused_line(document, flow_format):
    try:
        _read(json.dumps(document) + "\n", flow_format)
    except NetkitError as error:
        assert len(error.problems) == 1 and "\n" not in str(error)


@PROPERTY
@given(
    text=st.text(
        alphabet=st.sampled_from(list("ipv46 tcpud=srcdtpo0123456789.:[]ASURED")), max_size=120
    )
)
def test_any_text_line_is_a_conntrack_entry_or_one_refused_line(text):
    try:
        _read(text + "\n", FlowFormat.CONNTRACK)
    except NetkitError as error:
        assert len(error.problems) == 1
