"""The cgroup hierarchies a container runtime needs inside `ip netns exec`.

`ip netns exec` runs its command in a new mount namespace with a fresh /sys, which hides
the machine's cgroup mounts: runc then fails with "no cgroup mount found". The
`in-netns` entry (`python -m devenv in-netns CMD...`, itself run by `ip netns exec`)
mounts them again, as the machine has them (cgroup v1 hierarchies, a v2 unified tree,
or both), then execs CMD. Each `ip netns exec` makes a new mount namespace, so this has
to happen in the same one that execs the runtime.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from devenv.run import run

ROOT = "/sys/fs/cgroup"
MOUNT_FLAGS = frozenset({"rw", "ro", "relatime", "noatime", "nosuid", "nodev", "noexec"})


@dataclass(frozen=True)
class Mount:
    """One `mount` to make: its file system type, target and options."""

    fstype: str
    target: str
    options: str = ""

    def argv(self) -> list[str]:
        source = "cgroup2" if self.fstype == "cgroup2" else "cgroup"
        options = ["-o", self.options] if self.options else []
        return ["mount", "-t", self.fstype, *options, source, self.target]


def mounts_to_make(proc_mounts: str) -> list[Mount]:
    """The mounts that recreate the cgroup trees listed in `proc_mounts` (/proc/1/mounts)."""
    found = [line.split() for line in proc_mounts.splitlines()]
    cgroups = [f for f in found if len(f) >= 4 and f[2] in ("cgroup", "cgroup2")]
    unified_root = [f for f in cgroups if f[1] == ROOT and f[2] == "cgroup2"]
    if unified_root:
        return [Mount("cgroup2", ROOT)]
    mounts = [Mount("tmpfs", ROOT, "mode=755")]
    for _, target, fstype, options, *_ in cgroups:
        if not target.startswith(ROOT + "/"):
            continue
        if fstype == "cgroup2":
            mounts.append(Mount("cgroup2", target))
        else:
            kept = ",".join(o for o in options.split(",") if o not in MOUNT_FLAGS)
            mounts.append(Mount("cgroup", target, kept))
    return mounts


def remount_and_exec(argv: list[str]) -> None:
    """Mount the machine's cgroup trees in this mount namespace, then become `argv`."""
    for mount in mounts_to_make(Path("/proc/1/mounts").read_text()):
        Path(mount.target).mkdir(parents=True, exist_ok=True)
        run(mount.argv())
    os.execvp(argv[0], argv)
