"""CIDR and address parsing with messages that show the bad value and the fix."""

from __future__ import annotations

import ipaddress

from netkit.digits import decimal
from netkit.errors import InvalidValue
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
