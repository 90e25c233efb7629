"""Objects a stack would create that another state owns: found by ID, worded in one line."""

from __future__ import annotations

import pytest

from netkit.ownership import (
    DOCKER_CONTAINER,
    DOCKER_NETWORK,
    NAMESPACE,
    Declared,
    Existing,
    StateExportError,
    declared,
    foreign,
    refusal,
    state_holding,
)
from netkit.resources import PROJECT_LABEL, STACK_LABEL
from netkit.spec import parse_stack_config

OWNER = {PROJECT_LABEL: "netkit", STACK_LABEL: "dev"}


def _export(*ids: str, pending: tuple[str, ...] = ()) -> dict[str, object]:
    return {
        "version": 3,
        "deployment": {
            "resources": [{"urn": f"urn:{i}", "type": "t", "id": i} for i in ids]
            + [{"urn": "urn:stack", "type": "pulumi:pulumi:Stack"}],
            "pending_operations": [
                {"type": "creating", "resource": {"inputs": {"name": name}}} for name in pending
            ],
        },
    }


def test_the_spec_declares_networks_on_their_hosts_containers_and_cluster_namespaces():
    spec = parse_stack_config(
        {
            "netkit:docker": {
                "hosts": [
                    {"name": "h1", "url": "netkit-hosts://host1"},
                    {"name": "h2", "url": "netkit-hosts://host2"},
                ],
                "bridges": [{"name": "b", "host": "h2", "subnets": [{"subnet": "10.1.0.0/24"}]}],
                "overlays": [{"name": "o", "subnets": [{"subnet": "10.2.0.0/24"}]}],
                "containers": [{"name": "c", "host": "h2", "networks": [{"network": "o"}]}],
            },
            "netkit:kubernetes": {"mode": "cluster", "namespaces": [{"name": "shop"}]},
        },
        "Pulumi.t.yaml",
    )
    assert declared(spec) == [
        Declared(DOCKER_NETWORK, "b", "h2"),
        Declared(DOCKER_NETWORK, "o", "h1"),
        Declared(DOCKER_CONTAINER, "c", "h2"),
        Declared(NAMESPACE, "shop", "cluster"),
    ]


def test_rendered_namespaces_exist_nowhere_to_collide_with():
    spec = parse_stack_config(
        {"netkit:kubernetes": {"mode": "render", "namespaces": [{"name": "shop"}]}}, "P.yaml"
    )
    assert declared(spec) == []


def test_an_object_the_state_holds_or_began_to_create_is_not_foreign():
    net = Existing(Declared(DOCKER_NETWORK, "n", "local"), "id-n", OWNER)
    half = Existing(Declared(DOCKER_NETWORK, "half", "local"), "id-h", OWNER)
    other = Existing(Declared(DOCKER_CONTAINER, "c", "local"), "id-c", OWNER)
    state = state_holding(_export("id-n", pending=("half",)), "export.json")
    assert foreign([net, half, other], state) == [other]


def test_an_empty_stack_holds_nothing():
    state = state_holding({"version": 3, "deployment": {"manifest": {}}}, "export.json")
    assert state.ids == frozenset() and state.pending == frozenset()


@pytest.mark.parametrize("document", [[], {"deployment": []}, "text", None])
def test_a_document_that_is_no_stack_export_is_one_line(document):
    with pytest.raises(StateExportError) as raised:
        state_holding(document, "export.json")
    assert str(raised.value).startswith("export.json: not a `pulumi stack export` document")


def test_the_refusal_names_the_objects_their_owner_and_the_way_out_in_one_line():
    found = [
        Existing(Declared(DOCKER_NETWORK, "netkit-dev-a", "local"), "1", OWNER, "2026-12-07T03:41"),
        Existing(Declared(DOCKER_NETWORK, "netkit-dev-b", "local"), "2", OWNER, "2026-12-07T03:42"),
        Existing(Declared(NAMESPACE, "shop-web", "cluster"), "shop-web", OWNER, "2026-12-07T03:43"),
    ]
    line = refusal("Pulumi.dev.yaml", "file:///b/.pulumi-state", found)
    assert "\n" not in line
    assert line == (
        "Pulumi.dev.yaml: 3 objects this stack creates already exist outside its state "
        "(file:///b/.pulumi-state): Docker networks netkit-dev-a, netkit-dev-b on host "
        "'local'; namespace shop-web on the cluster; they belong to stack 'dev' of project "
        "'netkit', created 2026-12-07 03:41 UTC to 2026-12-07 03:43 UTC, in another state (another "
        "checkout, or this one's before its state moved). Run `make destroy` where that "
        "state is, or move that state here (`pulumi stack export` there, `pulumi stack "
        "import` here); nothing was changed"
    )


def test_objects_without_owner_labels_are_said_to_be_so():
    found = [Existing(Declared(DOCKER_CONTAINER, "web", "host1"), "1")]
    line = refusal("Pulumi.lab.yaml", "postgres://u:****@db/netkit", found)
    assert "1 object this stack creates" in line
    assert "Docker container web on host 'host1'" in line
    assert "they belong to objects without netkit's owner labels" in line


def test_a_long_list_is_cut_with_how_many_more():
    found = [
        Existing(Declared(DOCKER_CONTAINER, f"c{i}", "local"), str(i), OWNER) for i in range(20)
    ]
    line = refusal("Pulumi.dev.yaml", "file:///s", found)
    assert "c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11 and 8 more on host 'local'" in line
