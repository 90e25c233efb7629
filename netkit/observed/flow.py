"""One observed flow: who sent what to whom, on which port, when, and how often.

Every reader (`netkit.observed.hubble`, `calico`, `gadget`, `conntrack`) turns its
format into `Flow`s; the mapping (`netkit.observed.mapping`) names their ends as the
model's workloads, Services and containers. A flow's ends carry what the format gives:
an address (conntrack), names (Calico), or both (Hubble, Inspektor Gadget).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from netkit.errors import NetkitError, printable, shown


class FlowFormat(StrEnum):
    """The flow files `netkit learn --flows-format` reads."""

    HUBBLE = "hubble"
    """`hubble observe -o json`: one JSON object per line."""
    CALICO = "calico"
    """Calico flow logs, one JSON object per line."""
    GADGET = "gadget"
    """`kubectl gadget trace network -o json`: one JSON object per line."""
    CONNTRACK = "conntrack"
    """`conntrack -L -o extended`, or a copy of /proc/net/nf_conntrack."""


class FlowFileError(NetkitError, ValueError):
    """A line of a flow file cannot be read."""


def bad_line(origin: str, line: int, field: str, value: object, fix: str) -> FlowFileError:
    """`FILE:LINE: FIELD: VALUE ...; FIX`, one line naming what is wrong and the fix."""
    return FlowFileError(f"{printable(origin)}:{line}: {field}: {shown(value)} {fix}")


@dataclass(frozen=True, slots=True)
class FlowEnd:
    """One end of a flow, as the file names it. Empty fields are unknown."""

    address: str = ""
    """The IP address, normalised (`str(ipaddress.ip_address(...))`)."""
    namespace: str = ""
    pod: str = ""
    """A pod's name as written (`web-7d4f9c-x2x8k`), or an aggregate (`web-7d4f9c-*`)."""
    service: str = ""
    """A Service's name, when the file names the Service rather than a pod."""

    def describe(self) -> str:
        if self.namespace and (self.pod or self.service):
            return f"{self.namespace}/{self.pod or self.service}"
        if self.pod:
            return self.pod
        return self.address or "(unknown)"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Flow:
    """`count` connections from `src` to `dst` on `port`/`protocol`, seen between
    `first_seen` and `last_seen`."""

    src: FlowEnd
    dst: FlowEnd
    port: int
    """The destination port (0 for ICMP and other protocols without ports)."""
    protocol: str
    """`TCP`, `UDP`, `SCTP`, `ICMP`, ..., upper case."""
    first_seen: datetime
    last_seen: datetime
    count: int = 1
    translated: str = ""
    """The address the connection reached after DNAT (conntrack's reply tuple): the pod
    behind a Service's cluster IP; "" when there was no translation or it is unknown."""
    denied: bool = False
    """A policy dropped it (Hubble's verdict DROPPED, Calico's action deny): an attempt,
    not a connection."""
    origin: str = ""
    """`FILE:LINE` it was read from."""
