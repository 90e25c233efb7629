"""Typed access to one object's fields; every failure names the source, object and field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from netkit import names
from netkit.cidr import parse_kubernetes_cidr, parse_kubernetes_ip
from netkit.errors import InvalidValue, ManifestError, printable, shown
from netkit.model import (
    IPAddress,
    IPNetwork,
    LabelSelector,
    SelectorOperator,
    SelectorRequirement,
    frozen_labels,
)
from netkit.shapes import describe as _describe

PROTOCOLS = ("TCP", "UDP", "SCTP")

# Which form the API server requires of an object's name; other kinds: a DNS-1123 subdomain.
_NAME_RULES: dict[str, tuple[Callable[..., object], str]] = {
    "Namespace": (names.dns_label, "a DNS-1123 label"),
    "Service": (names.dns_1035_label, "an RFC 1035 label (a DNS label starting with a letter)"),
}
DEFAULT_NAMESPACE = "default"
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "Node",
        "AdminNetworkPolicy",
        "BaselineAdminNetworkPolicy",
        "ClusterNetworkPolicy",
        "GlobalNetworkPolicy",
        "StagedGlobalNetworkPolicy",
        "GlobalNetworkSet",
        "Tier",
    }
)
"""Kinds without a namespace: named `Kind name` in messages, never defaulted to one."""


class FieldReader:
    """Typed access to one object's fields; every failure names source, object and field."""

    def __init__(self, source: str, obj: Mapping[str, Any], kind: str, prefix: str = "") -> None:
        self.source = source
        self.obj = obj
        self.kind = kind
        self.prefix = prefix
        self.name = ""
        self.namespace = ""
        self.what = kind
        self.notes: list[str] = []

    @property
    def location(self) -> str:
        return f"{self.source}{' ' + self.prefix.rstrip('.') if self.prefix else ''}"

    def identify(self) -> None:
        """Read metadata.name and metadata.namespace (defaulted) for messages and keys;
        each must have the form the API server requires of it."""
        metadata = self.mapping(self.obj.get("metadata"), "metadata", required=True)
        self.name = self.string(metadata.get("name"), "metadata.name", required=True)
        # A name only identifies the object here, and the field's tools read any: the
        # netpol-analyzer corpus names a policy with '_', Checkov's a Helm template's
        # Service 'RELEASE-NAME-...'. So a name the API server would refuse is a note
        # naming the rule, and the analysis goes on.
        check, rule = _NAME_RULES.get(self.kind, (names.dns_subdomain, "a DNS-1123 subdomain"))
        self.noted(check, self.name, "metadata.name", f"{rule} for a {self.kind} name")
        if self.kind in CLUSTER_SCOPED:
            self.what = f"{self.kind} {printable(self.name)}"
        else:
            namespace = self.string(metadata.get("namespace"), "metadata.namespace")
            if namespace:
                self.noted(names.dns_label, namespace, "metadata.namespace", "a DNS-1123 label")
            self.namespace = namespace or DEFAULT_NAMESPACE
            self.what = f"{self.kind} {printable(self.namespace)}/{printable(self.name)}"
        # Labels are what selectors match: the API server refuses malformed ones on any
        # object, so netkit does too (whether or not a reader below uses them).
        self.labels(metadata.get("labels"), "metadata.labels")

    def fail(self, path: str, problem: str) -> NoReturn:
        raise ManifestError(f"{self.source} ({self.what}): {self.prefix}{path}: {problem}")

    def noted(self, check: Callable[..., object], value: str, path: str, rule: str) -> None:
        """`check(value)`; its `InvalidValue` becomes a located note naming the rule."""
        try:
            check(value, "value")
        except InvalidValue as error:
            self.notes.append(
                f"{self.location} ({self.kind}): {self.prefix}{path}: {error}; the API server "
                f"requires {rule}, so it would refuse this object"
            )

    def note(self, path: str, problem: str) -> None:
        """A located note: the API server would refuse the object for `problem`, but the
        field's tools read it, and so does netkit (the value changes no answer here)."""
        self.notes.append(
            f"{self.location} ({self.kind}): {self.prefix}{path}: {problem}, so the API server "
            "would refuse this object"
        )

    # -- typed getters: `value` is the raw field, `path` its dotted path for messages

    def mapping(self, value: object, path: str, *, required: bool = False) -> Mapping[str, Any]:
        if value is None:
            if required:
                self.fail(path, "is missing")
            return {}
        if not isinstance(value, Mapping):
            self.fail(path, f"expected a mapping, got {_describe(value)}")
        return value

    def sequence(self, value: object, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, f"expected a list, got {_describe(value)}")
        return value

    def string(self, value: object, path: str, *, required: bool = False) -> str:
        if value is None:
            if required:
                self.fail(path, "is missing")
            return ""
        if not isinstance(value, str):
            self.fail(path, f"expected a string, got {_describe(value)}")
        return value

    def integer(self, value: object, path: str, *, minimum: int | None = None) -> int | None:
        """A whole number (JSON has no other for these fields: 2.0 is refused as kubectl
        refuses it), at least `minimum` when given."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"expected a number, got {_describe(value)}")
        if minimum is not None and value < minimum:
            self.fail(path, f"{value} is below {minimum}, which the API server refuses")
        return value

    def boolean(self, value: object, path: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(path, f"expected true or false, got {_describe(value)}")
        return value

    def port_number(self, value: object, path: str) -> int:
        number = self.integer(value, path)
        if number is None:
            self.fail(path, "is missing")
        if not 1 <= number <= 65535:
            self.fail(path, f"{number} is not a port (1-65535)")
        return number

    def protocol(self, value: object, path: str) -> str:
        text = self.string(value, path) or "TCP"
        if text not in PROTOCOLS:
            self.fail(path, f"{shown(text)} is not a protocol (TCP, UDP or SCTP)")
        return text

    def checked(
        self, check: Callable[[object, str], object], value: object, path: str, what: str
    ) -> str:
        """`value`, a string, held to one of `netkit.names`' API-server rules (`what` names
        the value in the message); the rule's `InvalidValue` becomes a located error."""
        text = self.string(value, path, required=True)
        try:
            check(text, what)
        except InvalidValue as error:
            self.fail(path, f"{error}; the API server refuses it")
        return text

    def address(self, value: object, path: str) -> IPAddress:
        """An IP address, read as the API server reads it (`parse_kubernetes_ip`)."""
        try:
            return parse_kubernetes_ip(value)
        except InvalidValue as error:
            self.fail(path, str(error).removeprefix("address "))

    def labels(self, value: object, path: str) -> dict[str, str]:
        result: dict[str, str] = {}
        for key, item in self.mapping(value, path).items():
            if not isinstance(item, str):
                self.fail(
                    f"{path}.{key}",
                    f"label values are strings, got {_describe(item)}; quote it: "
                    f"{shown(str(item))}",
                )
            # The API server's syntax, so a selector netkit matches is one it would accept.
            try:
                names.label_key(key)
                names.label_value(item, f"label value of {shown(key)}")
            except InvalidValue as error:
                self.fail(path, f"{error}; the API server refuses it")
            result[str(key)] = item
        return result

    def port_name(self, value: object, path: str, *, required: bool = False) -> str:
        """A named port (an IANA service name), or "" when absent and not required."""
        text = self.string(value, path, required=required)
        if not text:
            if required:
                self.fail(path, "an empty string is not a port name")
            return ""
        try:
            names.iana_service_name(text)
        except InvalidValue as error:
            self.fail(path, str(error))
        return text

    def selector(self, value: object, path: str) -> LabelSelector:
        spec = self.mapping(value, path)
        match_labels = self.labels(spec.get("matchLabels"), f"{path}.matchLabels")
        requirements: list[SelectorRequirement] = []
        expressions = self.sequence(spec.get("matchExpressions"), f"{path}.matchExpressions")
        for index, raw in enumerate(expressions):
            where = f"{path}.matchExpressions[{index}]"
            expression = self.mapping(raw, where, required=True)
            key = self.string(expression.get("key"), f"{where}.key", required=True)
            try:
                names.label_key(key)
            except InvalidValue as error:
                self.fail(f"{where}.key", f"{error}; the API server refuses it")
            operator_text = self.string(
                expression.get("operator"), f"{where}.operator", required=True
            )
            try:
                operator = SelectorOperator(operator_text)
            except ValueError:
                self.fail(
                    f"{where}.operator",
                    f"{shown(operator_text)} is not an operator (In, NotIn, Exists, DoesNotExist)",
                )
            values = [
                self.string(item, f"{where}.values[{i}]")
                for i, item in enumerate(self.sequence(expression.get("values"), f"{where}.values"))
            ]
            for i, item in enumerate(values):
                try:
                    names.label_value(item)
                except InvalidValue as error:
                    self.fail(f"{where}.values[{i}]", f"{error}; the API server refuses it")
            if operator in (SelectorOperator.IN, SelectorOperator.NOT_IN) and not values:
                self.fail(f"{where}.values", f"{operator} needs at least one value")
            if operator in (SelectorOperator.EXISTS, SelectorOperator.DOES_NOT_EXIST) and values:
                self.fail(f"{where}.values", f"{operator} takes no values")
            requirements.append(
                SelectorRequirement(key, operator, frozenset(values), tuple(values))
            )
        return LabelSelector(frozen_labels(match_labels), tuple(requirements))

    def cidr(self, value: object, path: str) -> IPNetwork:
        text = self.string(value, path, required=True)
        try:
            # As the API server reads it: host bits masked; spaces, zones and IPv4-mapped
            # IPv6 networks refused (`parse_kubernetes_cidr`).
            return parse_kubernetes_cidr(text)
        except InvalidValue as error:
            self.fail(path, str(error).removeprefix("subnet ").removeprefix("cidr "))
