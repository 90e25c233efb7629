"""One loader turns what a command names into a model: paths, a stack, a running cluster."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from netkit.errors import InvalidValue, NetkitError
from netkit.model import AddressSpace, DeclaredConnection, Endpoint, Layer, NetworkModel
from netkit.sources import (
    Loader,
    Source,
    SourceKind,
    load_paths,
    merge,
    parse_spaces_document,
)

NETWORK = "docker:index/network:Network"
DENY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "deny", "namespace": "shop"},
    "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
}


def test_stack_colon_names_a_stack_and_anything_else_a_path(tmp_path):
    assert Source.parse("stack:prod", tmp_path) == Source(
        SourceKind.STACK, stack="prod", project_dir=tmp_path
    )
    assert Source.parse("manifests/v1") == Source(SourceKind.PATHS, paths=(Path("manifests/v1"),))
    assert Source.of_stack("dev").describe() == "stack dev"
    assert Source.of_paths([Path("a"), Path("b.yaml")]).describe() == "a, b.yaml"


def test_a_stack_is_read_by_the_synthesis_the_loader_was_given(tmp_path):
    seen: list[tuple[str, Path | None]] = []
    model = NetworkModel(notes=("from the stack",))

    def stack_model(stack: str, project_dir: Path | None) -> NetworkModel:
        seen.append((stack, project_dir))
        return model

    assert Loader(stack_model).load(Source.of_stack("dev", tmp_path)) is model
    assert seen == [("dev", tmp_path)]


def test_a_stack_without_a_synthesis_is_a_clear_error():
    with pytest.raises(NetkitError, match=r"^--stack 'dev': synthesis is not available here"):
        Loader().load(Source.of_stack("dev"))


def test_a_live_cluster_is_read_through_the_connection_the_loader_was_given():
    from tests.netkit.test_live import FakeApi

    seen: list[tuple[str | None, str | None]] = []

    def connect(kubeconfig: str | None, context: str | None) -> FakeApi:
        seen.append((kubeconfig, context))
        return FakeApi({"NetworkPolicy": [DENY]})

    model = Loader(cluster_api=connect).load(Source.of_cluster("kind-dev", "kube.yaml"))
    assert [p.name for p in model.network_policies] == ["deny"]
    assert seen == [("kube.yaml", "kind-dev")]
    assert Source.of_cluster("kind-dev").describe() == "cluster kind-dev"
    assert (
        Source.of_cluster(kubeconfig="k.yaml").describe() == "cluster (current context) of k.yaml"
    )


def test_a_folder_of_manifests_and_a_resource_list_is_one_model(tmp_path):
    (tmp_path / "deny.yaml").write_text(yaml.safe_dump(DENY))
    resources = [{"type": NETWORK, "name": "net", "urn": "", "inputs": {"name": "backend"}}]
    (tmp_path / "synth.json").write_text(json.dumps(resources))

    model = load_paths([tmp_path])

    assert [n.name for n in model.docker_networks] == ["backend"]
    assert [p.name for p in model.network_policies] == ["deny"]
    assert not any("synth.json" in note for note in model.notes)


def test_address_spaces_files_are_read_only_where_the_command_asks(tmp_path):
    spaces = tmp_path / "spaces.yaml"
    spaces.write_text(yaml.safe_dump({"reserved": [{"name": "vpn", "cidr": "10.8.0.0/16"}]}))

    model = load_paths([spaces], address_spaces=True)
    assert model.address_spaces == (
        AddressSpace(
            "vpn", Layer.RESERVED, ipaddress.ip_network("10.8.0.0/16"), f"{spaces}#reserved[0]"
        ),
    )
    with pytest.raises(NetkitError, match="kind is missing"):
        load_paths([spaces])


def test_a_missing_path_is_named():
    with pytest.raises(NetkitError, match=r"^nope\.yaml: no such file or folder$"):
        load_paths([Path("nope.yaml")])


def test_merge_keeps_the_first_models_intent_and_appends_the_others_objects():
    vpn = AddressSpace("vpn", Layer.RESERVED, ipaddress.ip_network("10.8.0.0/16"))
    pods = AddressSpace("pods", Layer.POD_CIDR, ipaddress.ip_network("10.244.0.0/16"))
    stack = NetworkModel(address_spaces=(vpn,), connections=(), notes=("a",))
    other = NetworkModel(
        address_spaces=(pods,),
        connections=(DeclaredConnection(Endpoint("x", "y"), Endpoint("x", "z")),),
        notes=("b",),
    )

    merged = merge(stack, other)

    assert (merged.address_spaces, merged.connections, merged.notes) == (
        (vpn, pods),
        (),
        ("a", "b"),
    )


LAYERS = [layer for layer in Layer if layer is not Layer.RESERVED]


@given(
    st.lists(
        st.tuples(
            st.text(alphabet="abcdefgh-", min_size=1, max_size=8),
            st.sampled_from(LAYERS),
            st.integers(min_value=0, max_value=2**32 - 1),
            st.integers(min_value=8, max_value=32),
        ),
        max_size=5,
    )
)
def test_an_address_spaces_document_reads_back_what_was_written(entries):
    written = [
        (name, layer, ipaddress.ip_network((address, prefix), strict=False))
        for name, layer, address, prefix in entries
    ]
    document = {
        "address_spaces": [
            {"name": name, "layer": str(layer), "cidr": str(cidr)} for name, layer, cidr in written
        ]
    }

    spaces = parse_spaces_document(document, "f.yaml")

    assert [(s.name, s.layer, s.cidr) for s in spaces] == written
    assert [s.source for s in spaces] == [f"f.yaml#address_spaces[{i}]" for i in range(len(spaces))]


def test_an_unknown_key_names_the_keys_a_file_may_hold():
    with pytest.raises(InvalidValue) as raised:
        parse_spaces_document({"spaces": []}, "f.yaml")
    assert str(raised.value) == (
        "f.yaml: expected a mapping with 'address_spaces' (a list of {name, layer, cidr}) "
        "or 'reserved' (a list of {name, cidr})"
    )
