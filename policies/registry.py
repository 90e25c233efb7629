"""Every rule of the pack, the pack's configuration, and running rules on a model.

The configuration file is the one `pulumi preview --policy-pack-config FILE` reads, so
one file serves the engine and `netkit check --config FILE`:

    {
      "all": "advisory",
      "k8s-networkpolicy-disallow-dangling": "disabled",
      "docker-network-disallow-subnet-overlap": {
        "enforcementLevel": "mandatory",
        "reservedRanges": [{"name": "corp-vpn", "cidr": "10.8.0.0/16"}]
      }
    }

A rule's level is its own entry's, else `all`'s, else the rule's default. Properties
are checked against the rule's schema; unknown rules and properties are refused.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netkit.documents import read_documents
from netkit.errors import InvalidValue, NetkitError
from netkit.model import NetworkModel
from netkit_policies.remediations import REMEDIATIONS, Remediation
from netkit_policies.rules import (
    cni,
    dangling,
    docker,
    exposure,
    least_privilege,
    observed,
    overlap,
    privileges,
    tiered,
)
from netkit_policies.rules.base import (
    FORMATS,
    UNKNOWN_MESSAGE,
    Context,
    Finding,
    Level,
    ResourceRef,
    Rule,
    Severity,
    UnknownNote,
    Violation,
)

RULES: tuple[Rule, ...] = (
    *overlap.RULES,
    *least_privilege.RULES,
    *exposure.RULES,
    *dangling.RULES,
    *privileges.RULES,
    *docker.RULES,
    *cni.RULES,
    *tiered.RULES,
    *observed.RULES,
)
"""Every rule, in report order: overlap, least privilege, exposure, dangling references,
pod privileges, Docker, CNI, tiered policies, observed traffic."""

_BY_NAME = {rule.name: rule for rule in RULES}
ALL = "all"
LEVEL_KEY = "enforcementLevel"
_LEVELS = {"advisory": Level.ADVISORY, "mandatory": Level.MANDATORY, "disabled": Level.DISABLED}
_LEVELS["remediate"] = Level.MANDATORY  # stack policies cannot remediate; the engine does the same


class InvalidPolicyConfig(NetkitError, ValueError):
    """The policy pack configuration names an unknown rule, level or property."""


_REMEDIATIONS = {remediation.name: remediation for remediation in REMEDIATIONS}


def rule_named(name: str) -> Rule:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise InvalidPolicyConfig(f"unknown rule {name!r}{_did_you_mean(name)}") from None


def _did_you_mean(name: str) -> str:
    close = difflib.get_close_matches(name, [*_BY_NAME, *_REMEDIATIONS, ALL], n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; the rules are: {', '.join(_BY_NAME)}"


def _level(value: object, where: str) -> Level:
    if isinstance(value, str) and value in _LEVELS:
        return _LEVELS[value]
    raise InvalidPolicyConfig(
        f"{where}: enforcement level {value!r} is not one of advisory, mandatory, disabled"
    )


@dataclass(frozen=True)
class PackConfig:
    """Levels and properties per rule, as a policy-pack config file gives them."""

    levels: Mapping[str, Level] = field(default_factory=dict)
    default_level: Level | None = None
    """The `all` entry's level."""
    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def parse(cls, document: object, origin: str = "policy config") -> PackConfig:
        """Validate a config document (a mapping of rule name -> level or properties)."""
        if document is None:
            return cls()
        if not isinstance(document, Mapping):
            raise InvalidPolicyConfig(
                f"{origin}: expected a mapping of rule name to a level or to properties, "
                f'like {{"all": "advisory"}}'
            )
        levels: dict[str, Level] = {}
        values: dict[str, dict[str, Any]] = {}
        default_level: Level | None = None
        for name, entry in document.items():
            where = f"{origin}: {name}"
            if name == ALL:
                raw = entry.get(LEVEL_KEY) if isinstance(entry, Mapping) else entry
                default_level = _level(raw, where)
                continue
            if name in _REMEDIATIONS:
                # A fix the engine applies (`netkit check` reports the rule it fixes):
                # its level and properties are checked, and have nothing to run here.
                if not isinstance(entry, Mapping) or LEVEL_KEY in entry:
                    _level(entry.get(LEVEL_KEY) if isinstance(entry, Mapping) else entry, where)
                if isinstance(entry, Mapping):
                    properties = {k: v for k, v in entry.items() if k != LEVEL_KEY}
                    validate_properties(_REMEDIATIONS[str(name)], properties, where)
                continue
            try:
                rule = rule_named(str(name))
            except InvalidPolicyConfig as error:
                raise InvalidPolicyConfig(f"{origin}: {error}") from None
            if isinstance(entry, str):
                levels[rule.name] = _level(entry, where)
                continue
            if not isinstance(entry, Mapping):
                raise InvalidPolicyConfig(
                    f"{where}: expected a level or a mapping of properties, got {entry!r}"
                )
            properties = {key: value for key, value in entry.items() if key != LEVEL_KEY}
            if LEVEL_KEY in entry:
                levels[rule.name] = _level(entry[LEVEL_KEY], f"{where}.{LEVEL_KEY}")
            validate_properties(rule, properties, where)
            values[rule.name] = properties
        return cls(levels, default_level, values)

    @classmethod
    def load(cls, path: Path) -> PackConfig:
        """Read a config file (JSON, or YAML for hand-written ones)."""
        documents = [d for d in read_documents(path, InvalidPolicyConfig) if d is not None]
        if len(documents) > 1:
            raise InvalidPolicyConfig(
                f"{path}: holds {len(documents)} documents; a policy config is one mapping"
            )
        return cls.parse(documents[0] if documents else None, str(path))

    def level(self, rule: Rule) -> Level:
        if rule.name in self.levels:
            return self.levels[rule.name]
        return self.default_level if self.default_level is not None else rule.level

    def values_for(self, rule: Rule) -> Mapping[str, Any]:
        return self.values.get(rule.name, {})


def schema_of(rule: Rule | Remediation) -> dict[str, Any]:
    """The rule's config as one JSON schema (what the engine validates against)."""
    return {"type": "object", "properties": dict(rule.config), "additionalProperties": False}


def validate_properties(
    rule: Rule | Remediation, properties: Mapping[str, Any], where: str
) -> None:
    """Raise `InvalidPolicyConfig` naming the property, the bad value and the schema."""
    for key in properties:
        if key not in rule.config:
            known = ", ".join(rule.config) or "none"
            raise InvalidPolicyConfig(
                f"{where}: unknown property {key!r} (this rule's properties: {known})"
            )
    if not properties:
        return
    # Imported on first use: it costs the policy pack a tenth of its start-up otherwise.
    import jsonschema  # type: ignore[import-untyped]

    validator = jsonschema.Draft7Validator(schema_of(rule), format_checker=_format_checker())
    for error in sorted(validator.iter_errors(dict(properties)), key=lambda e: list(e.path)):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
        # A format's own message names the value and the form it should have.
        message = str(error.cause) if isinstance(error.cause, InvalidValue) else error.message
        raise InvalidPolicyConfig(f"{where}{path}: {message}")


@functools.cache
def _format_checker() -> Any:
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())
    for name, check in FORMATS.items():
        checker.checks(name, raises=InvalidValue)(_passes(check))
    return checker


def _passes(check: Callable[[object], object]) -> Callable[[object], bool]:
    """`check` as jsonschema wants it: True, or an exception (its return value is not a
    verdict: `parse_cidr` returns the network)."""

    def passes(value: object) -> bool:
        check(value)
        return True

    return passes


# --------------------------------------------------------------------------- running


def unknown_finding(rule: Rule, note: UnknownNote) -> Finding:
    kind = note.type.rsplit(":", 1)[-1]
    return Finding(
        rule.name,
        Level.ADVISORY,
        ResourceRef(kind, note.name, "", note.key),
        UNKNOWN_MESSAGE.format(what=note.describe()),
        Severity.LOW,
        "Nothing to do now: the value is known at update, when the rule runs again.",
        rule.url,
    )


def check_rule(
    rule: Rule, context: Context, values: Mapping[str, Any] | None = None
) -> tuple[list[Violation], list[UnknownNote]]:
    """A rule's violations, and the values it could not see (unknown at preview).

    A resource with values unknown at preview gets the unknown-value advisory instead of
    violations that may only reflect the missing value; at update everything is known.
    """
    unknown = rule.unknowns(context)
    violations = [
        violation
        for violation in rule.check(context, rule.resolve(values))
        if not any(note.concerns(violation.resource.source) for note in unknown)
    ]
    return violations, unknown


def run_rule(
    rule: Rule,
    context: Context,
    values: Mapping[str, Any] | None = None,
    level: Level | None = None,
) -> list[Finding]:
    """One rule's findings on `context`, at `level` (default: the rule's); values
    unknown at preview become advisories whatever the level."""
    level = level or rule.level
    if level is Level.DISABLED:
        return []
    violations, unknown = check_rule(rule, context, values)
    findings = [
        Finding(
            rule.name, level, v.resource, v.message, rule.severity, rule.remediation, rule.url,
            v.value,
        )
        for v in violations
    ]  # fmt: skip
    findings.extend(unknown_finding(rule, note) for note in unknown)
    return findings


def run_rules(
    model: NetworkModel,
    config: PackConfig | None = None,
    rules: Iterable[Rule] = RULES,
) -> list[Finding]:
    """Every enabled rule's findings on `model`, in rule order."""
    config = config or PackConfig()
    context = Context(model)
    findings: list[Finding] = []
    for rule in rules:
        findings.extend(run_rule(rule, context, config.values_for(rule), config.level(rule)))
    return findings
