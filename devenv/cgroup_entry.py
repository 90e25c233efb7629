"""`python -m devenv in-netns [--hostname NAME] CMD...`: mount the cgroup trees again, then
exec CMD.

With `--hostname NAME`, it first enters a UTS namespace of its own (as `unshare --uts`
would; Python 3.11 has no `os.unshare`, so libc's `unshare(2)` through ctypes) and takes
NAME as host name there, so the machine's name is never touched.
"""

from __future__ import annotations

import ctypes
import os
import socket
import sys

from devenv.cgroup import remount_and_exec
from devenv.errors import EnvError

USAGE = "usage: python -m devenv in-netns [--hostname NAME] CMD [ARGS...]"
CLONE_NEWUTS = 0x04000000


def unshare_uts() -> None:
    """Move this process into a new UTS namespace (`unshare(CLONE_NEWUTS)`)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUTS) != 0:
        error = ctypes.get_errno()
        raise EnvError(f"unshare(CLONE_NEWUTS) failed: {os.strerror(error)} (needs root)")


def set_hostname(name: str) -> None:
    """Take `name` as host name, in a UTS namespace of this process's own."""
    unshare_uts()
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
