"""Port specifications: `8080`, `"8080/TCP"`, `"53/udp"`, `"30000-32767/TCP"`."""

from __future__ import annotations

from netkit.digits import decimal
from netkit.errors import InvalidValue
from netkit.model import PolicyPort

PROTOCOLS = ("TCP", "UDP", "SCTP")


def port_number(value: object, what: str = "port") -> int:
    """A TCP/UDP/SCTP port, 1-65535."""
    if isinstance(value, bool) or not isinstance(value, int):
        number = decimal(value) if isinstance(value, str) else None
        if number is not None:
            value = number
        else:
            raise InvalidValue(f"{what} {value!r}: expected a port number 1-65535")
    if not 1 <= value <= 65535:
        raise InvalidValue(f"{what} {value!r}: ports are 1-65535")
    return value


def protocol(value: object, what: str = "protocol") -> str:
    """TCP, UDP or SCTP, case-insensitive on input, upper-case out."""
    if isinstance(value, str) and value.upper() in PROTOCOLS:
        return value.upper()
    raise InvalidValue(f"{what} {value!r}: expected one of TCP, UDP, SCTP")


def parse_port_spec(value: object, what: str = "port") -> PolicyPort:
    """One entry of a connection's `ports` list; protocol defaults to TCP."""
    if isinstance(value, int) and not isinstance(value, bool):
        return PolicyPort(protocol="TCP", port=port_number(value, what))
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"{what} {value!r}: expected '8080', '8080/TCP' or '53/UDP'")
    text, _, proto = value.strip().partition("/")
    proto_name = protocol(proto, f"protocol of {what} {value!r}") if proto else "TCP"
    first, dash, last = text.partition("-")
    start = port_number(first, what)
    if not dash:
        return PolicyPort(protocol=proto_name, port=start)
    end = port_number(last, what)
    if end < start:
        raise InvalidValue(
            f"{what} {value!r}: the range is reversed; did you mean '{end}-{start}'?"
        )
    return PolicyPort(protocol=proto_name, port=start, end_port=end if end != start else None)


def format_port(port: PolicyPort) -> str:
    """The inverse of `parse_port_spec` for a numbered port."""
    if port.port is None:
        return f"all/{port.protocol}"
    span = f"{port.port}-{port.end_port}" if port.end_port else f"{port.port}"
    return f"{span}/{port.protocol}"
