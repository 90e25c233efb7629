"""Observed connections between containers judged against what the Docker half allows:
the lab stack's containers (no ports declared, so a shared network allows every port)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from netkit.model import NetworkModel
from netkit.observed.containers import compare_containers
from netkit.observed.mapping import Party, PartyKind, Seen, Use
from netkit.sources import Source
from netkit_cli import options
from tests.e2e.harness import REPO

AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
A, A_DB, B, C = (
    "host1/netkit-lab-a",
    "host1/netkit-lab-a-db",
    "host2/netkit-lab-b",
    "host3/netkit-lab-c",
)


@pytest.fixture(scope="module")
def lab() -> NetworkModel:
    return options.LOADER.load(Source.of_stack("lab", REPO))


def _use(src: str, dst: str, port: int, protocol: str = "TCP") -> tuple[Use, Seen]:
    ends = (Party(PartyKind.CONTAINER, src), Party(PartyKind.CONTAINER, dst))
    return Use(*ends, port, protocol), Seen(1, AT, AT)


def test_a_pair_the_stack_connects_is_used_and_one_it_does_not_is_undeclared(lab):
    # a and b share the overlay; a-db and b share no network.
    result = compare_containers(lab, [_use(A, B, 8080), _use(A_DB, B, 5432)])

    assert [(u.src.name, u.dst.name) for u, _ in result.used] == [(A, B)]
    assert [(u.src.name, u.dst.name) for u, _ in result.undeclared] == [(A_DB, B)]


def test_every_allowed_pair_and_protocol_nothing_used_is_unused(lab):
    result = compare_containers(lab, [_use(A, B, 8080)])

    unused = {(src, dst, protocol) for src, dst, _port, protocol in result.unused}
    assert (A, B, "TCP") not in unused  # used on one port: its TCP range is in use
    assert (A, B, "UDP") in unused
    assert (B, C, "TCP") in unused  # they share the overlay and never talked
    assert (A_DB, B, "TCP") not in unused  # never allowed
    assert {port for _src, _dst, port, _protocol in result.unused} == {"*"}


def test_flows_that_saw_no_container_traffic_say_nothing_of_the_docker_half(lab):
    assert compare_containers(lab, []).unused == []
