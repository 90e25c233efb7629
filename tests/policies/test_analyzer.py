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
from netkit_policies.remediations import REMEDIATIONS
from netkit_policies.rules.base import Level
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
    # every enabled policy says it could not read the stack (the engine runs no disabled one)
    "unreadable": (_bad_port, len([r for r in RULES if r.level is not Level.DISABLED])),
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


def test_per_resource_calls_answer_like_pulumi_policy_for_the_pack() -> None:
    ours, theirs = (
        in_process_analyzer(SharedReadAnalyzer),
        in_process_analyzer(_PolicyAnalyzerServicer),
    )
    remediations = {remediation.name for remediation in REMEDIATIONS}
    for resource in _request(_overlap_vpn).resources:
        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type, urn=resource.urn, name=resource.name, properties=resource.properties
        )
        analyzed = ours.Analyze(request, None)
        assert analyzed == theirs.Analyze(request, None)
        # Only the remediation-only policies answer, "not applicable" to validation.
        assert not analyzed.diagnostics
        assert {item.policy_name for item in analyzed.not_applicable} == remediations
        remediated = ours.Remediate(request, None)
        assert remediated == theirs.Remediate(request, None)
        assert remediated.ByteSize() == 0  # no remediation is at the remediate level


def test_at_the_remediate_level_a_port_published_on_every_address_is_bound_to_loopback() -> None:
    config = analyzer_pb2.ConfigureAnalyzerRequest(
        policyConfig={
            "docker-container-remediate-publish-loopback": analyzer_pb2.PolicyConfig(
                enforcementLevel=analyzer_pb2.REMEDIATE
            )
        }
    )
    inputs = {
        "name": "web",
        "image": "netkit/busybox:local",
        "ports": [{"internal": 8080, "external": 80, "ip": "0.0.0.0", "protocol": "tcp"}],
    }
    request = analyzer_pb2.AnalyzeRequest(
        type="docker:index/container:Container",
        urn="urn:pulumi:dev::netkit::docker:index/container:Container::web",
        name="web",
        properties=json_format.ParseDict(inputs, struct_pb2.Struct()),
    )
    answers = []
    for kind in (SharedReadAnalyzer, _PolicyAnalyzerServicer):
        servicer = in_process_analyzer(kind)
        servicer.Configure(config, None)
        answers.append(servicer.Remediate(request, None))
    assert answers[0] == answers[1]
    [remediation] = answers[0].remediations
    assert remediation.policyName == "docker-container-remediate-publish-loopback"
    ports = json_format.MessageToDict(remediation.properties)["ports"]
    assert ports == [{"internal": 8080.0, "external": 80.0, "ip": "127.0.0.1", "protocol": "tcp"}]
