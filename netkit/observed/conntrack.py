"""The kernel's connection tracking table as text.

`conntrack -L -o extended` prints one tracked connection a line, as /proc/net/nf_conntrack
holds them (the conntrack(8) manual; the table's format is the kernel's):

    ipv4     2 tcp      6 431999 ESTABLISHED src=10.244.0.5 dst=10.96.0.20 sport=43122 dport=8080 src=10.244.1.7 dst=10.244.0.5 sport=8080 dport=43122 [ASSURED] mark=0 zone=0 use=2

the address family and its number (without `-o extended`, plain `conntrack -L` leaves
them out), the protocol and its number, the seconds left, the TCP state, then the
original direction's tuple (`src dst sport dport`; ICMP has `type code id`), flags such
as `[UNREPLIED]`, and the reply direction's tuple. When the reply comes from another
address than the original destination, the kernel translated it (DNAT): a Service's
cluster IP was sent to, and the reply tuple's source is the pod it reached.

A table holds connections, never the attempts a policy dropped: those leave no entry
(only Hubble and Calico files show them, as denied flows). The table has no times
either: every entry is dated `observed_at`, the moment it was sampled.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from netkit.observed import lines
from netkit.observed.flow import Flow, FlowEnd, bad_line

EXAMPLE = "ipv4 2 tcp 6 431999 ESTABLISHED src=10.244.0.5 dst=10.96.0.20 sport=43122 dport=8080 src=... dst=... sport=... dport=..."
SUMMARY = "conntrack v"
"""conntrack(8)'s closing line on standard error (`conntrack v1.4.7 (conntrack-tools): 5
flow entries have been shown.`), there when both outputs were saved to one file."""


def parse_line(text: str, origin: str, number: int, observed_at: datetime) -> Flow:
    """One table line as a flow; anything that is not one is refused naming the field."""
    tokens = text.split()
    if tokens[0] in ("ipv4", "ipv6"):
        tokens = tokens[2:]
    if len(tokens) < 4:
        raise bad_line(
            origin,
            number,
            "line",
            text,
            f"is too short for a conntrack entry; expected one like {EXAMPLE}",
        )
    name, code = tokens[0], tokens[1]
    if not code.isdigit():
        raise bad_line(
            origin, number, "protocol number", code, f"is no number; expected a line like {EXAMPLE}"
        )
    protocol = lines.protocol(name if name != "unknown" else code, origin, number, "protocol")
    tuples: list[dict[str, str]] = [{}, {}]
    side = 0
    for token in tokens[3:]:
        key, equals, value = token.partition("=")
        if not equals:
            continue  # the TCP state, [UNREPLIED], [ASSURED], [OFFLOAD]
        if key in ("src", "dst", "sport", "dport", "type", "code", "id"):
            if key in tuples[side]:
                side += 1
                if side > 1:
                    raise bad_line(
                        origin, number, key, value, "appears three times; an entry has two tuples"
                    )
            tuples[side][key] = value
    original, reply = tuples
    for key in ("src", "dst"):
        if key not in original:
            raise bad_line(origin, number, key, None, f"is missing; expected a line like {EXAMPLE}")
    src = lines.address(original["src"], origin, number, "src")
    dst = lines.address(original["dst"], origin, number, "dst")
    port = 0
    if protocol in ("TCP", "UDP", "SCTP", "DCCP", "UDPLITE"):
        if "dport" not in original:
            raise bad_line(
                origin,
                number,
                "dport",
                None,
                f"is missing for {protocol}; expected a line like {EXAMPLE}",
            )
        port = lines.port(original["dport"], origin, number, "dport")
    translated = ""
    if "src" in reply:
        answered = lines.address(reply["src"], origin, number, "reply src")
        translated = answered if answered != dst else ""
    return Flow(
        src=FlowEnd(address=src),
        dst=FlowEnd(address=dst),
        port=port,
        protocol=protocol,
        first_seen=observed_at,
        last_seen=observed_at,
        translated=translated,
        origin=f"{origin}:{number}",
    )


def read_conntrack(path: Path, notes: list[str], observed_at: datetime) -> Iterator[Flow]:
    """The flows of a saved table; conntrack(8)'s summary line is a note."""
    for number, text in lines.numbered_lines(path):
        if text.startswith(SUMMARY):
            notes.append(f"{path}:{number}: conntrack's summary line: {text}")
            continue
        yield parse_line(text, str(path), number, observed_at)
