"""The resources-to-model reader and the table of properties it reads."""

from __future__ import annotations

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
