"""The pulumi-policy glue, called the way pulumi-policy's server calls it (no server here;
`test_engine_protocol` runs the real one)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi_policy import PolicyResource, PolicyResourceOptions, StackValidationArgs
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import PolicyCustomTimeouts
from pulumi_policy.proxy import (
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
    unknown_checking_proxy,
)

from netkit_policies.adapter import (
    EngineResource,
    StackAnalysis,
    stack_policies,
    stack_policy,
    to_records,
    urn_of,
)
from netkit_policies.registry import RULES, rule_named
from tests.policies.conftest import dev_records


def _as_engine_sends(properties: dict[str, Any]) -> Any:
    """Properties as pulumi-policy hands them to a policy: numbers as floats, proxied."""

    def floats(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: floats(v) for k, v in value.items()}
        if isinstance(value, list):
            return [floats(v) for v in value]
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        return value

    return unknown_checking_proxy(deserialize_properties(floats(properties)))


def _resource(type_: str, name: str, urn: str, properties: dict[str, Any]) -> PolicyResource:
    options = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    return PolicyResource(
        type_, _as_engine_sends(properties), urn, name, options, None, None, [], {}
    )


def _dev(edit: Any = None) -> list[PolicyResource]:
    resources = []
    for record in dev_records():
        inputs = copy.deepcopy(record.inputs)
        if edit is not None:
            edit(record.name, inputs)
        resources.append(_resource(record.type, record.name, record.urn, inputs))
    return resources


class Reports:
    def __init__(self) -> None:
        self.violations: list[tuple[str, str | None]] = []

    def __call__(self, message: str, urn: str | None = None) -> None:
        self.violations.append((message, urn))


def _validate(
    rule: str, resources: list[PolicyResource], config: dict[str, Any] | None = None
) -> Reports:
    reports = Reports()
    stack_policy(rule_named(rule), StackAnalysis()).validate(
        StackValidationArgs(resources, config), reports
    )
    return reports


def test_every_rule_becomes_a_stack_policy_with_its_level_and_schema():
    policies = stack_policies(StackAnalysis())

    assert [p.name for p in policies] == [r.name for r in RULES]
    overlap = policies[0]
    assert overlap.description == RULES[0].description
    assert overlap.enforcement_level is not None and overlap.enforcement_level.value == "mandatory"
    assert overlap.config_schema is not None
    assert set(overlap.config_schema.properties) == {"reservedRanges", "dockerDefaultBridge"}


def test_the_engines_view_of_the_dev_stack_passes_every_policy():
    resources = _dev()
    analysis = StackAnalysis()
    reports = Reports()
    for policy in [stack_policy(rule, analysis) for rule in RULES]:
        policy.validate(StackValidationArgs(resources, None), reports)

    assert reports.violations == []


def test_engine_numbers_arrive_as_floats_and_become_ints_again():
    [record] = [r for r in dev_records() if r.name == "netkit-dev-web-container"]

    [plain], notes = to_records([_resource(record.type, record.name, record.urn, record.inputs)])

    assert plain.inputs["ports"] == [
        {"protocol": "tcp", "ip": "127.0.0.1", "internal": 8080, "external": 18080}
    ]
    assert notes == []


def test_a_violation_is_reported_against_the_urn_of_the_offending_resource():
    def overlap_vpn(name: str, inputs: dict[str, Any]) -> None:
        if name == "netkit-dev-backend-network":
            inputs["ipamConfigs"] = [{"subnet": "10.8.1.0/24"}]

    [(message, urn)] = _validate(
        "docker-network-disallow-subnet-overlap", _dev(overlap_vpn)
    ).violations

    assert message.startswith(
        "docker bridge 'netkit-dev-backend' 10.8.1.0/24 is inside reserved 'corp-vpn'"
    )
    assert urn == (
        "urn:pulumi:dev::netkit::netkit:docker:BridgeNetwork$docker:index/network:Network::"
        "netkit-dev-backend-network"
    )


def test_kubernetes_findings_map_back_to_their_resource_urn():
    def drop_dns(name: str, inputs: dict[str, Any]) -> None:
        if name == "shop-data-isolation-allow-dns":
            inputs["spec"]["egress"] = []

    [(_, urn)] = _validate("k8s-workload-require-dns-egress", _dev(drop_dns)).violations

    assert urn == (
        "urn:pulumi:dev::netkit::netkit:kubernetes:AppService$kubernetes:apps/v1:Deployment::"
        "shop-data-db-deployment"
    )
    assert urn_of("kubernetes:apps/v1:Deployment::gone", {}) is None


def test_the_policy_config_reaches_the_rule():
    reports = _validate(
        "docker-network-require-overlay-encryption", _dev(), {"requireEncryption": True}
    )

    assert [message for message, _ in reports.violations] == [
        "docker overlay 'netkit-dev-mesh' is not encrypted, so traffic between hosts crosses the "
        "network as clear VXLAN; set encrypted: true (docker.overlays[].encrypted, driver option "
        "`encrypted`)"
    ]


def test_a_config_value_of_the_wrong_form_is_reported_before_the_rule_reads_it():
    # Types are the engine's to check; the form of a value (here a CIDR) is the pack's,
    # whether or not the rule reaches it on this stack.
    reports = _validate(
        "docker-network-require-explicit-subnet",
        _dev(),
        {"bridgeDefaultPools": [{"base": "banana", "size": 16}]},
    )

    assert reports.violations == [
        (
            "policy config docker-network-require-explicit-subnet.bridgeDefaultPools[0]: "
            "subnet 'banana' in base: not an IP network; write it like '10.0.0.0/24'",
            None,
        )
    ]


def _unknown_subnet(name: str, inputs: dict[str, Any]) -> None:
    if name == "netkit-dev-mesh-network":
        inputs["ipamConfigs"] = [{"subnet": UNKNOWN_STRING_VALUE}]
        inputs["internal"] = UNKNOWN_BOOLEAN_VALUE


def test_unknown_values_are_dropped_and_noted_instead_of_raising_on_access():
    resources = [r for r in _dev(_unknown_subnet) if r.name == "netkit-dev-mesh-network"]

    [plain], notes = to_records(resources)

    assert plain.inputs["ipamConfigs"] == [{}]
    assert "internal" not in plain.inputs
    assert notes == [
        "docker:index/network:Network 'netkit-dev-mesh-network': internal",
        "docker:index/network:Network 'netkit-dev-mesh-network': ipamConfigs[0].subnet",
    ]


def test_an_unknown_value_ends_the_policy_with_the_advisory_pulumi_policy_reports():
    with pytest.raises(UnknownValueError) as raised:
        _validate("docker-network-require-explicit-subnet", _dev(_unknown_subnet))

    assert raised.value.message == (
        "could not verify internal of docker Network 'netkit-dev-mesh-network', "
        "ipamConfigs[0].subnet of docker Network 'netkit-dev-mesh-network' during preview (value "
        "unknown); checked again at update"
    )


def test_rules_that_do_not_read_the_unknown_value_are_not_held_up():
    assert _validate("k8s-namespace-require-default-deny", _dev(_unknown_subnet)).violations == []


def test_a_kubernetes_object_whose_name_is_unknown_waits_for_the_update():
    def unknown_name(name: str, inputs: dict[str, Any]) -> None:
        if name == "shop-web-isolation-default-deny":
            inputs["metadata"]["name"] = UNKNOWN_STRING_VALUE

    records, notes = to_records(_dev(unknown_name))

    assert "shop-web-isolation-default-deny" not in {r.name for r in records}
    assert notes == [
        "kubernetes:networking.k8s.io/v1:NetworkPolicy 'shop-web-isolation-default-deny': metadata.name"
    ]
    with pytest.raises(UnknownValueError):
        _validate("k8s-namespace-require-default-deny", _dev(unknown_name))


def _engine_view(resources: list[PolicyResource]) -> list[EngineResource]:
    return [EngineResource(r.resource_type, r.name, r.urn, r.props) for r in resources]


def test_policies_served_in_one_analysis_share_one_reading_of_the_stack():
    analysis = StackAnalysis()
    with analysis.serving(_engine_view(_dev(_unknown_subnet))):
        first, _ = analysis.context_for(_dev())
        again, _ = analysis.context_for([])

    assert again is first
    assert first.model.unknown, "the served resources are read, not the ones a policy is given"
    outside, _ = analysis.context_for(_dev())
    assert outside is not first
    assert not outside.model.unknown


def test_a_stack_served_on_one_thread_is_not_seen_from_another():
    import threading

    analysis = StackAnalysis()
    elsewhere: list[Any] = []
    with analysis.serving(_engine_view(_dev(_unknown_subnet))):
        thread = threading.Thread(target=lambda: elsewhere.append(analysis.context_for(_dev())))
        thread.start()
        thread.join()

    assert not elsewhere[0][0].model.unknown


def test_a_resource_the_model_cannot_read_is_reported_not_passed():
    def bad_port(name: str, inputs: dict[str, Any]) -> None:
        if name == "shop-web-isolation-allow-dns":
            inputs["spec"]["egress"][0]["ports"][0]["port"] = 70000

    [(message, urn)] = _validate("k8s-namespace-require-default-deny", _dev(bad_port)).violations

    assert message == (
        "could not read the stack into the network model: "
        "kubernetes:networking.k8s.io/v1:NetworkPolicy::shop-web-isolation-allow-dns "
        "(NetworkPolicy shop-web/allow-dns-egress): spec.egress[0].ports[0].port: 70000 is not a "
        "port (1-65535)"
    )
    assert urn is None


def test_outputs_unknown_until_a_network_exists_do_not_hold_its_rules_back():
    def new_network_in_the_vpn(name: str, inputs: dict[str, Any]) -> None:
        if name == "netkit-dev-backend-network":
            # At preview a network about to be created has no id or scope yet.
            inputs.update(id=UNKNOWN_STRING_VALUE, scope=UNKNOWN_STRING_VALUE)
            inputs["ipamConfigs"] = [{"subnet": "10.8.1.0/24"}]

    [(message, _)] = _validate(
        "docker-network-disallow-subnet-overlap", _dev(new_network_in_the_vpn)
    ).violations

    assert "10.8.1.0/24 is inside reserved 'corp-vpn'" in message


def test_an_object_inside_a_list_resource_maps_to_the_list_resources_urn():
    urns = {
        "kubernetes:core/v1:List::bundle": "urn:pulumi:dev::netkit::kubernetes:core/v1:List::bundle"
    }
    assert (
        urn_of("kubernetes:core/v1:List::bundle items[2]", urns)
        == urns["kubernetes:core/v1:List::bundle"]
    )


def test_while_serving_the_engines_the_stack_names_are_read_for_what_already_runs():
    import ipaddress

    from netkit.model import AddressSpace, Layer

    def with_hosts(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        if "intent" in inputs:
            inputs["intent"]["dockerEngines"] = [{"name": "local", "url": "unix:///x.sock"}]
        return inputs

    asked: list[Any] = []

    def engines(named: Any) -> tuple[list[AddressSpace], list[str]]:
        asked.extend(named)
        running = AddressSpace(
            "compose_default", Layer.DOCKER_BRIDGE, ipaddress.ip_network("10.210.2.0/25"),
            "docker network compose_default on local", host="local", live=True,
        )  # fmt: skip
        return [running], []

    resources = _dev(with_hosts)
    analysis = StackAnalysis(engines)
    reports = Reports()
    with analysis.serving(
        [EngineResource(r.resource_type, r.name, r.urn, r.props) for r in resources]
    ):
        for policy in [stack_policy(rule, analysis) for rule in RULES]:
            policy.validate(StackValidationArgs(resources, None), reports)

    assert [(e.name, e.url) for e in asked] == [("local", "unix:///x.sock")]
    assert len(reports.violations) == 1
    assert (
        "existing docker bridge 'compose_default' 10.210.2.0/25 on host 'local'"
        in (reports.violations[0][0])
    )
