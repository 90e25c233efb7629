from __future__ import annotations

import ipaddress
import json
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netkit import host_routes
from netkit.errors import InvalidValue
from netkit.host_routes import HOST_ROUTE_SOURCE, parse_ip_route, read_host_routes
from netkit.model import Layer

# Captured from `ip -j route show` and `ip -j -6 route show` (iproute2 6.1) on a Docker
# host with a VPN, a blackhole, a multipath route and a host route.
JSON_V4 = json.dumps(
    [
        {"dst": "default", "gateway": "192.0.2.1", "dev": "eth0", "flags": []},
        {"dst": "10.8.0.0/16", "gateway": "10.99.0.1", "dev": "tun0", "flags": []},
        {
            "dst": "10.50.0.0/16",
            "flags": [],
            "nexthops": [
                {"gateway": "192.0.2.5", "dev": "eth0", "weight": 1, "flags": []},
                {"gateway": "198.51.100.5", "dev": "eth1", "weight": 1, "flags": []},
            ],
        },
        {"type": "blackhole", "dst": "10.66.0.0/16", "flags": []},
        {"dst": "169.254.169.254", "gateway": "192.0.2.1", "dev": "eth0", "flags": []},
        {
            "dst": "172.17.0.0/16",
            "dev": "docker0",
            "protocol": "kernel",
            "scope": "link",
            "prefsrc": "172.17.0.1",
            "flags": ["linkdown"],
        },
        {
            "dst": "192.0.2.0/24",
            "dev": "eth0",
            "protocol": "kernel",
            "scope": "link",
            "prefsrc": "192.0.2.2",
            "flags": [],
        },
        {"dst": "203.0.113.9", "gateway": "192.0.2.1", "dev": "eth0", "flags": []},
    ]
)
JSON_V6 = json.dumps(
    [
        {
            "dst": "::1",
            "dev": "lo",
            "protocol": "kernel",
            "metric": 256,
            "flags": [],
            "pref": "medium",
        },
        {
            "dst": "fd00::/64",
            "dev": "eth0",
            "protocol": "kernel",
            "metric": 256,
            "flags": [],
            "pref": "medium",
        },
        {
            "dst": "fe80::/64",
            "dev": "eth0",
            "protocol": "kernel",
            "metric": 256,
            "flags": [],
            "pref": "medium",
        },
        {
            "dst": "default",
            "gateway": "fd00::1",
            "dev": "eth0",
            "metric": 1024,
            "flags": [],
            "pref": "medium",
        },
    ]
)
# The same routes from `ip route show` and `ip -6 route show`.
TEXT_V4 = """\
default via 192.0.2.1 dev eth0
10.8.0.0/16 via 10.99.0.1 dev tun0
10.50.0.0/16 proto static
\tnexthop via 192.0.2.5 dev eth0 weight 1
\tnexthop via 198.51.100.5 dev eth1 weight 1
blackhole 10.66.0.0/16
169.254.169.254 via 192.0.2.1 dev eth0
172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1 linkdown
192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2
203.0.113.9 via 192.0.2.1 dev eth0
"""
TEXT_V6 = """\
::1 dev lo proto kernel metric 256 pref medium
fd00::/64 dev eth0 proto kernel metric 256 pref medium
fe80::/64 dev eth0 proto kernel metric 256 pref medium
default via fd00::1 dev eth0 metric 1024 pref medium
"""
EXPECTED = [
    ("tun0", "10.8.0.0/16"),
    ("eth0,eth1", "10.50.0.0/16"),
    ("blackhole", "10.66.0.0/16"),
    ("docker0", "172.17.0.0/16"),
    ("eth0", "192.0.2.0/24"),
    ("eth0", "203.0.113.9/32"),
    ("eth0", "fd00::/64"),
]


def named(spaces):
    return [(s.name, str(s.cidr)) for s in spaces]


def test_json_routes_become_host_route_spaces_named_after_their_device():
    spaces = read_host_routes(JSON_V4 + "\n" + JSON_V6)
    assert named(spaces) == EXPECTED
    assert {(s.layer, s.source) for s in spaces} == {(Layer.HOST_ROUTE, HOST_ROUTE_SOURCE)}


def test_text_routes_read_the_same_as_json_routes():
    assert named(read_host_routes(TEXT_V4 + TEXT_V6)) == EXPECTED


def test_routes_from_the_local_table_are_not_ranges_and_are_skipped():
    table_all = """\
local 192.0.2.2 dev eth0 table local proto kernel scope host src 192.0.2.2
broadcast 192.0.2.255 dev eth0 table local proto kernel scope link src 192.0.2.2
anycast fd00:: dev eth0 table local proto kernel metric 0 pref medium
multicast ff00::/8 dev eth0 table local proto kernel metric 256 pref medium
unreachable 10.77.0.0/16
"""
    assert named(read_host_routes(table_all)) == [("unreachable", "10.77.0.0/16")]


def test_empty_output_has_no_routes():
    assert read_host_routes("") == []
    assert read_host_routes("[]") == []


def test_output_that_is_not_json_is_refused_with_the_position():
    with pytest.raises(InvalidValue) as caught:
        read_host_routes('[{"dst": "10.0.0.0/8",}]')
    assert str(caught.value) == (
        "ip -j route output: not valid JSON at line 1 column 23: Expecting property name "
        "enclosed in double quotes; pass the output of 'ip -j route show' unchanged"
    )


def test_a_json_entry_without_a_destination_is_refused():
    with pytest.raises(InvalidValue, match=r"ip -j route entry 1: expected an object with a 'dst'"):
        read_host_routes('[{"dst": "default"}, {"dev": "eth0"}]')


def test_a_bad_destination_names_the_line():
    with pytest.raises(InvalidValue) as caught:
        read_host_routes("default via 192.0.2.1 dev eth0\n10.0.0.0/33 dev eth0\n")
    assert str(caught.value) == "subnet '10.0.0.0/33' in ip route line 2: prefix must be 0-32"


@given(
    st.lists(
        st.tuples(
            st.integers(0, 2**32 - 1),
            st.integers(8, 32),
            st.sampled_from(["eth0", "docker0", "br-1a2b3c", "wg0"]),
        ),
        max_size=10,
    )
)
def test_text_and_json_outputs_round_trip_to_the_same_routes(routes):
    networks = [
        (ipaddress.IPv4Network((address, prefix), strict=False), dev)
        for address, prefix, dev in routes
    ]
    kept = [
        (dev, str(net))
        for net, dev in networks
        if not (net.is_loopback or net.is_link_local or net.is_multicast)
    ]
    text = "".join(f"{net} dev {dev} proto kernel scope link\n" for net, dev in networks)
    as_json = json.dumps([{"dst": str(net), "dev": dev} for net, dev in networks])
    assert named(parse_ip_route(text)) == kept
    assert named(parse_ip_route(as_json)) == kept


# --------------------------------------------------------------------------- running `ip`


class FakeRun:
    """Stands in for `subprocess.run`: answers each command from a table."""

    def __init__(self, answers):
        self.answers = answers
        self.commands = []

    def __call__(self, command, **kwargs):
        self.commands.append(" ".join(command))
        code, out, err = self.answers[" ".join(command)]
        return subprocess.CompletedProcess(command, code, out, err)


def test_without_ip_there_are_no_routes_and_a_note_says_why(monkeypatch):
    monkeypatch.setattr(host_routes.shutil, "which", lambda name: None)
    notes: list[str] = []
    assert read_host_routes(notes=notes) == []
    assert notes == ["host routes skipped: the 'ip' command (iproute2) is not installed"]


def test_both_families_are_read_as_json(monkeypatch):
    monkeypatch.setattr(host_routes.shutil, "which", lambda name: "/usr/sbin/ip")
    run = FakeRun({"ip -j route show": (0, JSON_V4, ""), "ip -j -6 route show": (0, JSON_V6, "")})
    monkeypatch.setattr(host_routes.subprocess, "run", run)
    assert named(read_host_routes()) == EXPECTED
    assert run.commands == ["ip -j route show", "ip -j -6 route show"]


def test_an_ip_without_json_falls_back_to_text_and_a_failure_is_noted(monkeypatch):
    monkeypatch.setattr(host_routes.shutil, "which", lambda name: "/usr/sbin/ip")
    run = FakeRun(
        {
            "ip -j route show": (255, "", 'Option "-j" is unknown'),
            "ip route show": (0, TEXT_V4, ""),
            "ip -j -6 route show": (255, "", 'Option "-j" is unknown'),
            "ip -6 route show": (2, "", "RTNETLINK answers: Address family not supported"),
        }
    )
    monkeypatch.setattr(host_routes.subprocess, "run", run)
    notes: list[str] = []
    assert named(read_host_routes(notes=notes)) == EXPECTED[:-1]
    assert notes == [
        "host routes skipped: 'ip -6 route show' failed: "
        "RTNETLINK answers: Address family not supported"
    ]
