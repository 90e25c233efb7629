"""Calico flow logs as JSON lines: one flow log entry per line.

The fields read are those of Calico's "Flow log data types" reference: `start_time`
and `end_time` (seconds since 1970), `action` (`allow` or `deny`), `source_namespace`,
`source_name` (`-` when aggregated) and `source_name_aggr` (`web-7d4f9c-*`), `source_ip`
(absent or null when aggregated), the same four for `dest_`, `dest_service_namespace`
and `dest_service_name`, `dest_port`, `proto` and `num_flows`. A namespace of `-` means
the endpoint is not namespaced: a host or a network (`pvt`, `pub`).

`action: deny` entries are attempts a policy denied (`Flow.denied`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from netkit.observed import lines
from netkit.observed.flow import Flow, FlowEnd, bad_line

EXAMPLE = '{"start_time": 1714557600, "source_namespace": "shop", "dest_port": 8080, "action": "allow", ...}'
FIX = "export Calico flow logs as JSON lines (Calico's flow log data types)"


def _end(document: Mapping[str, Any], side: str, origin: str, line: int) -> FlowEnd:
    namespace = lines.text(
        lines.field(document, f"{side}_namespace", origin, line, FIX),
        origin,
        line,
        f"{side}_namespace",
    )
    name = lines.text(document.get(f"{side}_name"), origin, line, f"{side}_name")
    aggregated = lines.text(document.get(f"{side}_name_aggr"), origin, line, f"{side}_name_aggr")
    ip = document.get(f"{side}_ip")
    address = lines.address(ip, origin, line, f"{side}_ip") if ip not in (None, "", "-") else ""
    if namespace in ("", "-"):  # a host or a network: only its address says which
        return FlowEnd(address=address, pod="" if address else (aggregated or name))
    pod = name if name not in ("", "-") else aggregated
    if not pod:
        raise bad_line(origin, line, f"{side}_name_aggr", aggregated, f"is empty; {FIX}")
    return FlowEnd(address=address, namespace=namespace, pod=pod)


def read_calico(path: Path, notes: list[str]) -> Iterator[Flow]:
    """The flows of a Calico flow log file (JSON lines)."""
    del notes  # nothing to note: every entry is one flow record
    for number, text in lines.numbered_lines(path):
        origin = str(path)
        document = lines.json_object(text, origin, number, EXAMPLE)
        action = lines.field(document, "action", origin, number, FIX)
        if action not in ("allow", "deny"):
            raise bad_line(origin, number, "action", action, "is not 'allow' or 'deny'")
        dst = _end(document, "dest", origin, number)
        service = document.get("dest_service_name")
        if service not in (None, "", "-"):
            dst = FlowEnd(
                address=dst.address,
                pod=dst.pod,
                namespace=lines.text(
                    document.get("dest_service_namespace"), origin, number, "dest_service_namespace"
                ),
                service=lines.text(service, origin, number, "dest_service_name"),
            )
        count = document.get("num_flows", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise bad_line(
                origin, number, "num_flows", count, "is no count; expected a whole number"
            )
        yield Flow(
            src=_end(document, "source", origin, number),
            dst=dst,
            port=lines.port(
                lines.field(document, "dest_port", origin, number, FIX), origin, number, "dest_port"
            ),
            protocol=lines.protocol(
                lines.field(document, "proto", origin, number, FIX), origin, number, "proto"
            ),
            first_seen=lines.epoch(
                lines.field(document, "start_time", origin, number, FIX),
                origin,
                number,
                "start_time",
            ),
            last_seen=lines.epoch(
                lines.field(document, "end_time", origin, number, FIX), origin, number, "end_time"
            ),
            count=max(count, 1),
            denied=action == "deny",
            origin=f"{path}:{number}",
        )
