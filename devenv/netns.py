"""Network namespaces and the `ip` commands that build links between them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from devenv.run import run, succeeds

NETNS_DIR = Path("/var/run/netns")


def exists(name: str) -> bool:
    return (NETNS_DIR / name).exists()


def add(name: str) -> None:
    """Create namespace `name` with its loopback up (nothing when it exists)."""
    if not exists(name):
        run(["ip", "netns", "add", name])
    run(["ip", "-n", name, "link", "set", "lo", "up"])


def delete(name: str) -> None:
    if exists(name):
        run(["ip", "netns", "delete", name])


def ip(*args: str, ns: str | None = None) -> str:
    """`ip [-n NS] ARGS`."""
    return run(["ip", *(["-n", ns] if ns else []), *args])


def link_exists(name: str, ns: str | None = None) -> bool:
    return succeeds(["ip", *(["-n", ns] if ns else []), "link", "show", name])


def in_ns(ns: str, argv: Sequence[str]) -> list[str]:
    """`argv` run inside namespace `ns`."""
    return ["ip", "netns", "exec", ns, *argv]


def sysctl(ns: str, key: str, value: str, *, optional: bool = False) -> None:
    """Set `key` inside `ns`; an `optional` key the kernel lacks is left alone."""
    argv = in_ns(ns, ["sysctl", "-qw", f"{key}={value}"])
    if optional:
        succeeds(argv)
    else:
        run(argv)
