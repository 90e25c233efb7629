"""Where values are written (`netkit.positions`) and which stack-file entry or manifest
object a resource came from (`netkit.locate`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netkit.locate import ManifestLocator, StackLocator
from netkit.positions import documents

ROOT = Path(__file__).resolve().parents[2]
STAGING = ROOT / "Pulumi.staging.yaml"


def place(text: str, needle: str, after: str = "") -> tuple[int, int]:
    """1-based line and column of `needle`, on the first line holding it after `after`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    for number, line in enumerate(lines[start:], start=start + 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


def test_positions_follow_block_and_flow_collections_and_aliases():
    text = "a:\n  b: [1, {c: &x two}]\n  d: *x\n---\n- e: 3\n"
    first, second = documents(text)
    assert first is not None and second is not None
    c = first.get("a", "b", 1, "c")
    assert (c.line, c.column, c.text, c.path) == (2, 14, "two", "a.b[1].c")  # at its anchor
    d = first.get("a", "d")
    assert (d.line, d.column, d.kind) == (3, 6, "alias")
    assert first.get("a", "missing") is None and first.get("a", "b", 9) is None
    e = second.get(0, "e")
    assert (e.line, e.column, e.text) == (5, 6, "3")


@given(st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), min_size=1, max_size=6, unique=True))
def test_every_key_of_a_mapping_is_placed_on_its_own_line(keys):
    text = "".join(f"{key}: v{index}\n" for index, key in enumerate(keys))
    [root] = documents(text)
    assert root is not None
    for index, key in enumerate(keys):
        node = root.get(key)
        assert node is not None and (node.line, node.column, node.text) == (
            index + 1, len(key) + 3, f"v{index}",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "name", "namespace", "value", "needle", "after"),
    [
        ("DockerNetwork", "netkit-staging-data", "", "10.221.1.0/24", "10.221.1.0/24", ""),
        ("DockerNetwork", "netkit-staging-app", "", "", "name: netkit-staging-app", ""),
        ("DockerContainer", "netkit-staging-web", "", "8443", "8443", ""),
        ("ReservedRange", "on-prem", "", "192.168.0.0/16", "192.168.0.0/16", ""),
        ("Namespace", "shop-api", "", "", "name: shop-api", ""),
        ("Deployment", "api", "shop-api", "", "name: api", "name: shop-api"),
        ("Service", "db", "shop-data", "", "name: db", ""),
        ("Ingress", "shop", "shop-web", "", "name: shop", "ingresses:"),
        ("NetworkPolicy", "ingress-shop-api-api-to-shop-data-db", "shop-data", "", "from: shop-api/api", ""),
        ("NetworkPolicy", "default-deny", "shop-web", "", "name: shop-web", ""),
        ("NetworkPolicy", "ingress-from-controller-web", "shop-web", "", "name: shop", "ingresses:"),
        ("CalicoIPPool", "pool-0", "", "", "cidr: 10.244.0.0/17", ""),
        ("PodCIDR", "pods", "", "10.244.0.0/16", "10.244.0.0/16", "podCidr"),
    ],
)  # fmt: skip
def test_each_resource_of_the_staging_stack_is_found_at_its_entry(
    kind, name, namespace, value, needle, after
):
    location = StackLocator(STAGING).locate(kind, name, namespace, value)
    assert location is not None, (kind, name)
    assert (location.line, location.column) == place(STAGING.read_text(), needle, after)


def test_a_resource_the_stack_file_does_not_hold_has_no_entry():
    locator = StackLocator(STAGING)
    assert locator.locate("DockerContainer", "nope") is None
    assert locator.locate("Stack", "") is None
    assert StackLocator(ROOT / "Pulumi.nope.yaml").file_location() is None


def test_a_manifest_object_is_found_by_its_document_and_list_item(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "kind: Namespace\nmetadata: {name: a}\n---\nkind: List\nitems:\n"
        "- kind: Service\n  metadata: {name: s}\n  spec: {externalIPs: [203.0.113.9]}\n"
    )
    locator = ManifestLocator()
    first = locator.locate(f"{path}, document 1")
    assert first is not None and (first.line, first.column) == (1, 1)
    item = locator.locate(f"{path}, document 2 items[0]", "203.0.113.9")
    assert item is not None and (item.line, item.column) == (8, 24)
    assert locator.locate(f"{path}, document 9") is None
    assert locator.locate("urn:pulumi:dev::netkit::x::y") is None
