"""pulumi-policy glue: one `StackValidationPolicy` per rule of the registry.

Each policy's `validate` turns the engine's resources into `netkit.resources.Resource`
records, builds the network model with `model_from_resources` (the same adapter
`netkit synth` feeds) and runs its rule, reporting each violation against the URN of
the offending resource. Served by the pack, the stack is read into the model once per
`AnalyzeStack` call and shared by every policy (`StackAnalysis`, `netkit_policies.analyzer`).

Unknown values: during `pulumi preview` a property computed from another resource's
output is unknown; pulumi-policy marks it with a sentinel string and raises
`UnknownValueError` when a proxied property is read. The adapter reads the raw values
instead, drops unknown ones, and records each as a `model.unknown` note. A rule whose
resources have unknown values ends by raising `UnknownValueError` with the message
"could not verify <what> during preview (value unknown); checked again at update",
which the pulumi-policy server reports as an advisory diagnostic whatever the rule's
level; the violations found on known values are reported before it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
    _DictProxy,
    _ListProxy,
)
from pulumi_policy.secret import _DictSecretsProxy, _ListSecretsProxy

from netkit.errors import NetkitError, one_line
from netkit.model import AddressSpace, DockerEngine
from netkit.resources import (
    KUBERNETES_IDENTITY,
    READ_PROPERTIES,
    Resource,
    model_from_resources,
)
from netkit_policies.registry import RULES, InvalidPolicyConfig, check_rule, validate_properties
from netkit_policies.remediations import REMEDIATIONS, Remediation
from netkit_policies.rules.base import UNKNOWN_MESSAGE, Context, Level, Rule
from netkit_policies.rules.base import Severity as RuleSeverity

UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)
"""How pulumi-policy represents a value unknown during preview."""

SKIPPED_TYPES = ("pulumi:providers:", "pulumi:pulumi:Stack")

_LEVELS = {
    Level.ADVISORY: EnforcementLevel.ADVISORY,
    Level.MANDATORY: EnforcementLevel.MANDATORY,
    Level.DISABLED: EnforcementLevel.DISABLED,
}

_SEVERITIES = {
    RuleSeverity.LOW: Severity.LOW,
    RuleSeverity.MEDIUM: Severity.MEDIUM,
    RuleSeverity.HIGH: Severity.HIGH,
    RuleSeverity.CRITICAL: Severity.CRITICAL,
}

_DROP = object()


class PreviewUnknown(UnknownValueError):
    """Raised by a policy whose resources have values unknown at preview.

    pulumi-policy reports it as an advisory diagnostic carrying `message`.
    """

    def __init__(self, message: str) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, [])
        self.message = message


def _plain(value: Any, path: str, unknown: list[str]) -> Any:
    """`value` without pulumi-policy's proxies, numbers as the engine meant them, and
    unknown values dropped (their paths appended to `unknown`)."""
    if isinstance(value, _DictProxy | _ListProxy):
        value = value["__target"]
    if isinstance(value, str):
        if value in UNKNOWN_SENTINELS:
            unknown.append(path or "(the whole value)")
            return _DROP
        return value
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key in value:
            item = _plain(value[key], f"{path}.{key}" if path else str(key), unknown)
            if item is not _DROP:
                result[str(key)] = item
        return result
    if isinstance(value, list | tuple):
        items = [_plain(item, f"{path}[{index}]", unknown) for index, item in enumerate(value)]
        return [item for item in items if item is not _DROP]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # protobuf carries every number as a double
    return value


def to_records(
    resources: Sequence[EngineResource | PolicyResource],
) -> tuple[list[Resource], list[str]]:
    """The engine's resources as plain records, and `type 'name': path` unknown notes."""
    records: list[Resource] = []
    notes: list[str] = []
    for resource in resources:
        if resource.resource_type.startswith(SKIPPED_TYPES):
            continue
        unknown: list[str] = []
        props = _plain(resource.props, "", unknown)
        read = READ_PROPERTIES.get(resource.resource_type)
        if read is not None:
            unknown = [path for path in unknown if re.split(r"[.\[]", path, maxsplit=1)[0] in read]
        notes.extend(f"{resource.resource_type} {resource.name!r}: {path}" for path in unknown)
        if resource.resource_type.startswith("kubernetes:") and KUBERNETES_IDENTITY.intersection(
            unknown
        ):
            continue
        records.append(
            Resource(
                type=resource.resource_type,
                name=resource.name,
                urn=resource.urn,
                inputs=props if isinstance(props, dict) else {},
            )
        )
    return records, notes


@dataclass(frozen=True)
class EngineResource:
    """A resource as the engine sent it, its properties converted once (not proxied)."""

    resource_type: str
    name: str
    urn: str
    props: Mapping[str, Any]


_Reading = tuple[Context, Mapping[str, str]] | NetkitError
"""The stack read into the model (and the URN of each record), or why it cannot be."""


class StackAnalysis:
    """The stack under analysis, read into the network model once for all policies.

    Served by the pack (`netkit_policies.analyzer`), one `AnalyzeStack` call reads the stack
    once, inside `serving`, and every policy of the call (on the thread serving it) uses
    that reading. A policy called any other way (tests, another pack's server) reads the
    resources it is given.
    """

    def __init__(self, engines: RunningNetworks | None = None) -> None:
        self._local = threading.local()
        self._engines = engines
        """Reads the networks already on the stack's engines while serving the engine
        (the pack's server passes `running_networks`); None reads none."""

    @contextmanager
    def serving(self, resources: Sequence[EngineResource]) -> Iterator[None]:
        """Within the block, this thread's policies read `resources`, read only once."""
        self._local.reading = _read(resources, self._engines)
        try:
            yield
        finally:
            del self._local.reading

    def context_for(
        self, resources: Sequence[EngineResource | PolicyResource]
    ) -> tuple[Context, Mapping[str, str]]:
        """The model of the stack being served, else of `resources`; raises `NetkitError`
        when a resource cannot be read into the model."""
        reading: _Reading | None = getattr(self._local, "reading", None)
        if reading is None:
            reading = _read(resources)
        if isinstance(reading, NetkitError):
            raise reading
        return reading


def _read(
    resources: Sequence[EngineResource | PolicyResource], engines: RunningNetworks | None = None
) -> _Reading:
    records, notes = to_records(resources)
    try:
        model = model_from_resources(records)
    except NetkitError as error:
        return error
    model = replace(model, unknown=(*model.unknown, *notes))
    if engines is not None and model.docker_engines:
        # What already runs on the engines the stack names: the engine-overlap rule
        # compares the stack's networks with it.
        running, skipped = engines(model.docker_engines)
        model = replace(
            model,
            address_spaces=(*model.address_spaces, *running),
            notes=(*model.notes, *skipped),
        )
    return Context(model), {f"{r.type}::{r.name}": r.urn for r in records}


RunningNetworks = Callable[[Sequence[DockerEngine]], tuple[list[AddressSpace], list[str]]]
"""`(engines) -> (their networks' subnets, notes)`: `netkit.docker_live.running_networks`."""


def running_networks(engines: Sequence[DockerEngine]) -> tuple[list[AddressSpace], list[str]]:
    from netkit.docker_live import running_networks as read

    return read(engines)


def urn_of(source: str, urns: Mapping[str, str]) -> str | None:
    """The URN of the resource a model record came from (None: the stack as a whole)."""
    if source.startswith("urn:pulumi:"):
        return source
    head = source.split(" items[", 1)[0]
    return urns.get(source) or urns.get(head)


def stack_policy(rule: Rule, analysis: StackAnalysis) -> StackValidationPolicy:
    """The pulumi-policy form of `rule`, reading the stack through `analysis`."""

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        try:
            context, urns = analysis.context_for(args.resources)
        except NetkitError as error:
            # A resource the model cannot read: say so rather than pass or crash the pack.
            problems = "; ".join(one_line(problem) for problem in error.problems)
            report_violation(f"could not read the stack into the network model: {problems}", None)
            return
        config = args.get_config() or {}
        try:
            # The engine checks types against the schema; the values' forms (a CIDR, an
            # address, a name) are checked here, before the rule reads any of them.
            validate_properties(
                rule,
                {k: v for k, v in config.items() if k in rule.config},
                f"policy config {rule.name}",
            )
        except InvalidPolicyConfig as error:
            report_violation(str(error), None)
            return
        violations, unknown = check_rule(rule, context, config)
        for violation in violations:
            report_violation(violation.message, urn_of(violation.resource.source, urns))
        if unknown:
            what = ", ".join(note.describe() for note in unknown)
            raise PreviewUnknown(UNKNOWN_MESSAGE.format(what=what))

    return StackValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=_LEVELS[rule.level],
        config_schema=PolicyConfigSchema(properties={k: dict(v) for k, v in rule.config.items()})
        if rule.config
        else None,
        severity=_SEVERITIES[rule.severity],
        remediation_steps=rule.remediation,
        url=rule.url,
        tags=list(rule.tags),
    )


def stack_policies(analysis: StackAnalysis) -> list[StackValidationPolicy]:
    """Every rule of the registry as a stack policy, all reading through `analysis`."""
    return [stack_policy(rule, analysis) for rule in RULES]


def _raw(value: Any) -> Any:
    """The inputs as plain lists and dicts, pulumi-policy's proxies taken off and its
    `Secret` values kept as they are (so a secret stays one in the remediated inputs;
    the fixes compare plain values only, so they leave a secret alone)."""
    if isinstance(value, _DictProxy | _ListProxy | _DictSecretsProxy | _ListSecretsProxy):
        value = value["__target"]
    if isinstance(value, Mapping):
        return {str(key): _raw(value[key]) for key in value}
    if isinstance(value, list | tuple):
        return [_raw(item) for item in value]
    return value


def remediation_policy(remediation: Remediation) -> ResourceValidationPolicy:
    """The pulumi-policy form of a mechanical fix: a resource policy that only remediates
    (at the `remediate` level; at any other it does nothing, the rule reports)."""
    fixed_rule = next(rule for rule in RULES if rule.name == remediation.fixes)

    def remediate(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
        if args.resource_type != remediation.resource_type:
            return None
        inputs = _raw(args.props)
        if not isinstance(inputs, dict):
            return None
        return remediation.fix(inputs, remediation.resolve(args.get_config()))

    return ResourceValidationPolicy(
        name=remediation.name,
        description=remediation.description,
        # pulumi-policy's type says an awaitable; its Remediate takes a plain value too.
        remediate=remediate,  # type: ignore[arg-type]
        enforcement_level=EnforcementLevel.ADVISORY,
        config_schema=PolicyConfigSchema(
            properties={k: dict(v) for k, v in remediation.config.items()}
        ),
        severity=_SEVERITIES[fixed_rule.severity],
        remediation_steps=f"Set this policy to remediate in the pack config to let the pack fix what {fixed_rule.name} reports.",
        url=fixed_rule.url,
        tags=[*fixed_rule.tags, "remediation"],
    )


def pack_policies(analysis: StackAnalysis) -> list[Policy]:
    """The pack: every rule as a stack policy, then the mechanical fixes."""
    return [*stack_policies(analysis), *(remediation_policy(r) for r in REMEDIATIONS)]
