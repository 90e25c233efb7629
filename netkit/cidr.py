"""CIDR and address parsing with messages that show the bad value and the fix."""

from __future__ import annotations

import ipaddress
from typing import NoReturn

from netkit.digits import decimal
from netkit.errors import InvalidValue, shown
from netkit.model import IPAddress, IPNetwork


def _where(field: str) -> str:
    return f" in {field}" if field else ""


def parse_cidr(text: object, field: str = "", *, strict: bool = True) -> IPNetwork:
    """Parse an IPv4 or IPv6 CIDR such as "10.10.0.0/24".

    `field` names where the value came from (`docker.bridges[1].subnet`) for the message.
    With `strict`, host bits must be zero: "10.0.0.1/24" is refused with the network
    address as the suggested fix, because Docker and Calico would silently round it.
    """
    where = _where(field)
    if not isinstance(text, str):
        raise InvalidValue(f"subnet {text!r}{where}: expected a CIDR string like '10.0.0.0/24'")
    value = text.strip()
    if "/" not in value:
        try:
            addr = ipaddress.ip_address(value)
        except ValueError:
            raise InvalidValue(
                f"subnet {text!r}{where}: not an IP network; write it like '10.0.0.0/24'"
            ) from None
        full = 32 if addr.version == 4 else 128
        raise InvalidValue(
            f"subnet {text!r}{where}: the prefix length is missing; did you mean '{addr}/{full}'?"
        )
    address, _, prefix = value.partition("/")
    try:
        addr = ipaddress.ip_address(address)
    except ValueError:
        raise InvalidValue(
            f"subnet {text!r}{where}: {address!r} is not an IPv4 or IPv6 address"
        ) from None
    top = 32 if addr.version == 4 else 128
    length = decimal(prefix)
    if length is None or not 0 <= length <= top:
        raise InvalidValue(f"subnet {text!r}{where}: prefix must be 0-{top}")
    network = ipaddress.ip_network(value, strict=False)
    if strict and network.network_address != addr:
        raise InvalidValue(f"subnet {text!r}{where}: host bits are set; did you mean '{network}'?")
    return network


def parse_ip(text: object, field: str = "") -> IPAddress:
    """Parse a single IPv4 or IPv6 address (a gateway, an external IP)."""
    where = _where(field)
    if isinstance(text, str):
        try:
            return ipaddress.ip_address(text.strip())
        except ValueError:
            pass
    raise InvalidValue(f"address {text!r}{where}: expected an IP address like '10.0.0.1'")


def address_range(network: IPNetwork) -> str:
    """`FIRST-LAST`, the notation connectivity lists use for external ranges."""
    return f"{network.network_address}-{network.broadcast_address}"


# --------------------------------------------------------------------------- Kubernetes fields


def _kubernetes_text(text: object, what: str, field: str) -> str:
    """The text of an address or CIDR field, refused where the API server's parser (Go's,
    which takes the text as it is) would refuse it or read it otherwise than Python's."""
    if not isinstance(text, str):
        raise InvalidValue(f"{what} {shown(text)}{_where(field)}: expected a string")
    if text != text.strip() or not text.isprintable():
        raise InvalidValue(
            f"{what} {shown(text)}{_where(field)}: spaces or unprintable characters, which the "
            f"API server refuses; write {text.strip()!r}"
            if text.strip().isprintable()
            else f"{what} {shown(text)}{_where(field)}: unprintable characters, which the API "
            "server refuses"
        )
    if "%" in text:
        raise InvalidValue(
            f"{what} {shown(text)}{_where(field)}: an IPv6 zone (%...) is not part of an "
            "address the API server reads; remove it"
        )
    address, slash, prefix = text.partition("/")
    octets = address.split(".")
    decimal_octets = all(o.isascii() and o.isdigit() and len(o) <= 3 for o in octets)
    if len(octets) == 4 and decimal_octets and any(len(o) > 1 and o[0] == "0" for o in octets):
        fixed = ".".join(str(int(o)) for o in octets) + slash + prefix
        raise InvalidValue(
            f"{what} {shown(text)}{_where(field)}: leading zeros, which the API server "
            f"reads as decimal and refuses under strict validation; write {fixed!r}"
        )
    return text


def _ipv4_mapped(address: ipaddress.IPv6Address, text: str, what: str, field: str) -> NoReturn:
    raise InvalidValue(
        f"{what} {shown(text)}{_where(field)}: an IPv4-mapped IPv6 address, which the API "
        f"server reads as the IPv4 address {address.ipv4_mapped} and refuses under strict "
        f"validation; write the IPv4 form"
    )


def parse_kubernetes_cidr(text: object, field: str = "") -> IPNetwork:
    """A CIDR field of a Kubernetes object (`ipBlock.cidr`, `ipBlock.except`), read as the
    API server reads it: host bits masked, as its parser does; refused where it would
    refuse the text (spaces around it, a zone) or read it as another family (an
    IPv4-mapped IPv6 network such as ::ffff:10.0.0.0/104, which Go matches as IPv4)."""
    value = _kubernetes_text(text, "cidr", field)
    network = parse_cidr(value, field, strict=False)
    if isinstance(network, ipaddress.IPv6Network) and network.network_address.ipv4_mapped:
        address, _, _ = value.partition("/")
        mapped = ipaddress.IPv6Address(address)
        prefix = max(network.prefixlen - 96, 0)
        raise InvalidValue(
            f"cidr {shown(value)}{_where(field)}: an IPv4-mapped IPv6 network, which the API "
            f"server matches as IPv4 and refuses under strict validation; write "
            f"'{ipaddress.ip_network(f'{mapped.ipv4_mapped}/{prefix}', strict=False)}'"
        )
    return network


def parse_kubernetes_ip(text: object, field: str = "") -> IPAddress:
    """An IP address field of a Kubernetes object (a Service's clusterIP, externalIPs),
    refused where the API server would refuse the text or read it as another family."""
    value = _kubernetes_text(text, "address", field)
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise InvalidValue(
            f"address {shown(value)}{_where(field)}: not an IP address; write it like "
            "'10.0.0.1' or 'fd00::1'"
        ) from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        _ipv4_mapped(address, value, "address", field)
    return address
