"""`python -m devenv in-netns CMD...`: mount the cgroup trees again, then exec CMD."""

from __future__ import annotations

import sys

from devenv.cgroup import remount_and_exec


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m devenv in-netns CMD [ARGS...]", file=sys.stderr)
        return 2
    remount_and_exec(argv)
    return 0  # not reached: exec replaced this process
