"""Inspektor Gadget's network trace: `kubectl gadget trace network -o json`.

One JSON object per line (the input of `kubectl gadget advise network-policy`): the
traced pod (`namespace`, `pod`, and `podIP`; newer releases nest them under `k8s` as
`namespace` and `podName`), `pktType` (`OUTGOING`: the pod connected out; `HOST`: a
connection came in), `proto`, `port` (the server's port either way), and the other end:
`remoteKind` (`pod`, `svc` or `raw`), `remoteNamespace`, `remoteName` and `remoteAddr`
(`addr` in older releases). `timestamp` is in nanoseconds since 1970. Documented in
Inspektor Gadget's "Using trace network" guide; `type: debug` lines are the tracer's
own messages.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from netkit.observed import lines
from netkit.observed.flow import Flow, FlowEnd, bad_line

EXAMPLE = (
    '{"namespace": "demo", "pod": "shell", "pktType": "OUTGOING", "proto": "tcp", "port": 80, ...}'
)
FIX = "export with `kubectl gadget trace network -o json`"


def _pod(document: Mapping[str, Any], origin: str, line: int) -> FlowEnd:
    k8s = document.get("k8s")
    scope = k8s if isinstance(k8s, dict) else document
    namespace = lines.text(scope.get("namespace"), origin, line, "namespace")
    pod = lines.text(scope.get("podName", scope.get("pod")), origin, line, "pod")
    if not namespace or not pod:
        raise bad_line(
            origin,
            line,
            "pod",
            pod or None,
            f"is missing; every traced pod has a namespace and a name; {FIX}",
        )
    ip = document.get("podIP")
    address = lines.address(ip, origin, line, "podIP") if ip else ""
    return FlowEnd(address=address, namespace=namespace, pod=pod)


def _remote(document: Mapping[str, Any], origin: str, line: int) -> FlowEnd:
    kind = document.get("remoteKind", "raw")
    raw = document.get("remoteAddr", document.get("addr"))
    address = lines.address(raw, origin, line, "remoteAddr") if raw else ""
    if kind in ("pod", "svc"):
        namespace = lines.text(document.get("remoteNamespace"), origin, line, "remoteNamespace")
        name = lines.text(document.get("remoteName"), origin, line, "remoteName")
        if not namespace or not name:
            raise bad_line(
                origin,
                line,
                "remoteName",
                name or None,
                f"is missing for remoteKind {kind!r}; {FIX}",
            )
        if kind == "pod":
            return FlowEnd(address=address, namespace=namespace, pod=name)
        return FlowEnd(address=address, namespace=namespace, service=name)
    if kind not in ("raw", "other", ""):
        raise bad_line(origin, line, "remoteKind", kind, "is not 'pod', 'svc' or 'raw'")
    if not address:
        raise bad_line(
            origin,
            line,
            "remoteAddr",
            raw,
            f"is missing; a remote end that is no pod has an address; {FIX}",
        )
    return FlowEnd(address=address)


def read_gadget(path: Path, notes: list[str], observed_at: datetime) -> Iterator[Flow]:
    """The flows of a network trace; lines without a time take `observed_at` (a note)."""
    untimed = 0
    for number, text in lines.numbered_lines(path):
        origin = str(path)
        document = lines.json_object(text, origin, number, EXAMPLE)
        if document.get("type") in ("debug", "info", "warn", "error"):
            continue  # the tracer's own messages, not flows
        packet = lines.field(document, "pktType", origin, number, FIX)
        if packet not in ("OUTGOING", "HOST"):
            raise bad_line(origin, number, "pktType", packet, "is not 'OUTGOING' or 'HOST'")
        stamp = document.get("timestamp")
        if stamp is None:
            untimed += 1
            moment = observed_at
        elif isinstance(stamp, str):
            moment = lines.rfc3339(stamp, origin, number, "timestamp")
        else:
            moment = lines.epoch(stamp, origin, number, "timestamp", nanoseconds=True)
        pod, remote = _pod(document, origin, number), _remote(document, origin, number)
        src, dst = (pod, remote) if packet == "OUTGOING" else (remote, pod)
        yield Flow(
            src=src,
            dst=dst,
            port=lines.port(
                lines.field(document, "port", origin, number, FIX), origin, number, "port"
            ),
            protocol=lines.protocol(
                lines.field(document, "proto", origin, number, FIX), origin, number, "proto"
            ),
            first_seen=moment,
            last_seen=moment,
            origin=f"{path}:{number}",
        )
    if untimed:
        notes.append(
            f"{path}: {untimed} line(s) without a timestamp, dated at the file's time "
            f"({observed_at.isoformat(timespec='seconds')})"
        )
