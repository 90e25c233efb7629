"""Tiered reachability on random clusters agrees with an independent reading.

For AdminNetworkPolicy, ClusterNetworkPolicy and Calico clusters generated from a seed
(tests/tiered_clusters.py), every pod pair and every pod and outside address is judged on
a set of ports and ICMP echo by tests/reference_evaluator.py, which reads the manifest
dictionaries connection by connection and shares no code with netkit; netkit's answer
(`Reachability.allowed`, from the bulk engine) must be the same, and the pair-by-pair walk
(`Reachability.explain`) must agree with the bulk engine.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netkit.manifests import model_from_objects
from netkit.portset import ConnectionSet
from netkit.reachability import Reachability, analyze
from tests.reference_evaluator import Endpoint, Reference
from tests.tiered_clusters import (
    EXTERNAL,
    PROBES,
    admin_cluster,
    calico_cluster,
    cluster_network_policy_cluster,
)

FAMILIES: dict[str, Callable[[int], list[dict[str, Any]]]] = {
    "admin": admin_cluster,
    "cluster-network-policy": cluster_network_policy_cluster,
    "calico": calico_cluster,
}
ALL_PROBES = (*PROBES, ("ICMP", 8))


def build(objects: list[dict[str, Any]]) -> Reachability:
    return analyze(model_from_objects([(f"doc {i}", o) for i, o in enumerate(objects, 1)]))


def holds(conns: ConnectionSet, probe: tuple[str, int]) -> bool:
    if probe[0] == "ICMP":
        return conns.allows_icmp(probe[1], 0)
    return conns.allows(*probe)


def disagreements(objects: list[dict[str, Any]]) -> list[str]:
    reach = build(objects)
    reference = Reference(objects)
    wrong: list[str] = []
    pods = reference.pods
    for src_name, src in pods.items():
        for dst_name, dst in pods.items():
            if src_name == dst_name:
                continue
            conns = reach.allowed(f"{src_name}[Pod]", f"{dst_name}[Pod]")
            for probe in ALL_PROBES:
                if holds(conns, probe) != reference.allows(src, dst, probe):
                    wrong.append(
                        f"{src_name} -> {dst_name} {probe}: netkit {conns.text(icmp=True)}"
                    )
        for text in EXTERNAL:
            address = Endpoint(address=text)
            ip = ipaddress.ip_address(text)
            out = reach.allowed(f"{src_name}[Pod]", reach.external(ip, outgoing=True))
            into = reach.allowed(reach.external(ip, outgoing=False), f"{src_name}[Pod]")
            for probe in ALL_PROBES:
                if holds(out, probe) != reference.allows(src, address, probe):
                    wrong.append(f"{src_name} -> {text} {probe}: netkit {out.text(icmp=True)}")
                if holds(into, probe) != reference.allows(address, src, probe):
                    wrong.append(f"{text} -> {src_name} {probe}: netkit {into.text(icmp=True)}")
    return wrong


@pytest.mark.parametrize("family", sorted(FAMILIES))
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_netkit_agrees_with_the_reference_reading_on_random_clusters(family: str, seed: int):
    wrong = disagreements(FAMILIES[family](seed))
    assert not wrong, f"{family} seed {seed}:\n" + "\n".join(wrong[:20])


@pytest.mark.parametrize("family", sorted(FAMILIES))
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_the_bulk_engine_agrees_with_the_walk_pair_by_pair(family: str, seed: int):
    reach = build(FAMILIES[family](seed))
    listed = {(c.src.name, c.dst.name): c.conns for c in reach.connections()}
    for src in reach.peers():
        for dst in reach.peers():
            if src != dst:
                assert reach.explain(src, dst).allowed == listed.get(
                    (src.name, dst.name), ConnectionSet.none()
                ), (family, seed, src.name, dst.name)
