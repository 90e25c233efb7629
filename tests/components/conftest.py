"""Helpers for component tests: run a tiny program under recording mocks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from netkit_cli.synth import ResourceRecord, record_resources


class Declared:
    """The resources a program declared, with lookups that read as sentences."""

    def __init__(self, records: list[ResourceRecord]) -> None:
        self.records = records

    def of_type(self, type_token: str) -> list[ResourceRecord]:
        return [r for r in self.records if r.type == type_token]

    def one(self, type_token: str) -> ResourceRecord:
        found = self.of_type(type_token)
        assert len(found) == 1, f"expected one {type_token}, found {[r.name for r in found]}"
        return found[0]

    def named(self, name: str) -> ResourceRecord:
        return next(r for r in self.records if r.name == name)

    def children_of(self, parent: ResourceRecord) -> list[ResourceRecord]:
        return [r for r in self.records if r.parent == parent.urn]


@pytest.fixture
def declare() -> Callable[..., Declared]:
    def run(program: Callable[[], Any], config: dict[str, Any] | None = None) -> Declared:
        return Declared(record_resources(program, "test", config))

    return run


NETWORK = "docker:index/network:Network"
CONTAINER = "docker:index/container:Container"
POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
SERVICE = "kubernetes:core/v1:Service"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
