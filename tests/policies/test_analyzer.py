"""The pack's analyzer answers every request exactly as pulumi-policy's own does, while
reading the stack into the model once per `AnalyzeStack` instead of once per policy."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

import netkit_policies.adapter
from netkit_policies.analyzer import SharedReadAnalyzer, in_process_analyzer, without_resources
from netkit_policies.registry import RULES
from tests.policies.conftest import dev_records

Edit = Callable[[str, dict[str, Any]], None]


def _request(edit: Edit | None = None) -> analyzer_pb2.AnalyzeStackRequest:
    resources = []
    for record in dev_records():
        inputs = copy.deepcopy(record.inputs)
        if edit is not None:
            edit(record.name, inputs)
        properties = struct_pb2.Struct()
        properties.update(inputs)
        resources.append(
            analyzer_pb2.AnalyzerResource(
                type=record.type, urn=record.urn, name=record.name, properties=properties
            )
        )
    return analyzer_pb2.AnalyzeStackRequest(resources=resources)


def _overlap_vpn(name: str, inputs: dict[str, Any]) -> None:
    if name == "netkit-dev-backend-network":
        inputs["ipamConfigs"] = [{"subnet": "10.8.1.0/24"}]


def _unknown_subnet(name: str, inputs: dict[str, Any]) -> None:
    if name == "netkit-dev-mesh-network":
        inputs["ipamConfigs"] = [{"subnet": UNKNOWN_STRING_VALUE}]


def _bad_port(name: str, inputs: dict[str, Any]) -> None:
    if name == "shop-web-isolation-allow-dns":
        inputs["spec"]["egress"][0]["ports"][0]["port"] = 70000


def _no_dns(name: str, inputs: dict[str, Any]) -> None:
    if name == "shop-data-isolation-allow-dns":
        inputs["spec"]["egress"] = []


NETWORK_RULES = [rule for rule in RULES if rule.watches_type("docker:index/network:Network")]
CASES = {
    "clean": (None, 0),
    "overlap": (_overlap_vpn, 1),
    "unknown at preview": (_unknown_subnet, len(NETWORK_RULES)),  # one advisory per rule
    "unreadable": (_bad_port, len(RULES)),  # every policy says it could not read the stack
    "no dns egress": (_no_dns, 1),
}


@pytest.mark.parametrize("case", CASES)
def test_both_analyzers_give_the_same_diagnostics(case: str) -> None:
    edit, count = CASES[case]
    request = _request(edit)

    ours = in_process_analyzer(SharedReadAnalyzer).AnalyzeStack(request, None)
    theirs = in_process_analyzer(_PolicyAnalyzerServicer).AnalyzeStack(request, None)

    assert json_format.MessageToDict(ours) == json_format.MessageToDict(theirs)
    assert len(ours.diagnostics) == count


def test_the_engines_config_reaches_the_rules_through_the_shared_reading() -> None:
    config = analyzer_pb2.ConfigureAnalyzerRequest(
        policyConfig={
            "docker-network-require-overlay-encryption": analyzer_pb2.PolicyConfig(
                enforcementLevel=analyzer_pb2.MANDATORY,
                properties=json_format.ParseDict({"requireEncryption": True}, struct_pb2.Struct()),
            )
        }
    )
    responses = []
    for kind in (SharedReadAnalyzer, _PolicyAnalyzerServicer):
        servicer = in_process_analyzer(kind)
        servicer.Configure(config, None)
        responses.append(json_format.MessageToDict(servicer.AnalyzeStack(_request(), None)))

    [diagnostic] = responses[0]["diagnostics"]
    assert diagnostic["policyName"] == "docker-network-require-overlay-encryption"
    assert diagnostic["enforcementLevel"] == "MANDATORY"
    assert responses[0] == responses[1]


def test_the_stack_is_read_into_the_model_once_per_analysis(monkeypatch) -> None:
    built = []
    real = netkit_policies.adapter.model_from_resources
    monkeypatch.setattr(
        netkit_policies.adapter,
        "model_from_resources",
        lambda records: built.append(1) or real(records),
    )
    servicer = in_process_analyzer(SharedReadAnalyzer)

    servicer.AnalyzeStack(_request(), None)
    servicer.AnalyzeStack(_request(_overlap_vpn), None)

    assert len(built) == 2


def test_pulumi_policy_runs_its_loop_over_no_resources_and_the_engine_request_is_kept() -> None:
    request = _request()

    slim = without_resources(request)

    assert len(slim.resources) == 0
    assert len(request.resources) == len(dev_records())


def test_per_resource_calls_answer_like_pulumi_policy_for_a_pack_of_stack_policies() -> None:
    ours, theirs = (
        in_process_analyzer(SharedReadAnalyzer),
        in_process_analyzer(_PolicyAnalyzerServicer),
    )
    for resource in _request(_overlap_vpn).resources:
        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type, urn=resource.urn, name=resource.name, properties=resource.properties
        )
        for call in ("Analyze", "Remediate"):
            mine = getattr(ours, call)(request, None)
            assert mine == getattr(theirs, call)(request, None)
            assert mine.ByteSize() == 0
