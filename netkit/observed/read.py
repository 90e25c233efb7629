"""Flow files in, one `FlowSet` out: the format named or recognised, the window measured."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from netkit.observed import lines
from netkit.observed.calico import read_calico
from netkit.observed.conntrack import read_conntrack
from netkit.observed.flow import Flow, FlowFileError, FlowFormat
from netkit.observed.gadget import read_gadget
from netkit.observed.hubble import read_hubble


@dataclass(frozen=True)
class FlowSet:
    """What the files hold: the connections, the attempts a policy denied, and notes."""

    flows: tuple[Flow, ...]
    denied: tuple[Flow, ...]
    notes: tuple[str, ...]
    formats: tuple[FlowFormat, ...]
    """The format of each file, in order."""

    @property
    def window(self) -> tuple[datetime, datetime] | None:
        """First and last moment any flow was seen; None without flows."""
        every = self.flows + self.denied
        if not every:
            return None
        return min(f.first_seen for f in every), max(f.last_seen for f in every)

    @property
    def sees_denied(self) -> bool:
        """Whether any file's format can show a denied attempt (conntrack's cannot)."""
        return any(f in (FlowFormat.HUBBLE, FlowFormat.CALICO) for f in self.formats)


def detect_format(path: Path) -> FlowFormat:
    """The format of `path` from its first line that is not blank."""
    for number, text in lines.numbered_lines(path):
        if text.startswith("{"):
            document = lines.json_object(text, str(path), number, "{...}")
            if "flow" in document or "IP" in document or "lost_events" in document:
                return FlowFormat.HUBBLE
            if "dest_port" in document or "source_namespace" in document:
                return FlowFormat.CALICO
            if "pktType" in document or document.get("type") == "debug":
                return FlowFormat.GADGET
        elif text.split()[0] in ("ipv4", "ipv6", "tcp", "udp", "icmp", "icmpv6", "sctp", "unknown"):
            return FlowFormat.CONNTRACK
        raise FlowFileError(
            f"{path}:{number}: the flow format is not recognised from this line; give "
            f"--flows-format {'|'.join(FlowFormat)}"
        )
    raise FlowFileError(
        f"{path}: holds no flows (every line is blank); capture a window with traffic"
    )


def read_flows(
    paths: Sequence[Path],
    flow_format: FlowFormat | None = None,
    observed_at: datetime | None = None,
) -> FlowSet:
    """Every flow of `paths`, in `flow_format` (default: recognised per file). Entries
    without a time (conntrack's, some traces') are dated `observed_at`, by default the
    file's modification time."""
    flows: list[Flow] = []
    denied: list[Flow] = []
    notes: list[str] = []
    formats: list[FlowFormat] = []
    for path in paths:
        kind = flow_format or detect_format(path)
        formats.append(kind)
        moment = observed_at or _modified(path)
        if kind is FlowFormat.HUBBLE:
            read = read_hubble(path, notes)
        elif kind is FlowFormat.CALICO:
            read = read_calico(path, notes)
        elif kind is FlowFormat.GADGET:
            read = read_gadget(path, notes, moment)
        else:
            read = read_conntrack(path, notes, moment)
        for flow in read:
            (denied if flow.denied else flows).append(flow)
    return FlowSet(tuple(flows), tuple(denied), tuple(notes), tuple(formats))


def _modified(path: Path) -> datetime:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError:
        return datetime.now(tz=UTC)
