"""The registry: every rule's shape, levels and config as a policy-pack config file gives
them, and the advisory for values unknown at preview."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from netkit.model import AddressSpace, Layer, NetworkModel
from netkit_policies.registry import RULES, InvalidPolicyConfig, PackConfig, run_rules, schema_of
from netkit_policies.rules.base import FORMATS, NAME_PATTERN, Level
from tests.policies.conftest import (
    deployment,
    dev_model,
    ingress,
    k8s,
    namespace,
    policy,
    service,
    tcp,
)


def _edit(target: str, change: Callable[[dict[str, Any]], None]) -> Callable[[], NetworkModel]:
    def build() -> NetworkModel:
        def edit(name: str, inputs: dict[str, Any]) -> dict[str, Any] | None:
            if name == target:
                change(inputs)
            return inputs

        # The Calico rules need the stack to install Calico (dev declares kube-router).
        return dev_model(edit, calico="calico" in target)

    return build


def _drop(target: str) -> Callable[[], NetworkModel]:
    return lambda: dev_model(lambda name, inputs: None if name == target else inputs)


def _set(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda inputs: inputs.update(values)


def _intent(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    return lambda inputs: change(inputs["intent"])


def _manifests(*objects: dict[str, Any]) -> Callable[[], NetworkModel]:
    return lambda: k8s(*objects)


_OPEN = policy("shop", "open", {"app": "web"}, types=None, ingress=[{"ports": [{"port": 80}]}])
_PUBLIC = policy(
    "shop",
    "public",
    {"app": "web"},
    types=["Ingress"],
    ingress=[{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [tcp(80)]}],
)


_SHADOWED = {
    "apiVersion": "policy.networking.k8s.io/v1alpha1",
    "kind": "AdminNetworkPolicy",
    "metadata": {"name": "order"},
    "spec": {
        "priority": 1,
        "subject": {"namespaces": {}},
        "ingress": [
            {"name": "deny-all", "action": "Deny", "from": [{"namespaces": {}}]},
            {"name": "allow-shop", "action": "Allow", "from": [{"namespaces": {}}]},
        ],
        "egress": [{"name": "pass", "action": "Pass", "to": [{"namespaces": {}}]}],
    },
}


def _named_port_pod(name: str, **ports: int) -> dict[str, Any]:
    """A bare pod of namespace shop with named TCP ports (kube-router's leak needs pods
    whose ports differ)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": {"app": name}},
        "spec": {
            "containers": [
                {"name": "c", "ports": [{"name": n, "containerPort": p} for n, p in ports.items()]}
            ]
        },
    }


def _running_beside(subnet: str) -> Callable[[], NetworkModel]:
    """The dev stack, with a network of that subnet already running on its engine."""

    def build() -> NetworkModel:
        model = dev_model()
        running = AddressSpace(
            "other", Layer.DOCKER_BRIDGE, ipaddress.ip_network(subnet), "engine", host="local",
            live=True,
        )  # fmt: skip
        return replace(model, address_spaces=(*model.address_spaces, running))

    return build


def _with_docker_socket() -> dict[str, Any]:
    manifest = deployment("ci", "runner")
    manifest["spec"]["template"]["spec"]["volumes"] = [
        {"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}
    ]
    return manifest


NOTHING_USED = (
    Path(__file__).resolve().parents[1] / "fixtures" / "observed" / "learned-nothing-used.json"
)

# One model per rule that the rule finds fault with (and a config when it needs one).
VIOLATING: dict[str, tuple[Callable[[], NetworkModel], dict[str, Any]]] = {
    "docker-network-disallow-subnet-overlap": (
        _edit("netkit-dev-backend-network", _set(ipamConfigs=[{"subnet": "10.8.1.0/24"}])),
        {},
    ),
    "docker-network-require-explicit-subnet": (
        _edit("netkit-dev-mesh-network", _set(ipamConfigs=[])),
        {},
    ),
    "docker-network-disallow-existing-overlap": (_running_beside("10.210.2.0/25"), {}),
    "calico-ippool-require-valid-config": (
        _edit(
            "netkit-dev-calico-installation",
            lambda i: i["spec"]["calicoNetwork"]["ipPools"][0].update(blockSize=12),
        ),
        {},
    ),
    "calico-ippool-require-inside-pod-cidr": (
        _edit(
            "netkit-dev-calico-installation",
            lambda i: i["spec"]["calicoNetwork"]["ipPools"][0].update(cidr="10.245.0.0/17"),
        ),
        {},
    ),
    "docker-network-require-gateway-in-subnet": (
        _edit(
            "netkit-dev-backend-network",
            _set(ipamConfigs=[{"subnet": "10.210.2.0/24", "gateway": "10.210.3.1"}]),
        ),
        {},
    ),
    "k8s-namespace-require-default-deny": (_drop("shop-web-isolation-default-deny"), {}),
    "k8s-workload-require-network-policy": (
        _manifests(namespace("shop"), deployment("shop", "web")),
        {},
    ),
    "k8s-workload-require-dns-egress": (_drop("shop-web-isolation-allow-dns"), {}),
    "k8s-networkpolicy-disallow-allow-all": (
        _manifests(namespace("shop"), deployment("shop", "web"), _OPEN),
        {},
    ),
    "k8s-networkpolicy-disallow-ingress-from-anywhere": (
        _manifests(namespace("shop"), deployment("shop", "web"), _PUBLIC),
        {},
    ),
    "k8s-networkpolicy-restrict-empty-pod-selector": (dev_model, {"allowDnsPolicies": False}),
    "k8s-networkpolicy-disallow-dangling": (
        lambda: dataclasses.replace(dev_model(), ingress_controller_namespace="traefik"),
        {},
    ),
    "k8s-networkpolicy-require-policy-types": (
        _manifests(namespace("shop"), deployment("shop", "web"), _OPEN),
        {},
    ),
    "k8s-networkpolicy-require-port-protocol": (
        _manifests(namespace("shop"), deployment("shop", "web"), _OPEN),
        {},
    ),
    "k8s-networkpolicy-intent-matches-reachability": (
        _drop("shop-web-web-to-shop-api-api-ingress"),
        {},
    ),
    # The dev stack against a day of traffic that used none of its connections.
    "k8s-connection-disallow-unused": (
        dev_model,
        {"learnedFile": str(NOTHING_USED), "window": "1d"},
    ),
    "k8s-service-restrict-type": (
        _manifests(namespace("shop"), service("shop", "web", type_="NodePort")),
        {},
    ),
    "k8s-service-restrict-external-ips": (
        _manifests(namespace("shop"), service("shop", "web", externalIPs=["192.0.2.1"])),
        {},
    ),
    "k8s-ingress-require-tls": (_manifests(ingress("shop", "web", ["a.example.com"])), {}),
    "k8s-ingress-disallow-wildcard-host": (
        _manifests(ingress("shop", "web", ["*.example.com"], tls=["*.example.com"])),
        {},
    ),
    "k8s-ingress-require-unique-host-path": (
        _manifests(
            ingress("shop", "a", ["a.example.com"], tls=["a.example.com"]),
            ingress("shop", "b", ["a.example.com"], tls=["a.example.com"]),
        ),
        {},
    ),
    "k8s-ingress-disallow-snippet-annotations": (
        _manifests(
            ingress(
                "shop",
                "web",
                ["a.example.com"],
                tls=["a.example.com"],
                annotations={"nginx.ingress.kubernetes.io/auth-snippet": "x"},
            )
        ),
        {},
    ),
    "k8s-workload-disallow-host-network": (
        _manifests(deployment("shop", "web", host_network=True)),
        {},
    ),
    "k8s-service-disallow-dangling": (_manifests(service("shop", "web")), {}),
    "k8s-service-require-declared-target-port": (
        _manifests(
            deployment("shop", "web"),
            service("shop", "web", ports=[{"port": 80, "targetPort": "grpc"}]),
        ),
        {},
    ),
    "k8s-ingress-disallow-dangling-backend": (
        _manifests(ingress("shop", "web", ["a.example.com"], tls=["a.example.com"])),
        {},
    ),
    "k8s-workload-require-drop-net-raw": (_manifests(deployment("shop", "web")), {}),
    "k8s-workload-disallow-docker-socket": (_manifests(_with_docker_socket()), {}),
    "k8s-workload-restrict-host-port-range": (
        _manifests(deployment("shop", "web", host_port=80)),
        {},
    ),
    "docker-network-require-internal-backend": (
        _edit("netkit-dev-backend-network", _set(internal=False)),
        {},
    ),
    "docker-network-require-icc-disabled": (dev_model, {"iccDisabledRoles": ["backend"]}),
    "docker-container-disallow-public-publish": (
        _edit(
            "netkit-dev-web-container",
            _set(ports=[{"internal": 8080, "external": 80, "ip": "0.0.0.0", "protocol": "tcp"}]),
        ),
        {},
    ),
    "docker-network-require-overlay-encryption": (dev_model, {"requireEncryption": True}),
    "k8s-cni-require-policy-enforcement": (_edit("netkit-dev", _intent(_set(clusterCni=""))), {}),
    "k8s-cni-require-tiered-policy-enforcement": (
        _manifests(
            deployment("shop", "web"),
            {
                "apiVersion": "projectcalico.org/v3",
                "kind": "GlobalNetworkPolicy",
                "metadata": {"name": "baseline"},
                "spec": {"selector": "all()", "types": ["Ingress"]},
            },
        ),
        {},
    ),
    "k8s-tieredpolicy-disallow-shadowed-rule": (
        _manifests(deployment("shop", "web"), deployment("other", "api"), _SHADOWED),
        {},
    ),
    "k8s-tieredpolicy-disallow-pass-to-default": (
        _manifests(deployment("shop", "web"), deployment("other", "api"), _SHADOWED),
        {},
    ),
    "k8s-enforcer-known-deviation": (
        _manifests(
            _named_port_pod("p", svc=80, aux=81),
            _named_port_pod("q", aux=80, svc=81),
            _named_port_pod("r", aux=80, admin=81),
            policy(
                "shop",
                "svc",
                {},
                types=["Ingress"],
                ingress=[{"from": [{"namespaceSelector": {}}], "ports": [{"port": "svc"}]}],
            ),
        ),
        {"clusterCni": "kube-router"},
    ),
    "docker-network-disallow-bridge-across-hosts": (
        _edit(
            "netkit-dev-frontend-network",
            lambda i: i["labels"].append({"label": "netkit.multi-host", "value": "true"}),
        ),
        {},
    ),
}

RULE_NAMES = [rule.name for rule in RULES]


# --------------------------------------------------------------------------- shape


def test_every_rule_is_named_area_resource_what_and_described_as_checks_that():
    assert len(set(RULE_NAMES)) == len(RULE_NAMES) == 40
    for rule in RULES:
        assert NAME_PATTERN.match(rule.name), rule.name
        assert rule.description.startswith("Checks that"), rule.name
        assert rule.description.endswith("."), rule.name


def test_every_config_property_has_a_default_that_its_own_schema_accepts():
    for rule in RULES:
        PackConfig.parse({rule.name: rule.defaults()})
        assert schema_of(rule)["additionalProperties"] is False
        for key, prop in rule.config.items():
            assert prop["description"], (rule.name, key)


def test_every_format_a_schema_names_is_one_the_registry_checks():
    # jsonschema ignores a format it does not know, so a typo would check nothing.
    def formats(schema: Any) -> Iterator[str]:
        if isinstance(schema, dict):
            if isinstance(schema.get("format"), str):
                yield schema["format"]
            for value in schema.values():
                yield from formats(value)
        elif isinstance(schema, list):
            for value in schema:
                yield from formats(value)

    named = {name for rule in RULES for name in formats(dict(rule.config))}
    assert named <= set(FORMATS)
    assert {"cidr", "ip-address", "address-pool", "namespaced-name"} <= named


def test_overlap_and_least_privilege_rules_are_mandatory_by_default():
    levels = {rule.name: rule.level for rule in RULES}
    advisory = sorted(name for name, level in levels.items() if level is Level.ADVISORY)

    assert advisory == [
        "k8s-enforcer-known-deviation",
        "k8s-ingress-disallow-dangling-backend",
        "k8s-ingress-disallow-wildcard-host",
        "k8s-ingress-require-unique-host-path",
        "k8s-networkpolicy-disallow-dangling",
        "k8s-networkpolicy-require-policy-types",
        "k8s-networkpolicy-require-port-protocol",
        "k8s-service-disallow-dangling",
        "k8s-service-require-declared-target-port",
        "k8s-tieredpolicy-disallow-pass-to-default",
        "k8s-tieredpolicy-disallow-shadowed-rule",
        "k8s-workload-require-drop-net-raw",
        "k8s-workload-restrict-host-port-range",
    ]


def test_every_rule_has_a_violating_example():
    assert sorted(VIOLATING) == sorted(RULE_NAMES)


# --------------------------------------------------------------------------- levels


@pytest.mark.parametrize("rule", RULES, ids=RULE_NAMES)
def test_each_rule_reports_at_its_default_level_and_the_config_overrides_it(rule):
    build, values = VIOLATING[rule.name]
    model = build()

    def levels(document: dict[str, Any]) -> set[str]:
        found = run_rules(model, PackConfig.parse(document), rules=[rule])
        return {str(finding.level) for finding in found}

    # A rule off by default reports nothing until the config gives it a level.
    default = set() if rule.level is Level.DISABLED else {str(rule.level)}
    assert levels({rule.name: values}) == default
    other = "advisory" if rule.level is Level.MANDATORY else "mandatory"
    assert levels({rule.name: {"enforcementLevel": other, **values}}) == {other}
    assert levels({"all": other, rule.name: values}) == {other}
    assert levels({rule.name: {"enforcementLevel": "disabled", **values}}) == set()
    if values:
        assert levels({}) == set(), "the example needs its config"


def test_a_rules_own_level_wins_over_all():
    config = PackConfig.parse({"all": "disabled", "k8s-namespace-require-default-deny": "advisory"})

    found = run_rules(_drop("shop-web-isolation-default-deny")(), config)

    assert [(f.rule, str(f.level)) for f in found] == [
        ("k8s-namespace-require-default-deny", "advisory")
    ]


# --------------------------------------------------------------------------- config errors


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"k8s-namespace-require-default-denied": "advisory"},
            "policy config: unknown rule 'k8s-namespace-require-default-denied'; did you mean "
            "'k8s-namespace-require-default-deny'?",
        ),
        (
            {"docker-network-require-icc-disabled": "warn"},
            "policy config: docker-network-require-icc-disabled: enforcement level 'warn' is not "
            "one of advisory, mandatory, disabled",
        ),
        (
            {"docker-network-require-icc-disabled": {"iccRoles": ["backend"]}},
            "policy config: docker-network-require-icc-disabled: unknown property 'iccRoles' "
            "(this rule's properties: iccDisabledRoles)",
        ),
        (
            {"docker-network-require-icc-disabled": {"iccDisabledRoles": "backend"}},
            "policy config: docker-network-require-icc-disabled.iccDisabledRoles: 'backend' is "
            "not of type 'array'",
        ),
        (
            {"docker-network-disallow-subnet-overlap": {"reservedRanges": [{"name": "vpn"}]}},
            "policy config: docker-network-disallow-subnet-overlap.reservedRanges[0]: 'cidr' is "
            "a required property",
        ),
        (
            {"k8s-service-restrict-type": {"allowedTypes": ["Nodeport"]}},
            "policy config: k8s-service-restrict-type.allowedTypes[0]: 'Nodeport' is not one of "
            "['ClusterIP', 'Headless', 'NodePort', 'LoadBalancer', 'ExternalName']",
        ),
        (
            {"k8s-cni-require-policy-enforcement": {"clusterCni": "cilum"}},
            "policy config: k8s-cni-require-policy-enforcement.clusterCni: 'cilum' is not one of "
            "['', 'calico', 'cilium', 'canal', 'kube-router', 'antrea', 'weave', 'flannel']",
        ),
        (
            {
                "docker-network-require-explicit-subnet": {
                    "bridgeDefaultPools": [{"base": "banana", "size": 16}]
                }
            },
            "policy config: docker-network-require-explicit-subnet.bridgeDefaultPools[0]: "
            "subnet 'banana' in base: not an IP network; write it like '10.0.0.0/24'",
        ),
        (
            {
                "docker-network-require-explicit-subnet": {
                    "swarmDefaultPools": [{"base": "10.0.0.0/8", "size": 99}]
                }
            },
            "policy config: docker-network-require-explicit-subnet.swarmDefaultPools[0]: "
            "size 99: subnets cut from 10.0.0.0/8 have a prefix of 8-32",
        ),
        (
            {
                "docker-network-require-explicit-subnet": {
                    "bridgeDefaultPools": [{"base": "10.0.0.0/16", "size": 8}]
                }
            },
            "policy config: docker-network-require-explicit-subnet.bridgeDefaultPools[0]: "
            "size 8: subnets cut from 10.0.0.0/16 have a prefix of 16-32",
        ),
        (
            {"k8s-service-restrict-external-ips": {"allowedExternalIPs": ["nope"]}},
            "policy config: k8s-service-restrict-external-ips.allowedExternalIPs[0]: address "
            "'nope': expected an IP address like '10.0.0.1'",
        ),
        (
            {"docker-network-disallow-subnet-overlap": {"dockerDefaultBridge": "172.17.0.0/33"}},
            "policy config: docker-network-disallow-subnet-overlap.dockerDefaultBridge: subnet "
            "'172.17.0.0/33': prefix must be 0-32",
        ),
        (
            {"k8s-workload-require-network-policy": {"exemptNamespaces": ["Kube_System"]}},
            "policy config: k8s-workload-require-network-policy.exemptNamespaces[0]: name "
            "'Kube_System': must be at most 63 lowercase letters, digits or '-', starting and "
            "ending with a letter or digit; try 'kube-system'",
        ),
        (
            {"k8s-networkpolicy-disallow-allow-all": {"allowedPolicies": ["just-a-name"]}},
            "policy config: k8s-networkpolicy-disallow-allow-all.allowedPolicies[0]: "
            "'just-a-name': expected namespace/name, like 'kube-system/coredns'",
        ),
        (
            {"k8s-ingress-require-tls": {"allowPlaintextHosts": ["Shop.example.com"]}},
            "policy config: k8s-ingress-require-tls.allowPlaintextHosts[0]: host "
            "'Shop.example.com': 'Shop' is not a DNS label (lowercase letters, digits and '-', "
            "starting and ending with a letter or digit)",
        ),
        (
            {
                "k8s-networkpolicy-disallow-dangling": {
                    "externalPeers": [{"namespace": "monitoring", "podLabels": {"bad key!": "x"}}]
                }
            },
            "policy config: k8s-networkpolicy-disallow-dangling.externalPeers[0].podLabels: "
            "label key 'bad key!': the name part must be at most 63 characters of letters, "
            "digits, '-', '_' or '.', starting and ending with a letter or digit",
        ),
        (
            {"docker-container-disallow-public-publish": {"allowedContainers": ["-web"]}},
            "policy config: docker-container-disallow-public-publish.allowedContainers[0]: name "
            "'-web': Docker names are letters, digits, '_', '.' or '-', starting with a letter "
            "or digit",
        ),
        (
            ["advisory"],
            "policy config: expected a mapping of rule name to a level or to "
            'properties, like {"all": "advisory"}',
        ),
    ],
)
def test_config_mistakes_name_the_rule_the_property_and_the_bad_value(document, message):
    with pytest.raises(InvalidPolicyConfig) as error:
        PackConfig.parse(document)

    assert str(error.value) == message


def test_the_config_file_is_the_json_pulumi_takes(tmp_path: Path):
    path = tmp_path / "policy-config.json"
    path.write_text(
        json.dumps(
            {
                "all": {"enforcementLevel": "advisory"},
                "docker-network-require-icc-disabled": {
                    "enforcementLevel": "mandatory",
                    "iccDisabledRoles": ["backend"],
                },
            }
        )
    )

    config = PackConfig.load(path)

    rule = next(r for r in RULES if r.name == "docker-network-require-icc-disabled")
    assert config.level(rule) is Level.MANDATORY
    assert config.values_for(rule) == {"iccDisabledRoles": ["backend"]}
    assert config.level(RULES[0]) is Level.ADVISORY


# --------------------------------------------------------------------------- unknowns


def test_a_value_unknown_at_preview_is_an_advisory_and_hides_guesses_about_that_resource():
    def unknown_subnet(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        if name == "netkit-dev-mesh-network":
            inputs["ipamConfigs"] = []
            inputs["internal"] = False
        return inputs

    model = dev_model(unknown_subnet)
    note = "docker:index/network:Network 'netkit-dev-mesh-network': ipamConfigs[0].subnet"
    preview = replace(model, unknown=(note,))

    found = [(f.rule, str(f.level), f.resource.describe(), f.message) for f in run_rules(preview)]

    unknown_message = (
        "could not verify ipamConfigs[0].subnet of docker Network 'netkit-dev-mesh-network' "
        "during preview (value unknown); checked again at update"
    )
    watching = [
        "docker-network-disallow-subnet-overlap",
        "docker-network-disallow-existing-overlap",
        "docker-network-require-explicit-subnet",
        "docker-network-require-gateway-in-subnet",
        "docker-network-require-internal-backend",
        "docker-network-require-icc-disabled",
        "docker-network-require-overlay-encryption",
        "docker-network-disallow-bridge-across-hosts",
    ]
    assert found == [
        (rule, "advisory", "Network netkit-dev-mesh-network", unknown_message) for rule in watching
    ]
    # At update the value is known: the same resource without a subnet is a violation.
    assert [f.rule for f in run_rules(model)] == ["docker-network-require-explicit-subnet"]


def test_remediate_is_read_as_mandatory_as_the_engine_does_for_stack_policies():
    config = PackConfig.parse({"docker-network-require-icc-disabled": "remediate"})
    [rule] = [r for r in RULES if r.name == "docker-network-require-icc-disabled"]
    assert config.level(rule) is Level.MANDATORY
