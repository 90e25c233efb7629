"""Validation of names and labels, with the rule and a fix in every message.

Kubernetes rules follow the API server's (RFC 1123 labels and subdomains, qualified
label keys); Docker network names follow the engine's `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from netkit.errors import InvalidValue, shown

if TYPE_CHECKING:
    from netkit.model import Endpoint

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DOCKER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")


def _suggest_dns_label(value: str) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")
    return cleaned[:63].rstrip("-") or "name"


def dns_label(value: object, what: str = "name") -> str:
    """An RFC 1123 label: namespaces, Services, Deployments, ports' names."""
    if not isinstance(value, str) or not value:
        raise InvalidValue(f"{what} {shown(value)}: expected a non-empty lowercase name like 'web'")
    if len(value) > 63 or not _DNS_LABEL.fullmatch(value):
        raise InvalidValue(
            f"{what} {shown(value)}: must be at most 63 lowercase letters, digits or '-', "
            f"starting and ending with a letter or digit; try {_suggest_dns_label(value)!r}"
        )
    return value


def dns_subdomain(value: object, what: str = "name") -> str:
    """An RFC 1123 subdomain as the API server checks it: dot-separated labels of
    lowercase letters, digits and '-', at most 253 characters in all."""
    if not isinstance(value, str) or not value:
        raise InvalidValue(f"{what} {shown(value)}: expected a DNS name like 'shop.example.com'")
    if len(value) > 253:
        raise InvalidValue(f"{what} {shown(value)}: longer than 253 characters")
    for part in value.split("."):
        if not _DNS_LABEL.fullmatch(part):
            raise InvalidValue(
                f"{what} {shown(value)}: {shown(part)} is not a DNS label "
                "(lowercase letters, digits and '-', starting and ending with a letter or digit)"
            )
    return value


_DNS_1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_IANA_SERVICE_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")


def dns_1035_label(value: object, what: str = "name") -> str:
    """An RFC 1035 label: a Service's name (a DNS-1123 label that starts with a letter)."""
    dns_label(value, what)
    assert isinstance(value, str)
    if not _DNS_1035_LABEL.fullmatch(value):
        raise InvalidValue(
            f"{what} {shown(value)}: must start with a lowercase letter (an RFC 1035 label, as "
            "Service names are)"
        )
    return value


def iana_service_name(value: object, what: str = "port name") -> str:
    """A named port (IANA_SVC_NAME, RFC 6335): at most 15 characters of lowercase letters,
    digits and '-', at least one letter, no '-' at either end or twice in a row."""
    if (
        not isinstance(value, str)
        or len(value) > 15
        or not _IANA_SERVICE_NAME.fullmatch(value)
        or "--" in value
        or not any("a" <= c <= "z" for c in value)
    ):
        raise InvalidValue(
            f"{what} {shown(value)} is not an IANA service name (at most 15 lowercase letters, "
            "digits and '-', with at least one letter, no '-' at either end or twice in a "
            "row), which the API server requires of a named port"
        )
    return value


def hostname(value: object, what: str = "host") -> str:
    """An Ingress host: a DNS subdomain, optionally with a leading `*.` wildcard."""
    if isinstance(value, str) and value.startswith("*."):
        dns_subdomain(value[2:], what)
        return value
    return dns_subdomain(value, what)


def label_key(value: object, what: str = "label key") -> str:
    """A qualified label key: `[prefix/]name`, prefix a DNS subdomain."""
    if not isinstance(value, str) or not value:
        raise InvalidValue(
            f"{what} {shown(value)}: expected a key like 'app' or 'example.com/tier'"
        )
    prefix, slash, name = value.rpartition("/")
    if slash and not prefix:
        raise InvalidValue(f"{what} {shown(value)}: the prefix before '/' is empty")
    if prefix:
        dns_subdomain(prefix, f"{what} prefix of {shown(value)}")
    if len(name) > 63 or not _LABEL_NAME.fullmatch(name):
        raise InvalidValue(
            f"{what} {shown(value)}: the name part must be at most 63 characters of letters, "
            "digits, '-', '_' or '.', starting and ending with a letter or digit"
        )
    return value


def label_value(value: object, what: str = "label value") -> str:
    """A label value: empty, or at most 63 characters like a label name."""
    if not isinstance(value, str):
        raise InvalidValue(f"{what} {shown(value)}: label values are strings; quote it in YAML")
    if value and (len(value) > 63 or not _LABEL_NAME.fullmatch(value)):
        raise InvalidValue(
            f"{what} {shown(value)}: must be at most 63 characters of letters, digits, '-', '_' "
            "or '.', starting and ending with a letter or digit"
        )
    return value


def labels(mapping: object, what: str = "labels") -> dict[str, str]:
    """A label map, every key and value checked."""
    if not isinstance(mapping, dict):
        raise InvalidValue(f"{what} {shown(mapping)}: expected a mapping of key: value")
    return {
        label_key(key, f"label key in {what}"): label_value(val, f"value of label {key!r}")
        for key, val in mapping.items()
    }


def docker_name(value: object, what: str = "name") -> str:
    """A Docker object name (network, container)."""
    if not isinstance(value, str) or not _DOCKER_NAME.fullmatch(value):
        raise InvalidValue(
            f"{what} {shown(value)}: Docker names are letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    return value


# --------------------------------------------------------------------------- connections


def _slug(endpoint: Endpoint) -> str:
    if endpoint.cidr is not None:
        return "cidr-" + str(endpoint.cidr).replace("/", "-").replace(":", "-").replace(".", "-")
    if endpoint.workload is None:
        return f"ns-{endpoint.namespace}"
    return f"{endpoint.namespace}-{endpoint.workload}"


def connection_id(source: Endpoint, destination: Endpoint) -> str:
    """A stable, DNS-safe id for a declared connection, short enough for a policy name:
    the Connection component and its policies are named after it, and the stack spec
    refuses two connections that would share one."""
    text = f"{_slug(source)}-to-{_slug(destination)}"
    if len(text) <= 200:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    return f"{text[:189]}-{digest}"
