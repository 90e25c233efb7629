"""Address-spaces files: ranges to check for overlaps, without a stack or manifests.

YAML or JSON, one document:

    address_spaces:
      - {name: backend, layer: docker bridge, cidr: 10.10.0.0/16}
      - {name: pods, layer: pod cidr, cidr: 10.244.0.0/16, source: cluster}
    reserved:
      - {name: corp-vpn, cidr: 10.8.0.0/16}

or a bare list of address spaces. `source` defaults to `<file>#<key>[<index>]`.
"""

from __future__ import annotations

from pathlib import Path

from netkit.cidr import parse_cidr
from netkit.documents import read_documents
from netkit.errors import InvalidValue
from netkit.model import AddressSpace, Layer

ENTRY_KEYS = ("name", "layer", "cidr", "source")
FILE_KEYS = ("address_spaces", "reserved")


def read_address_spaces(path: Path) -> list[AddressSpace] | None:
    """Address spaces from an address-spaces file; None for Kubernetes manifests
    (a folder, or a file whose documents have `kind` or `apiVersion`)."""
    if path.is_dir():
        return None
    documents = [d for d in read_documents(path, InvalidValue) if d is not None]
    if any(isinstance(d, dict) and ("kind" in d or "apiVersion" in d) for d in documents):
        return None
    if len(documents) != 1:
        raise InvalidValue(
            f"{path}: expected one document with 'address_spaces' "
            f"(a list of {{name, layer, cidr}}), found {len(documents)}"
        )
    return parse_spaces_document(documents[0], str(path))


def parse_spaces_document(document: object, origin: str) -> list[AddressSpace]:
    """`{address_spaces: [...], reserved: [...]}`, or a bare list of address spaces."""
    if isinstance(document, list):
        document = {"address_spaces": document}
    if not isinstance(document, dict) or not any(key in document for key in FILE_KEYS):
        raise InvalidValue(
            f"{origin}: expected a mapping with 'address_spaces' (a list of "
            "{name, layer, cidr}) or 'reserved' (a list of {name, cidr})"
        )
    unknown = sorted(str(key) for key in document if key not in FILE_KEYS)
    if unknown:
        raise InvalidValue(
            f"{origin}: unknown key {unknown[0]!r}; expected one of {list(FILE_KEYS)}"
        )
    spaces: list[AddressSpace] = []
    for key in FILE_KEYS:
        entries = document.get(key) or []
        if not isinstance(entries, list):
            raise InvalidValue(f"{origin}: {key}: expected a list, got {entries!r}")
        for index, entry in enumerate(entries):
            spaces.append(
                _parse_entry(entry, f"{key}[{index}]", origin, reserved=key == "reserved")
            )
    return spaces


def _parse_entry(entry: object, where: str, origin: str, *, reserved: bool) -> AddressSpace:
    at = f"{origin}: {where}"
    if not isinstance(entry, dict):
        raise InvalidValue(
            f"{at}: expected a mapping like {{name: x, layer: reserved, cidr: 10.0.0.0/8}}"
        )
    allowed = ("name", "cidr", "source") if reserved else ENTRY_KEYS
    unknown = sorted(str(key) for key in entry if key not in allowed)
    if unknown:
        raise InvalidValue(f"{at}: unknown key {unknown[0]!r}; expected some of {list(allowed)}")
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidValue(f"{at}.name: expected a non-empty name, got {name!r}")
    layer = Layer.RESERVED if reserved else _layer(entry.get("layer"), f"{at}.layer")
    try:
        cidr = parse_cidr(entry.get("cidr"), field=f"{where}.cidr")
    except InvalidValue as error:
        raise InvalidValue(f"{origin}: {error}") from None
    source = entry.get("source", f"{origin}#{where}")
    if not isinstance(source, str):
        raise InvalidValue(f"{at}.source: expected a string, got {source!r}")
    return AddressSpace(name=name, layer=layer, cidr=cidr, source=source)


def _layer(value: object, where: str) -> Layer:
    choices = [str(layer) for layer in Layer]
    if isinstance(value, str):
        wanted = value.strip().lower().replace("_", " ").replace("-", " ")
        for layer in Layer:
            if wanted == str(layer):
                return layer
    raise InvalidValue(f"{where}: unknown layer {value!r}; expected one of {choices}")
