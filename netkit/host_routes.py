"""The host's own routes as address spaces, so a stack can be checked against them.

A Docker network or a pod CIDR that overlaps a route the host already has (the office
VPN, a cloud VPC, another bridge) makes part of that network unreachable from the
containers. `read_host_routes` reads the routing table with iproute2 (`ip -j route
show`, JSON, and the same for IPv6) or parses output captured elsewhere, JSON or text.

Each route becomes an `AddressSpace` in `Layer.HOST_ROUTE`, named after its device
(`docker0`, `eth0`; `eth0,eth1` for a multipath route; the route type, such as
`blackhole`, when there is no device), with the source `ip route`; routes nesting each
other is normal (see `netkit.overlap.expected_nesting`).

Skipped: `default` routes; routes of the types local, broadcast, multicast, anycast
and nat (the host's own addresses, from `table local`/`table all`); loopback,
link-local and multicast destinations, which no container network can use.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from netkit.cidr import parse_cidr
from netkit.errors import InvalidValue
from netkit.model import AddressSpace, IPNetwork, Layer

HOST_ROUTE_SOURCE = "ip route"

IP_COMMANDS = (("ip", "-j", "route", "show"), ("ip", "-j", "-6", "route", "show"))
"""The commands `read_host_routes` runs when it is given no output."""

_ROUTE_TYPES = frozenset(
    {
        "unicast",
        "local",
        "broadcast",
        "multicast",
        "throw",
        "unreachable",
        "prohibit",
        "blackhole",
        "nat",
        "anycast",
    }
)
_NOT_RANGES = frozenset({"local", "broadcast", "multicast", "anycast", "nat"})


@dataclass
class _Route:
    destination: str
    kind: str
    where: str
    devices: list[str] = field(default_factory=list)


def read_host_routes(
    ip_route_output: str | None = None, *, notes: list[str] | None = None
) -> list[AddressSpace]:
    """The host's routes, from `ip_route_output` or, when None, from running `ip`.

    `ip_route_output` is what `ip -j route show` prints (JSON; several arrays, e.g.
    IPv4 then IPv6, may follow each other) or what `ip route show` prints (text).
    When `ip` is missing or fails, the result is empty and the reason is appended to
    `notes`, so a check can go on without the host's routes.
    """
    if ip_route_output is not None:
        return parse_ip_route(ip_route_output)
    spaces: list[AddressSpace] = []
    for output in _run_ip(notes if notes is not None else []):
        spaces.extend(parse_ip_route(output))
    return spaces


def _run_ip(notes: list[str]) -> Iterator[str]:
    if shutil.which("ip") is None:
        notes.append("host routes skipped: the 'ip' command (iproute2) is not installed")
        return
    for command in IP_COMMANDS:
        # Old iproute2 has no `-j`: fall back to the text output.
        for attempt in (command, tuple(arg for arg in command if arg != "-j")):
            try:
                done = subprocess.run(
                    attempt, capture_output=True, text=True, timeout=10, check=False
                )
            except (OSError, subprocess.TimeoutExpired) as error:
                notes.append(f"host routes skipped: {' '.join(attempt)!r} failed: {error}")
                return
            if done.returncode == 0:
                yield done.stdout
                break
        else:
            problem = done.stderr.strip() or f"exit status {done.returncode}"
            notes.append(f"host routes skipped: {' '.join(attempt)!r} failed: {problem}")


def parse_ip_route(output: str) -> list[AddressSpace]:
    """Address spaces from `ip [-j] [-6] route show` output (JSON or text)."""
    text = output.strip()
    routes = _json_routes(text) if text.startswith("[") else _text_routes(text)
    spaces: list[AddressSpace] = []
    for route in routes:
        if route.destination == "default" or route.kind in _NOT_RANGES:
            continue
        network = _destination(route.destination, route.where)
        if network.is_loopback or network.is_link_local or network.is_multicast:
            continue
        name = ",".join(dict.fromkeys(route.devices)) or route.kind
        spaces.append(
            AddressSpace(name=name, layer=Layer.HOST_ROUTE, cidr=network, source=HOST_ROUTE_SOURCE)
        )
    return spaces


def _destination(text: str, where: str) -> IPNetwork:
    # `ip` prints a host route without its prefix: "10.0.0.5", "2001:db8::5".
    if "/" not in text:
        text = f"{text}/{128 if ':' in text else 32}"
    return parse_cidr(text, field=where, strict=False)


def _json_routes(text: str) -> list[_Route]:
    decoder = json.JSONDecoder()
    entries: list[Any] = []
    position = 0
    while position < len(text):
        try:
            chunk, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise InvalidValue(
                f"ip -j route output: not valid JSON at line {error.lineno} column "
                f"{error.colno}: {error.msg}; pass the output of 'ip -j route show' unchanged"
            ) from None
        if not isinstance(chunk, list):
            raise InvalidValue(
                f"ip -j route output: expected a JSON list of routes, got {type(chunk).__name__}"
            )
        entries.extend(chunk)
        while position < len(text) and text[position].isspace():
            position += 1
    routes: list[_Route] = []
    for index, entry in enumerate(entries):
        where = f"ip -j route entry {index}"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("dst"), str):
            raise InvalidValue(f"{where}: expected an object with a 'dst' string, got {entry!r}")
        devices = [entry["dev"]] if isinstance(entry.get("dev"), str) else []
        for hop in entry.get("nexthops") or ():
            if isinstance(hop, Mapping) and isinstance(hop.get("dev"), str):
                devices.append(hop["dev"])
        kind = entry.get("type")
        routes.append(
            _Route(entry["dst"], kind if isinstance(kind, str) else "unicast", where, devices)
        )
    return routes


def _text_routes(text: str) -> list[_Route]:
    routes: list[_Route] = []
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = line.split()
        if not tokens:
            continue
        if line[0].isspace():
            # A multipath route's `nexthop via ... dev ...` lines follow it, indented.
            if routes and tokens[0] == "nexthop":
                routes[-1].devices.extend(_after(tokens, "dev"))
            continue
        kind = "unicast"
        if tokens[0] in _ROUTE_TYPES:
            kind = tokens.pop(0)
        if tokens:
            routes.append(
                _Route(tokens[0], kind, f"ip route line {number}", list(_after(tokens, "dev")))
            )
    return routes


def _after(tokens: list[str], keyword: str) -> Iterator[str]:
    for position, token in enumerate(tokens[:-1]):
        if token == keyword:
            yield tokens[position + 1]
