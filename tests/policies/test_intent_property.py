"""Property: whatever connections a stack declares, the NetworkPolicies our components
write allow exactly those, so every rule of the pack passes."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netkit.resources import model_from_resources
from netkit.spec import read_stack_file
from netkit_cli.synth import record_resources
from netkit_components.program import deploy
from netkit_policies.registry import run_rules
from tests.policies.conftest import ROOT

SERVICES = {"shop-web/web": "8080/TCP", "shop-api/api": "8080/TCP", "shop-data/db": "5432/TCP"}
SOURCES = [*SERVICES, "shop-web/*", "shop-api/*"]

pairs = st.sets(
    st.tuples(st.sampled_from(SOURCES), st.sampled_from(sorted(SERVICES))).filter(
        lambda pair: pair[0] != pair[1]
    ),
    max_size=5,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pairs)
def test_declared_connections_are_exactly_what_the_components_allow(declared):
    config = read_stack_file(ROOT / "Pulumi.dev.yaml")
    kubernetes = dict(config["netkit:kubernetes"])
    kubernetes["connections"] = [
        {"from": src, "to": dst, "ports": [SERVICES[dst]]} for src, dst in sorted(declared)
    ]
    config["netkit:kubernetes"] = json.dumps(kubernetes)

    model = model_from_resources(record_resources(deploy, "dev", config))

    assert [finding.line() for finding in run_rules(model)] == []
