"""What a rule is: a named, described, configurable pure function over the network model.

A `Rule` holds a name (`<area>-<resource>-<what>`), a description that starts
"Checks that", a default enforcement level, a severity, the remediation steps, a URL
with more information and tags (pulumi-policy's metadata, also read by `netkit check
--format sarif`), a config schema (JSON-schema properties, each with a default and a
description) and `check(context, config)`, which yields `Violation`s: the offending
resource, a message naming the bad value and the fix, and the value as written (so a
finding can point at it in the stack file or manifest).

The registry runs rules on a `Context` (the model plus analyses computed once and
shared, such as NetworkPolicy reachability) and turns violations into `Finding`s with
the rule's name and level. Nothing here imports Pulumi.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from netkit import names
from netkit.cidr import parse_cidr, parse_ip
from netkit.errors import InvalidValue
from netkit.model import (
    AddressSpace,
    CalicoPool,
    CniInstall,
    DockerContainer,
    DockerNetwork,
    Ingress,
    IPNetwork,
    Layer,
    Namespace,
    NetworkModel,
    NetworkPolicy,
    Service,
    TieredPolicy,
    Workload,
)
from netkit.positions import Location
from netkit.privileges import PortRange
from netkit.reachability import Reachability, analyze

RuleConfig = Mapping[str, Any]
"""A rule's configuration: the schema's defaults overlaid with the user's values."""

NAME_PATTERN = re.compile(r"^(docker|k8s|calico)-[a-z0-9]+(-[a-z0-9]+)+$")
DESCRIPTION_PREFIX = "Checks that"

UNKNOWN_MESSAGE = "could not verify {what} during preview (value unknown); checked again at update"
"""The advisory for a value that is unknown during `pulumi preview`."""


class Level(StrEnum):
    """Enforcement levels, as pulumi-policy names them."""

    ADVISORY = "advisory"
    MANDATORY = "mandatory"
    DISABLED = "disabled"


class Severity(StrEnum):
    """How bad a violation is, as pulumi-policy names it (independent of the level,
    which says whether it stops a deployment)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


# --------------------------------------------------------------------------- resources


_SPACE_KINDS = {
    Layer.DOCKER_BRIDGE: "DockerNetwork",
    Layer.DOCKER_OVERLAY: "DockerNetwork",
    Layer.DOCKER_DEFAULT_POOL: "DockerDefaultPool",
    Layer.CALICO_POOL: "CalicoIPPool",
    Layer.POD_CIDR: "PodCIDR",
    Layer.SERVICE_CIDR: "ServiceCIDR",
    Layer.NODE: "NodeNetwork",
    Layer.HOST_ROUTE: "HostRoute",
    Layer.RESERVED: "ReservedRange",
}


@dataclass(frozen=True)
class ResourceRef:
    """The resource a finding is about: kind, namespace (Kubernetes), name and origin.

    `source` is where the model says it was declared (a Pulumi URN, `type::name`, or
    `file, document N`); the pack adapter maps it to the URN the engine knows.
    """

    kind: str
    name: str
    namespace: str = ""
    source: str = ""

    def describe(self) -> str:
        """`Deployment shop/web`, `Namespace shop`, `DockerNetwork backend`, `Stack`."""
        if not self.name:
            return self.kind
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"

    @classmethod
    def stack(cls) -> ResourceRef:
        return cls("Stack", "")

    @classmethod
    def workload(cls, workload: Workload) -> ResourceRef:
        return cls(workload.kind, workload.name, workload.namespace, workload.source)

    @classmethod
    def policy(cls, policy: NetworkPolicy) -> ResourceRef:
        return cls("NetworkPolicy", policy.name, policy.namespace, policy.source)

    @classmethod
    def tiered(cls, policy: TieredPolicy) -> ResourceRef:
        return cls(policy.kind, policy.name, policy.namespace, policy.source)

    @classmethod
    def namespace_of(cls, namespace: Namespace) -> ResourceRef:
        return cls("Namespace", namespace.name, "", namespace.source)

    @classmethod
    def service(cls, service: Service) -> ResourceRef:
        return cls("Service", service.name, service.namespace, service.source)

    @classmethod
    def ingress(cls, ingress: Ingress) -> ResourceRef:
        return cls(ingress.kind, ingress.name, ingress.namespace, ingress.source)

    @classmethod
    def network(cls, network: DockerNetwork) -> ResourceRef:
        return cls("DockerNetwork", network.name, "", network.source)

    @classmethod
    def container(cls, container: DockerContainer) -> ResourceRef:
        return cls("DockerContainer", container.name, "", container.source)

    @classmethod
    def pool(cls, pool: CalicoPool) -> ResourceRef:
        return cls("CalicoIPPool", pool.name, "", pool.source)

    @classmethod
    def cni(cls, install: CniInstall) -> ResourceRef:
        return cls("CniInstall", install.name, "", install.source)

    @classmethod
    def space(cls, space: AddressSpace) -> ResourceRef:
        return cls(_SPACE_KINDS.get(space.layer, "AddressSpace"), space.name, "", space.source)


@dataclass(frozen=True)
class Violation:
    """What a rule's check yields: the resource and a message with the bad value and fix."""

    resource: ResourceRef
    message: str
    value: str = ""
    """The offending value as the input writes it (`0.0.0.0`, `10.8.0.0/16`), when one
    value is at fault: a finding points at it in the stack file or manifest."""


@dataclass(frozen=True)
class Finding:
    """A violation reported under a rule's name, level and metadata."""

    rule: str
    level: Level
    resource: ResourceRef
    message: str
    severity: Severity = Severity.MEDIUM
    remediation: str = ""
    url: str = ""
    value: str = ""
    location: Location | None = None
    """Where the value (or the resource) is written, when the input is a file."""

    def line(self) -> str:
        """`mandatory  high  k8s-namespace-require-default-deny  Namespace shop  namespace ...`,
        prefixed with `FILE:LINE:COLUMN: ` when the finding has a location."""
        where = f"{self.location}: " if self.location is not None else ""
        return (
            f"{where}{self.level:<9}  {self.severity:<8}  {self.rule}  "
            f"{self.resource.describe()}  {self.message}"
        )

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "rule": self.rule,
            "level": str(self.level),
            "severity": str(self.severity),
            "kind": self.resource.kind,
            "namespace": self.resource.namespace,
            "name": self.resource.name,
            "source": self.resource.source,
            "message": self.message,
            "remediation": self.remediation,
            "url": self.url,
        }
        if self.location is not None:
            document["location"] = {
                "file": self.location.file,
                "line": self.location.line,
                "column": self.location.column,
                "path": self.location.path,
            }
        return document


# --------------------------------------------------------------------------- unknowns


_NOTE = re.compile(r"^(?P<type>\S+) (?P<name>'.*'|\".*\"): (?P<field>.+)$")


@dataclass(frozen=True)
class UnknownNote:
    """One `model.unknown` entry: `<type token> '<name>': <field path>`."""

    type: str
    name: str
    field: str

    @classmethod
    def parse(cls, text: str) -> UnknownNote | None:
        match = _NOTE.match(text)
        if match is None:
            return None
        return cls(match["type"], match["name"][1:-1], match["field"])

    @property
    def key(self) -> str:
        """`type::name`, the tail of the resource's URN."""
        return f"{self.type}::{self.name}"

    def describe(self) -> str:
        """`ipamConfigs[0].subnet of docker Network 'backend-network'`."""
        package = self.type.split(":", 1)[0]
        kind = self.type.rsplit(":", 1)[-1]
        return f"{self.field} of {package} {kind} {self.name!r}"

    def concerns(self, source: str) -> bool:
        """Whether `source` (a URN, `type::name`, or a manifest location) is this resource."""
        key = self.key
        return source == key or source.endswith((f"${key}", f"::{key}"))


# --------------------------------------------------------------------------- context


class Context:
    """The model under check, with analyses computed once and shared by every rule."""

    def __init__(self, model: NetworkModel) -> None:
        self.model = model

    @cached_property
    def reachability(self) -> Reachability:
        """NetworkPolicy reachability of the model (`netkit.reachability.analyze`)."""
        return analyze(self.model)

    @cached_property
    def workloads_by_namespace(self) -> Mapping[str, tuple[Workload, ...]]:
        grouped: dict[str, list[Workload]] = {}
        for workload in self.model.workloads:
            grouped.setdefault(workload.namespace, []).append(workload)
        return {name: tuple(items) for name, items in grouped.items()}

    @cached_property
    def policies_by_namespace(self) -> Mapping[str, tuple[NetworkPolicy, ...]]:
        grouped: dict[str, list[NetworkPolicy]] = {}
        for policy in self.model.network_policies:
            grouped.setdefault(policy.namespace, []).append(policy)
        return {name: tuple(items) for name, items in grouped.items()}

    @cached_property
    def unknown_notes(self) -> tuple[UnknownNote, ...]:
        notes = (UnknownNote.parse(text) for text in self.model.unknown)
        return tuple(note for note in notes if note is not None)


Check = Callable[[Context, RuleConfig], Iterable[Violation]]


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """A named validator over the network model, with its level and config schema."""

    name: str
    """`<area>-<resource>-<what>`, e.g. `k8s-namespace-require-default-deny`."""
    description: str
    """Starts with "Checks that"; shown by `pulumi preview` above each violation."""
    level: Level
    """Default enforcement level; the pack config may override it."""
    check: Check
    """Yields a `Violation` per offending resource."""
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """JSON-schema properties of the rule's config; each has a `default` and a `description`."""
    watches: tuple[str, ...] = ()
    """Type-token prefixes whose values the rule reads: an unknown one makes it advise."""
    severity: Severity = field(kw_only=True)
    """How bad a violation is (low, medium, high, critical)."""
    remediation: str = field(kw_only=True)
    """The steps that fix a violation, as a user does them (stack-file keys first)."""
    url: str = field(kw_only=True)
    """A page with more information (the upstream documentation of the setting)."""
    tags: tuple[str, ...] = field(kw_only=True, default=())
    """Area, resource and category, e.g. ("kubernetes", "networkpolicy", "least-privilege")."""

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name):
            raise ValueError(f"rule name {self.name!r} is not <area>-<resource>-<what>")
        if not self.description.startswith(DESCRIPTION_PREFIX):
            raise ValueError(
                f"rule {self.name}: description must start with {DESCRIPTION_PREFIX!r}"
            )
        if not self.remediation or not self.url.startswith("https://"):
            raise ValueError(f"rule {self.name}: needs remediation steps and an https URL")
        for key, schema in self.config.items():
            if "default" not in schema or "description" not in schema:
                raise ValueError(
                    f"rule {self.name}: config {key!r} needs a default and a description"
                )

    def defaults(self) -> dict[str, Any]:
        return {key: schema["default"] for key, schema in self.config.items()}

    def resolve(self, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The defaults overlaid with `values` (keys outside the schema are ignored here;
        `netkit_policies.registry.PackConfig` refuses them with a message)."""
        resolved = self.defaults()
        for key, value in (values or {}).items():
            if key in self.config:
                resolved[key] = value
        return resolved

    def watches_type(self, type_token: str) -> bool:
        return any(type_token.startswith(prefix) for prefix in self.watches)

    def unknowns(self, context: Context) -> list[UnknownNote]:
        """Unknown values (at preview) among the resources this rule reads."""
        return [note for note in context.unknown_notes if self.watches_type(note.type)]


# --------------------------------------------------------------------------- value formats


def _namespaced_name(value: object) -> None:
    if not isinstance(value, str) or value.count("/") != 1:
        raise InvalidValue(f"{value!r}: expected namespace/name, like 'kube-system/coredns'")
    namespace, name = value.split("/")
    names.dns_label(namespace, "namespace")
    names.dns_subdomain(name, "name")


def _address_pool(value: object) -> None:
    """A Docker default address pool: `size` is a prefix inside the family, not shorter
    than `base`'s own (Docker cuts /size subnets out of base)."""
    if not isinstance(value, Mapping) or not isinstance(value.get("size"), int):
        return  # the schema's types report it
    base = parse_cidr(value.get("base"), field="base", strict=False)
    top = 32 if base.version == 4 else 128
    size = value["size"]
    if not base.prefixlen <= size <= top:
        raise InvalidValue(
            f"size {size!r}: subnets cut from {base} have a prefix of {base.prefixlen}-{top}"
        )


def _ingress_host(value: object) -> None:
    if value != "":
        names.hostname(value)


def _duration(value: object) -> None:
    # Imported on first use: the observed-traffic package is not the pack's to load
    # at start-up.
    from netkit.observed.learned import parse_duration

    parse_duration(value)


def _optional_cidr(value: object) -> None:
    if value != "":
        parse_cidr(value, strict=False)


FORMATS: Mapping[str, Callable[[object], object]] = {
    "cidr": lambda value: parse_cidr(value, strict=False),
    "optional-cidr": _optional_cidr,
    "ip-address": parse_ip,
    "dns-label": names.dns_label,
    "namespaced-name": _namespaced_name,
    "ingress-host": _ingress_host,
    "label-key": names.label_key,
    "label-value": names.label_value,
    "docker-name": names.docker_name,
    "address-pool": _address_pool,
    "port-range": PortRange.parse,
    "duration": _duration,
}
"""Value formats a rule's config schema may name (`"format": "cidr"`), each a function
that raises `InvalidValue` naming the value and the rule. `netkit_policies.registry` checks every
configured value against them before any rule runs; the engine's own JSON-schema
validator ignores formats it does not know."""


# --------------------------------------------------------------------------- helpers


def config_cidr(value: object, field: str) -> IPNetwork:
    """A CIDR from the pack config; a bad one names the rule's property and the fix."""
    return parse_cidr(value, field=f"policy config {field}", strict=False)


def string_list_option(
    description: str, choices: Iterable[str] = (), format: str | None = None
) -> dict[str, Any]:
    """Schema of a rule option holding a list of strings, empty by default; with
    `choices`, each must be one of them (a typo is refused, not silently unmatched);
    with `format` (a key of `FORMATS`), each must have that form."""
    items: dict[str, Any] = {"type": "string"}
    if choices:
        items["enum"] = list(choices)
    if format is not None:
        items["format"] = format
    return {"type": "array", "items": items, "default": [], "description": description}


def strings(config: RuleConfig, key: str) -> list[str]:
    """A list-of-strings config value."""
    return [str(item) for item in config.get(key) or []]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def labels_text(labels: Mapping[str, str]) -> str:
    """`app=web,tier=api`, or `{}` for none."""
    if not labels:
        return "{}"
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def listing(items: Iterable[str], limit: int = 3) -> str:
    """`a, b, c` or `a, b, c and 4 more`."""
    values = list(items)
    shown = ", ".join(values[:limit])
    if len(values) > limit:
        shown += f" and {len(values) - limit} more"
    return shown
