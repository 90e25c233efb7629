"""The pack as the Pulumi engine runs it: `python policies <engine address>` from the
project folder, the port read from its first line of output, then the Analyzer gRPC
service called with the resources `netkit synth` records. No Pulumi CLI involved, so the
pack's real wiring (PolicyPack, adapter, rules) is tested on every `make test`."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from netkit_policies.registry import RULES
from netkit_policies.remediations import REMEDIATIONS
from tests.policies.conftest import ROOT, dev_records

OVERLAP = "docker-network-disallow-subnet-overlap"
BACKEND_URN = (
    "urn:pulumi:dev::netkit::netkit:docker:BridgeNetwork$docker:index/network:Network::"
    "netkit-dev-backend-network"
)


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    # The engine's language host runs `<virtualenv>/bin/python <pack folder> <engine address>`
    # with the project folder as working directory, and reads the port from stdout.
    log = tmp_path_factory.mktemp("pack") / "stderr.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "policies"), "127.0.0.1:1"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.isdigit():
            pytest.fail(f"the pack printed {line!r} instead of a port; stderr:\n{log.read_text()}")
        with grpc.insecure_channel(f"127.0.0.1:{line}") as channel:
            grpc.channel_ready_future(channel).result(timeout=30)
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.kill()
        process.communicate(timeout=10)


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def _dev_resources(edit: Any = None) -> list[analyzer_pb2.AnalyzerResource]:
    resources = []
    for record in dev_records():
        inputs = copy.deepcopy(record.inputs)
        if edit is not None:
            edit(record.name, inputs)
        resources.append(
            analyzer_pb2.AnalyzerResource(
                type=record.type, urn=record.urn, name=record.name, properties=_struct(inputs)
            )
        )
    return resources


def _analyze_stack(stub: analyzer_pb2_grpc.AnalyzerStub, resources: Any) -> list[Any]:
    response = stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources), timeout=60)
    return list(response.diagnostics)


def test_the_pack_describes_every_rule_to_the_engine(analyzer):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)

    assert info.name == "netkit"
    assert info.supportsConfig
    assert [p.name for p in info.policies] == [rule.name for rule in RULES] + [
        remediation.name for remediation in REMEDIATIONS
    ]
    by_name = {p.name: p for p in info.policies}
    overlap = by_name[OVERLAP]
    # pulumi-policy's metadata, which `pulumi preview --policy-pack` shows with a violation.
    assert overlap.severity == analyzer_pb2.POLICY_SEVERITY_HIGH
    assert overlap.remediation_steps.startswith("Give the network a subnet of its own")
    assert overlap.url.startswith("https://docs.docker.com/")
    assert list(overlap.tags) == ["docker", "network", "addressing"]
    loopback = by_name["docker-container-remediate-publish-loopback"]
    assert loopback.policy_type == analyzer_pb2.POLICY_TYPE_RESOURCE
    assert overlap.description.startswith("Checks that")
    assert overlap.enforcementLevel == analyzer_pb2.MANDATORY
    assert overlap.policy_type == analyzer_pb2.POLICY_TYPE_STACK
    assert set(overlap.configSchema.properties) == {"reservedRanges", "dockerDefaultBridge"}
    assert by_name["k8s-networkpolicy-disallow-dangling"].enforcementLevel == analyzer_pb2.ADVISORY


def test_the_dev_stack_passes_the_pack(analyzer):
    assert _analyze_stack(analyzer, _dev_resources()) == []


def test_a_bridge_overlapping_the_vpn_is_a_mandatory_violation_on_its_urn(analyzer):
    def overlap_vpn(name: str, inputs: dict[str, Any]) -> None:
        if name == "netkit-dev-backend-network":
            inputs["ipamConfigs"] = [{"subnet": "10.8.1.0/24", "gateway": "10.8.1.1"}]

    [diagnostic] = _analyze_stack(analyzer, _dev_resources(overlap_vpn))

    assert diagnostic.policyName == OVERLAP
    assert diagnostic.policyPackName == "netkit"
    assert diagnostic.urn == BACKEND_URN
    assert diagnostic.enforcementLevel == analyzer_pb2.MANDATORY
    assert diagnostic.message == (
        f"{RULES[0].description}\ndocker bridge 'netkit-dev-backend' 10.8.1.0/24 is inside "
        "reserved 'corp-vpn' 10.8.0.0/16: the shared addresses 10.8.1.0/24 would route to only "
        "one of them; move docker bridge 'netkit-dev-backend' 10.8.1.0/24 to a free range such "
        "as 10.9.0.0/24 (`netkit plan` finds one)"
    )


def test_a_subnet_unknown_at_preview_is_an_advisory_not_a_pass(analyzer):
    def unknown(name: str, inputs: dict[str, Any]) -> None:
        if name == "netkit-dev-backend-network":
            inputs["ipamConfigs"] = [{"subnet": UNKNOWN_STRING_VALUE}]

    diagnostics = _analyze_stack(analyzer, _dev_resources(unknown))

    assert {d.policyName for d in diagnostics} == {
        rule.name for rule in RULES if rule.watches_type("docker:index/network:Network")
    }
    for diagnostic in diagnostics:
        assert diagnostic.enforcementLevel == analyzer_pb2.ADVISORY
        assert diagnostic.message == (
            f"can't run policy '{diagnostic.policyName}' from policy pack 'netkit@v0.0.1' during "
            "preview: could not verify ipamConfigs[0].subnet of docker Network "
            "'netkit-dev-backend-network' during preview (value unknown); checked again at update"
        )


def test_pack_config_sent_by_the_engine_reaches_the_rules(analyzer):
    config = analyzer_pb2.PolicyConfig(
        enforcementLevel=analyzer_pb2.ADVISORY,
        properties=_struct({"requireEncryption": True}),
    )
    analyzer.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={"docker-network-require-overlay-encryption": config}
        ),
        timeout=30,
    )
    try:
        [diagnostic] = _analyze_stack(analyzer, _dev_resources())
    finally:
        analyzer.Configure(analyzer_pb2.ConfigureAnalyzerRequest(), timeout=30)

    assert diagnostic.policyName == "docker-network-require-overlay-encryption"
    assert diagnostic.enforcementLevel == analyzer_pb2.ADVISORY
    assert diagnostic.urn.endswith("docker:index/network:Network::netkit-dev-mesh-network")


def test_analyze_on_one_resource_succeeds_with_nothing_to_say(analyzer):
    # Every rule is a stack policy: the per-resource call the engine makes for each
    # registration must answer (not fail) and report nothing.
    [record] = [r for r in dev_records() if r.name == "netkit-dev-backend-network"]
    request = analyzer_pb2.AnalyzeRequest(
        type=record.type, urn=record.urn, name=record.name, properties=_struct(record.inputs)
    )

    response = analyzer.Analyze(request, timeout=30)

    assert list(response.diagnostics) == []
    # Only the remediation-only policies answer: they validate nothing.
    assert {item.policy_name for item in response.not_applicable} == {
        remediation.name for remediation in REMEDIATIONS
    }
