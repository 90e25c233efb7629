"""Sampling the kernel's connection tracking in network namespaces over a window.

Every `interval`, `conntrack -L -o extended` is run in each network namespace named (a
node's or a Docker host's, `ip netns exec NS`; or a container's own, `nsenter -t PID -n`)
and its text read as a saved table is (`netkit.observed.conntrack.parse_line`); a
connection seen in several samples or namespaces is one flow, first and last seen at the
samples that showed it. A connection that opened and
closed between two samples is missed (a shorter interval misses fewer), and, as in any
conntrack table, attempts a policy dropped never appear. Ctrl-C stops the sampling
cleanly: what was gathered so far is kept, and a note says the window was cut short.

The command runs through `Run`, so the sampling is tested on text alone.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from netkit.errors import NetkitError
from netkit.observed.conntrack import SUMMARY, parse_line
from netkit.observed.flow import Flow, FlowFormat
from netkit.observed.read import FlowSet

Run = Callable[[Sequence[str]], str]
"""`(command) -> its standard output`; raises `NetkitError` naming the command on failure."""


def conntrack_command(namespace: str) -> list[str]:
    """The command that lists `namespace`'s connection tracking table."""
    return ["ip", "netns", "exec", namespace, *_CONNTRACK]


_CONNTRACK = ("conntrack", "-L", "-o", "extended")


@dataclass(frozen=True)
class Target:
    """One network namespace to sample: its name in notes, and the command that lists its
    connection tracking table."""

    label: str
    command: tuple[str, ...]
    origin: str
    """Where a line came from, in an error naming it."""
    pid: int | None = None
    """The process whose namespace this is, for a container's: it may exit mid-window."""

    @classmethod
    def netns(cls, name: str) -> Target:
        """A namespace of `ip netns list` (a node, a Docker host)."""
        return cls(name, tuple(conntrack_command(name)), f"netns {name}")

    @classmethod
    def process(cls, label: str, pid: int) -> Target:
        """The namespace process `pid` runs in: a container's own, where its engine
        tracks its connections (a connection over an overlay shows in no host's table,
        only in the containers' own)."""
        return cls(label, ("nsenter", "-t", str(pid), "-n", *_CONNTRACK), label, pid)


def process_exists(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def run(command: Sequence[str]) -> str:
    """`command`'s output; a failure is one line with the command and what it said."""
    try:
        done = subprocess.run(
            list(command), capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise NetkitError(f"{' '.join(command)!r} failed: {error}") from None
    if done.returncode != 0:
        said = done.stderr.strip() or f"exit status {done.returncode}"
        raise NetkitError(
            f"{' '.join(command)!r} failed: {said} (conntrack needs root and the "
            "conntrack package; the namespace must exist in `ip netns list`)"
        )
    return done.stdout


@dataclass(frozen=True)
class Progress:
    """After each round: how far the window is, and what was seen so far."""

    round: int
    elapsed: float
    window: float
    connections: int


def sample(
    namespaces: Sequence[str | Target],
    window: float,
    interval: float = 2.0,
    *,
    runner: Run | None = None,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = lambda: datetime.now(tz=UTC),
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[Progress], None] | None = None,
    exists: Callable[[int], bool] = process_exists,
) -> FlowSet:
    """The connections `namespaces`' tables showed over `window` seconds, one sample every
    `interval` seconds (the first at once, the last at the window's end). `runner`
    (default: `run`) runs each command. A container whose process is gone when its table
    cannot be read (it exited, or was replaced, mid-window) is sampled no more, with a note;
    what it showed until then is kept. Any other failure is an error."""
    if not namespaces:
        raise NetkitError("no network namespace to sample; name one with --netns NAME")
    if window < 0 or interval <= 0:
        raise NetkitError(
            f"window {window!r} s and interval {interval!r} s: expected a window >= 0 and an interval > 0"
        )
    runner = runner or run
    sampled = [Target.netns(t) if isinstance(t, str) else t for t in namespaces]
    targets = list(sampled)
    seen: dict[tuple[str, ...], Flow] = {}
    notes: list[str] = []
    started = clock()
    rounds = 0
    try:
        while True:
            moment = now()
            for target in tuple(targets):
                try:
                    output = runner(list(target.command))
                except NetkitError:
                    if target.pid is None or exists(target.pid):
                        raise
                    targets.remove(target)
                    notes.append(
                        f"{target.label}: its process {target.pid} exited after {rounds} "
                        "round(s); it was sampled no more, what it showed until then is kept"
                    )
                    continue
                _read(target.origin, output, moment, seen)
            if not targets:
                notes.append("no namespace is left to sample: the window ends here")
                break
            rounds += 1
            elapsed = clock() - started
            if progress is not None:
                progress(Progress(rounds, elapsed, window, len(seen)))
            if elapsed >= window:
                break
            sleep(min(interval, window - elapsed))
    except KeyboardInterrupt:
        notes.append(
            f"sampling stopped by Ctrl-C after {rounds} round(s) of {window:g} s's; "
            "the window is what was sampled until then"
        )
    notes.append(
        f"{rounds} sample(s) of {len(sampled)} namespace(s) "
        f"({', '.join(t.label for t in sampled)}), "
        f"every {interval:g} s: connections that opened and closed between samples are missed"
    )
    return FlowSet(tuple(seen.values()), (), tuple(notes), (FlowFormat.CONNTRACK,))


def _read(where: str, text: str, moment: datetime, seen: dict[tuple[str, ...], Flow]) -> None:
    origin = f"conntrack of {where}"
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith(SUMMARY):
            continue
        flow = parse_line(line, origin, number, moment)
        # One connection is one entry, whatever the sample or the namespace (a connection
        # between two nodes' pods, or two containers, shows in both): its tuple, source
        # port too.
        key = (
            flow.protocol,
            flow.src.address,
            _sport(line),
            flow.dst.address,
            str(flow.port),
        )
        known = seen.get(key)
        if known is None:
            seen[key] = replace(
                flow, origin=f"{origin}, sample at {moment.isoformat(timespec='seconds')}"
            )
        else:
            seen[key] = replace(
                known, last_seen=moment, translated=known.translated or flow.translated
            )


def _sport(line: str) -> str:
    for token in line.split():
        if token.startswith("sport="):
            return token[6:]
    return ""
