"""The resources-to-model reader and the table of properties it reads."""

from __future__ import annotations

import pytest

from netkit.resources import READ_PROPERTIES, Resource, model_from_resources
from tests.policies.conftest import dev_records


class _Recording(dict):
    """Inputs that remember which top-level properties a reader looked at."""

    def __init__(self, values: dict, seen: set[str]) -> None:
        super().__init__(values)
        self.seen = seen

    def get(self, key, default=None):
        self.seen.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.seen.add(key)
        return super().__contains__(key)


def test_the_readers_use_only_the_properties_the_pack_waits_for_at_preview():
    # READ_PROPERTIES tells the policy pack which unknown values hold a rule back; a
    # reader that starts using another property must be listed there too.
    for type_, listed in READ_PROPERTIES.items():
        seen: set[str] = set()
        records = [
            Resource(r.type, r.name, r.urn, _Recording(r.inputs, seen))
            for r in dev_records()
            if r.type == type_
        ]
        model_from_resources(records)
        assert records and seen <= listed, (type_, seen - listed)


UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # how the engine marks a preview unknown
NETWORK = "docker:index/network:Network"


def test_values_unknown_at_preview_are_noted_or_left_out_never_parsed():
    model = model_from_resources(
        [
            Resource(NETWORK, "n", "urn:n", {"name": "n", "ipamConfigs": [{"subnet": UNKNOWN}]}),
            Resource(
                NETWORK,
                "m",
                "urn:m",
                {"name": "m", "ipamConfigs": [{"subnet": "10.2.0.0/24", "gateway": UNKNOWN}]},
            ),
            Resource(
                "kubernetes:operator.tigera.io/v1:Installation",
                "i",
                "urn:i",
                {"spec": {"calicoNetwork": {"ipPools": [{"cidr": UNKNOWN}]}}},
            ),
        ]
    )
    assert model.unknown == (
        f"{NETWORK} 'n': ipamConfigs.subnet",
        "kubernetes:operator.tigera.io/v1:Installation 'i': ipPools[0].cidr",
    )
    assert [(str(s.cidr), s.gateway) for s in model.address_spaces] == [("10.2.0.0/24", None)]


@pytest.mark.parametrize(("option", "encrypted"), [("true", True), ("", True), ("false", False)])
def test_an_overlay_is_encrypted_when_the_option_is_set_and_not_false(option, encrypted):
    inputs = {"name": "o", "driver": "overlay", "options": {"encrypted": option}}
    [network] = model_from_resources([Resource(NETWORK, "o", "urn:o", inputs)]).docker_networks
    assert network.encrypted is encrypted
