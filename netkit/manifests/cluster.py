"""Nodes and service accounts: what cluster-wide and Calico policies select besides pods.

A `nodes` peer of the network-policy API selects the host-networked pods of the Nodes its
selector matches; Calico's `serviceAccounts` match a pod by its account's name and labels.
"""

from __future__ import annotations

import ipaddress

from netkit.manifests.fields import FieldReader
from netkit.model import IPAddress, Node, ServiceAccount, frozen_labels


def read_node(reader: FieldReader) -> Node:
    metadata = reader.mapping(reader.obj.get("metadata"), "metadata")
    labels = reader.labels(metadata.get("labels"), "metadata.labels")
    status = reader.mapping(reader.obj.get("status"), "status")
    addresses: list[IPAddress] = []
    for i, raw in enumerate(reader.sequence(status.get("addresses"), "status.addresses")):
        entry = reader.mapping(raw, f"status.addresses[{i}]")
        kind = reader.string(entry.get("type"), f"status.addresses[{i}].type")
        if kind not in ("InternalIP", "ExternalIP"):
            continue  # Hostname, InternalDNS, ExternalDNS: names, not addresses
        text = reader.string(entry.get("address"), f"status.addresses[{i}].address", required=True)
        try:
            addresses.append(ipaddress.ip_address(text))
        except ValueError:
            reader.fail(f"status.addresses[{i}].address", f"{text!r} is not an IP address")
    return Node(reader.name, frozen_labels(labels), tuple(addresses), reader.location)


def read_service_account(reader: FieldReader) -> ServiceAccount:
    metadata = reader.mapping(reader.obj.get("metadata"), "metadata")
    labels = reader.labels(metadata.get("labels"), "metadata.labels")
    return ServiceAccount(reader.name, reader.namespace, frozen_labels(labels), reader.location)
