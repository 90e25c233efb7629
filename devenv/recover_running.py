"""What of an interrupted update may still run: orphaned Pulumi plugins, the lock's holder.

Read from the process table (/proc): each process's pid, parent, name (`comm`) and
program (the first word of its command line).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

PLUGIN_PREFIXES = ("pulumi-resource-", "pulumi-language-")
ENGINE = "pulumi"
"""The CLI's process name: the engine that runs the plugins and holds the lock."""


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    comm: str
    program: str
    """The first word of the command line ("" for a kernel thread)."""


def parse_stat(stat: str) -> tuple[int, str, int]:
    """pid, comm and parent pid of a /proc/PID/stat line (`comm` may hold spaces and parens)."""
    head, _, tail = stat.rpartition(")")
    pid, _, comm = head.partition(" (")
    return int(pid), comm, int(tail.split()[1])


def process_table(proc: Path = Path("/proc")) -> list[Proc]:
    """Every process now (one that exits while it is read is left out)."""
    table = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            pid, comm, ppid = parse_stat((entry / "stat").read_text())
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        table.append(Proc(pid, ppid, comm, argv[0].decode(errors="replace")))
    return table


def orphaned_plugins(table: Iterable[Proc]) -> list[int]:
    """Pids of Pulumi plugins whose parent is not a `pulumi` process: they outlived their
    engine (a provider among them may still be creating resources)."""
    procs = list(table)
    names = {p.pid: p.comm for p in procs}
    return sorted(
        p.pid
        for p in procs
        if p.program.rpartition("/")[2].startswith(PLUGIN_PREFIXES) and names.get(p.ppid) != ENGINE
    )


def wait_for_orphans(
    table: Callable[[], list[Proc]] = process_table, tries: int = 20, pause: float = 0.5
) -> list[int]:
    """The plugins still orphaned after a few seconds. The plugins of an engine that has
    just exited shut themselves down within a moment, so they get that long before they
    count as orphans."""
    left = orphaned_plugins(table())
    for _ in range(tries):
        if not left:
            break
        time.sleep(pause)
        left = orphaned_plugins(table())
    return left


def is_engine(pid: int, proc: Path = Path("/proc")) -> bool:
    """Whether `pid` is a running `pulumi` process (a lock's holder still updating)."""
    try:
        return (proc / str(pid) / "comm").read_text().strip() == ENGINE
    except OSError:
        return False
