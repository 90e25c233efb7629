"""Hubble's JSON flow export: `hubble observe -o json`, one JSON object per line.

Each line is `{"flow": {...}, "node_name": ..., "time": ...}` (older releases print the
flow object itself). A flow has `time`, `verdict` (FORWARDED, DROPPED, ...), `IP`
(`source`, `destination`), `l4` (`TCP`/`UDP`/`SCTP` with `destination_port`, or
`ICMPv4`/`ICMPv6`), and `source`/`destination` endpoints with `namespace`, `pod_name`
and `labels`; `destination_service` names the Service a cluster IP was sent to, and
`is_reply` marks the packets of the answering side. Documented by Cilium's "Inspecting
Network Flows with the CLI" and the `flow.proto` API reference.

Replies are folded into the connection they answer (counted in `notes`); DROPPED and
ERROR verdicts are attempts a policy denied (`Flow.denied`); lost-event records say the
window is incomplete (a note).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from netkit.observed import lines
from netkit.observed.flow import Flow, FlowEnd, bad_line

EXAMPLE = '{"flow": {"time": ..., "verdict": "FORWARDED", "IP": {...}, "l4": {...}}}'
DENIED = frozenset({"DROPPED", "ERROR"})
VERDICTS = frozenset(
    {"FORWARDED", "DROPPED", "ERROR", "AUDIT", "REDIRECTED", "TRACED", "TRANSLATED"}
)
PORTED = ("TCP", "UDP", "SCTP")


def _end(endpoint: object, address: str, origin: str, line: int, name: str) -> FlowEnd:
    if endpoint is None:
        return FlowEnd(address=address)
    if not isinstance(endpoint, dict):
        raise bad_line(
            origin, line, name, endpoint, "is no endpoint; expected {namespace, pod_name, labels}"
        )
    return FlowEnd(
        address=address,
        namespace=lines.text(endpoint.get("namespace"), origin, line, f"{name}.namespace"),
        pod=lines.text(endpoint.get("pod_name"), origin, line, f"{name}.pod_name"),
    )


def _l4(flow: Mapping[str, Any], origin: str, line: int) -> tuple[int, str]:
    l4 = flow.get("l4")
    if not isinstance(l4, dict) or not l4:
        raise bad_line(
            origin,
            line,
            "flow.l4",
            l4,
            "is missing or empty; export L3/L4 flows (hubble observe -t l7 flows carry l4 too)",
        )
    for name in PORTED:
        if name in l4:
            ports = l4[name]
            if not isinstance(ports, dict):
                raise bad_line(origin, line, f"flow.l4.{name}", ports, "is no mapping of ports")
            value = ports.get("destination_port", 0)
            return lines.port(value, origin, line, f"flow.l4.{name}.destination_port"), name
    protocol = next(iter(l4))
    return 0, lines.protocol(protocol, origin, line, "flow.l4")


def read_hubble(path: Path, notes: list[str]) -> Iterator[Flow]:
    """The flows of a `hubble observe -o json` file; replies and lost events in `notes`."""
    replies = 0
    for number, text in lines.numbered_lines(path):
        origin = str(path)
        document = lines.json_object(text, origin, number, EXAMPLE)
        if "lost_events" in document:
            notes.append(
                f"{path}:{number}: Hubble lost events here; the flows of this window are incomplete"
            )
            continue
        flow = document.get("flow", document if "IP" in document else None)
        if not isinstance(flow, dict):
            raise bad_line(
                origin,
                number,
                "flow",
                flow,
                f"is missing; expected a line of `hubble observe -o json`, like {EXAMPLE}",
            )
        if flow.get("is_reply") is True:
            replies += 1
            continue
        verdict = lines.field(
            flow, "verdict", origin, number, "export with `hubble observe -o json`", "flow."
        )
        if not isinstance(verdict, str) or verdict not in VERDICTS:
            raise bad_line(
                origin, number, "flow.verdict", verdict, f"is not one of {sorted(VERDICTS)}"
            )
        ip = lines.field(
            flow, "IP", origin, number, "flows without IP (L2) cannot be mapped", "flow."
        )
        src = lines.address(
            lines.field(ip, "source", origin, number, "every IP flow has one", "flow.IP."),
            origin,
            number,
            "flow.IP.source",
        )
        dst = lines.address(
            lines.field(ip, "destination", origin, number, "every IP flow has one", "flow.IP."),
            origin,
            number,
            "flow.IP.destination",
        )
        port, protocol = _l4(flow, origin, number)
        moment = lines.rfc3339(
            lines.field(flow, "time", origin, number, "every Hubble flow has a time", "flow."),
            origin,
            number,
            "flow.time",
        )
        dst_end = _end(flow.get("destination"), dst, origin, number, "flow.destination")
        service = flow.get("destination_service")
        if isinstance(service, dict) and service.get("name"):
            dst_end = FlowEnd(
                address=dst,
                pod=dst_end.pod,
                namespace=lines.text(
                    service.get("namespace"), origin, number, "flow.destination_service.namespace"
                ),
                service=lines.text(
                    service.get("name"), origin, number, "flow.destination_service.name"
                ),
            )
        yield Flow(
            src=_end(flow.get("source"), src, origin, number, "flow.source"),
            dst=dst_end,
            port=port,
            protocol=protocol,
            first_seen=moment,
            last_seen=moment,
            denied=verdict in DENIED,
            origin=f"{path}:{number}",
        )
    if replies:
        notes.append(f"{path}: {replies} reply flow(s) folded into the connections they answer")
