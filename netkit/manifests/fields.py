"""Typed access to one object's fields; every failure names the source, object and field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from netkit.cidr import parse_cidr
from netkit.errors import InvalidValue, ManifestError
from netkit.model import (
    IPNetwork,
    LabelSelector,
    SelectorOperator,
    SelectorRequirement,
    frozen_labels,
)
from netkit.shapes import describe as _describe

PROTOCOLS = ("TCP", "UDP", "SCTP")
DEFAULT_NAMESPACE = "default"


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

    @property
    def location(self) -> str:
        return f"{self.source}{' ' + self.prefix.rstrip('.') if self.prefix else ''}"

    def identify(self) -> None:
        """Read metadata.name and metadata.namespace (defaulted) for messages and keys."""
        metadata = self.mapping(self.obj.get("metadata"), "metadata", required=True)
        self.name = self.string(metadata.get("name"), "metadata.name", required=True)
        if self.kind == "Namespace":
            self.what = f"Namespace {self.name}"
            return
        namespace = self.string(metadata.get("namespace"), "metadata.namespace")
        self.namespace = namespace or DEFAULT_NAMESPACE
        self.what = f"{self.kind} {self.namespace}/{self.name}"

    def fail(self, path: str, problem: str) -> NoReturn:
        raise ManifestError(f"{self.source} ({self.what}): {self.prefix}{path}: {problem}")

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

    def integer(self, value: object, path: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"expected a number, got {_describe(value)}")
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
            self.fail(path, f"{text!r} is not a protocol (TCP, UDP or SCTP)")
        return text

    def labels(self, value: object, path: str) -> dict[str, str]:
        result: dict[str, str] = {}
        for key, item in self.mapping(value, path).items():
            if not isinstance(item, str):
                self.fail(
                    f"{path}.{key}",
                    f"label values are strings, got {_describe(item)}; quote it: {str(item)!r}",
                )
            result[str(key)] = item
        return result

    def selector(self, value: object, path: str) -> LabelSelector:
        spec = self.mapping(value, path)
        match_labels = self.labels(spec.get("matchLabels"), f"{path}.matchLabels")
        requirements: list[SelectorRequirement] = []
        expressions = self.sequence(spec.get("matchExpressions"), f"{path}.matchExpressions")
        for index, raw in enumerate(expressions):
            where = f"{path}.matchExpressions[{index}]"
            expression = self.mapping(raw, where, required=True)
            key = self.string(expression.get("key"), f"{where}.key", required=True)
            operator_text = self.string(
                expression.get("operator"), f"{where}.operator", required=True
            )
            try:
                operator = SelectorOperator(operator_text)
            except ValueError:
                self.fail(
                    f"{where}.operator",
                    f"{operator_text!r} is not an operator (In, NotIn, Exists, DoesNotExist)",
                )
            values = [
                self.string(item, f"{where}.values[{i}]")
                for i, item in enumerate(self.sequence(expression.get("values"), f"{where}.values"))
            ]
            if operator in (SelectorOperator.IN, SelectorOperator.NOT_IN) and not values:
                self.fail(f"{where}.values", f"{operator} needs at least one value")
            if operator in (SelectorOperator.EXISTS, SelectorOperator.DOES_NOT_EXIST) and values:
                self.fail(f"{where}.values", f"{operator} takes no values")
            requirements.append(SelectorRequirement(key, operator, frozenset(values)))
        return LabelSelector(frozen_labels(match_labels), tuple(requirements))

    def cidr(self, value: object, path: str) -> IPNetwork:
        text = self.string(value, path, required=True)
        try:
            # Kubernetes accepts host bits in ipBlock CIDRs and masks them; so do we.
            return parse_cidr(text, strict=False)
        except InvalidValue as error:
            self.fail(path, str(error).removeprefix("subnet "))
