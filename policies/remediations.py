"""Fixes the pack makes itself, at pulumi-policy's `remediate` level.

Two mistakes have one right fix that needs no judgment, so the pack can rewrite the
resource's inputs before the engine sends them to the provider, when the policy's level
in the pack config is `remediate` (at any other level they do nothing: the rules
`docker-container-disallow-public-publish` and `k8s-workload-require-dns-egress` report
the mistake):

- `docker-container-remediate-publish-loopback`: a Docker container port published on
  every address (`ip` 0.0.0.0, `::` or unset) is bound to loopback (127.0.0.1, or ::1);
- `k8s-networkpolicy-remediate-dns-egress`: a NetworkPolicy that isolates egress and
  allows no UDP 53 gets the rule every pod needs, egress to the cluster DNS pods on UDP
  and TCP 53.

Each is a pulumi-policy `ResourceValidationPolicy` with a `remediate` callback: a pure
function of the resource's inputs and the policy's config, tested on its own.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from netkit.model import NAMESPACE_NAME_LABEL

__all__ = ["REMEDIATIONS", "Remediation", "loopback_ports", "with_dns_egress"]

CONTAINER_TYPE = "docker:index/container:Container"
NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
_LOOPBACK = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1", "[::]": "::1"}


@dataclass(frozen=True)
class Remediation:
    """A mechanical fix of one resource type: `fix(inputs, config)` returns the new
    inputs, or None when the resource needs none."""

    name: str
    description: str
    resource_type: str
    fix: Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any] | None]
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """JSON-schema properties, each with a default and a description."""
    fixes: str = ""
    """The rule whose violations this fixes."""

    def resolve(self, values: Mapping[str, Any] | None) -> dict[str, Any]:
        resolved = {key: schema["default"] for key, schema in self.config.items()}
        resolved.update({k: v for k, v in (values or {}).items() if k in self.config})
        return resolved


def loopback_ports(inputs: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The container's inputs with every port published on all addresses bound to
    loopback; None when none is (or the container is allowed to)."""
    if str(inputs.get("name", "")) in set(config.get("allowedContainers") or []):
        return None
    ports = inputs.get("ports")
    if not isinstance(ports, list):
        return None
    fixed = copy.deepcopy(dict(inputs))
    changed = False
    for port in fixed["ports"]:
        if not isinstance(port, dict):
            continue
        address = str(port.get("ip") or "")
        if address in _LOOPBACK:
            port["ip"] = _LOOPBACK[address]
            changed = True
    return fixed if changed else None


def _allows_dns(rule: Mapping[str, Any]) -> bool:
    ports = rule.get("ports") or []
    if not ports:
        return True
    for port in ports:
        if not isinstance(port, Mapping):
            continue
        protocol = str(port.get("protocol") or "TCP").upper()
        number, end = port.get("port"), port.get("endPort")
        if protocol != "UDP":
            continue
        if (
            number is None
            or number == 53
            or (isinstance(number, int) and isinstance(end, int) and number <= 53 <= end)
        ):
            return True
    return False


def with_dns_egress(inputs: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The policy's inputs with egress to the cluster DNS on UDP and TCP 53 added, when it
    isolates egress and no rule allows UDP 53; None otherwise."""
    spec = inputs.get("spec")
    metadata = inputs.get("metadata")
    if not isinstance(spec, Mapping):
        return None
    namespace = str(metadata.get("namespace", "")) if isinstance(metadata, Mapping) else ""
    if namespace in set(config.get("exemptNamespaces") or []):
        return None
    types = spec.get("policyTypes")
    egress = spec.get("egress") or []
    isolates = "Egress" in types if isinstance(types, list) else bool(egress)
    if not isolates or not isinstance(egress, list):
        return None
    if any(isinstance(rule, Mapping) and _allows_dns(rule) for rule in egress):
        return None
    dns_rule = {
        "to": [
            {
                "namespaceSelector": {
                    "matchLabels": {NAMESPACE_NAME_LABEL: str(config["dnsNamespace"])}
                },
                "podSelector": {"matchLabels": dict(config["dnsLabels"])},
            }
        ],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }
    fixed = copy.deepcopy(dict(inputs))
    fixed["spec"] = {**fixed["spec"], "egress": [*egress, dns_rule]}
    return fixed


REMEDIATIONS: tuple[Remediation, ...] = (
    Remediation(
        name="docker-container-remediate-publish-loopback",
        description="Checks that no container publishes a port on every address, binding "
        "such ports to loopback (127.0.0.1 or ::1) at the remediate level.",
        resource_type=CONTAINER_TYPE,
        fix=loopback_ports,
        config={
            "allowedContainers": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "Containers left publishing on every address.",
            }
        },
        fixes="docker-container-disallow-public-publish",
    ),
    Remediation(
        name="k8s-networkpolicy-remediate-dns-egress",
        description="Checks that every NetworkPolicy isolating egress allows the cluster "
        "DNS, adding egress to it on UDP and TCP 53 at the remediate level.",
        resource_type=NETWORK_POLICY_TYPE,
        fix=with_dns_egress,
        config={
            "dnsNamespace": {
                "type": "string",
                "default": "kube-system",
                "description": "Namespace of the cluster DNS pods.",
            },
            "dnsLabels": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "default": {"k8s-app": "kube-dns"},
                "description": "Labels of the cluster DNS pods.",
            },
            "exemptNamespaces": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "Namespaces whose policies are left as they are.",
            },
        },
        fixes="k8s-workload-require-dns-egress",
    ),
)
