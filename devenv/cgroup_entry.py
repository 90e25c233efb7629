"""`python -m devenv in-netns [--hostname NAME] CMD...`: mount the cgroup trees again, then
exec CMD.

With `--hostname NAME`, the host name is set first: the caller gives the command a UTS
namespace of its own (`unshare --uts python -m devenv in-netns --hostname NAME ...`;
Python 3.11 has no `os.unshare`). Run without one, it would rename the machine, so it
refuses.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from devenv.cgroup import remount_and_exec
from devenv.errors import EnvError

USAGE = "usage: python -m devenv in-netns [--hostname NAME] CMD [ARGS...]"


def own_uts_namespace() -> bool:
    """Whether this process's UTS namespace is not the machine's (pid 1's)."""
    return Path("/proc/self/ns/uts").readlink() != Path("/proc/1/ns/uts").readlink()


def set_hostname(name: str) -> None:
    if not own_uts_namespace():
        raise EnvError(
            f"--hostname {name}: not in a UTS namespace of its own, so it would rename the "
            "machine; run it under `unshare --uts`"
        )
    socket.sethostname(name)


def main(argv: list[str]) -> int:
    hostname = None
    if argv[:1] == ["--hostname"]:
        if len(argv) < 2:
            print(USAGE, file=sys.stderr)
            return 2
        hostname, argv = argv[1], argv[2:]
    if not argv:
        print(USAGE, file=sys.stderr)
        return 2
    if hostname is not None:
        set_hostname(hostname)
    remount_and_exec(argv)
    return 0  # not reached: exec replaced this process
