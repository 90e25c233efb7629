"""Structured garbage to every reader of user files: a result, or one line; never a crash.

Hypothesis builds documents that look like what each reader expects (stack files with
netkit's keys, Kubernetes objects of the kinds netkit reads, pack configs naming real
rules) with values of every type in every place, and writes them as YAML or JSON. The
reader must either give its result or raise a `NetkitError` of one line: any other
exception is a traceback the user would see. Examples are few, so the suite stays quick;
the deadline is the "few seconds" bound.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netkit.errors import NetkitError
from netkit.manifests import load_manifests
from netkit.spec import load_stack_file
from netkit_policies.registry import RULES, PackConfig

# NETKIT_FUZZ_EXAMPLES=2000 for a deeper run by hand.
EXAMPLES = int(os.environ.get("NETKIT_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=5000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

KEYS = [
    "name",
    "namespace",
    "labels",
    "annotations",
    "spec",
    "metadata",
    "ports",
    "port",
    "targetPort",
    "containerPort",
    "hostPort",
    "protocol",
    "selector",
    "matchLabels",
    "podSelector",
    "namespaceSelector",
    "ingress",
    "egress",
    "from",
    "to",
    "ipBlock",
    "cidr",
    "except",
    "policyTypes",
    "containers",
    "initContainers",
    "template",
    "rules",
    "host",
    "http",
    "paths",
    "path",
    "backend",
    "service",
    "tls",
    "hosts",
    "items",
    "type",
    "subnets",
    "subnet",
    "gateway",
    "bridges",
    "overlays",
    "internal",
    "mode",
    "calico",
    "ipPools",
    "blockSize",
    "encapsulation",
    "connections",
    "services",
    "namespaces",
    "reservedRanges",
    "base",
    "size",
    "allowedExternalIPs",
    "enforcementLevel",
    "endPort",
    "hostNetwork",
    "capabilities",
    "volumes",
    "hostPath",
    "clusterIP",
    "externalIPs",
]
TEXT = [
    "10.0.0.0/8",
    "10.0.0.0/\u00b2",
    "8\u00b2",
    "\u0663",
    "fd00::/64",
    "0.0.0.0/0",
    "*",
    "*.example.com",
    "TCP",
    "udp",
    "http",
    "a" * 70,
    "",
    "-1",
    "65536",
    "ALL",
    "NET_RAW",
    "/var/run/docker.sock",
    "Ingress",
    "Egress",
    "None",
    "Service",
    "x/y",
    "ns/",
    "-",
]
KINDS = [
    "Pod",
    "Deployment",
    "DeploymentConfig",
    "DaemonSet",
    "CronJob",
    "Service",
    "Ingress",
    "Route",
    "NetworkPolicy",
    "Namespace",
    "List",
    "PodList",
    "ConfigMap",
    None,
    7,
    ["x"],
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=True)
    | st.sampled_from(TEXT)
    | st.text(max_size=12)
)
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=30,
)


@st.composite
def kubernetes_objects(draw: st.DrawFn) -> Any:
    obj = draw(st.dictionaries(st.sampled_from(KEYS), values, max_size=4))
    obj["kind"] = draw(st.sampled_from(KINDS))
    obj["apiVersion"] = draw(st.sampled_from(["v1", "apps/v1", "networking.k8s.io/v1", 1]))
    obj["metadata"] = draw(
        st.fixed_dictionaries(
            {"name": st.sampled_from(TEXT) | st.text(max_size=8) | scalars},
            optional={"namespace": scalars, "labels": values},
        )
        | values
    )
    return obj


@st.composite
def stack_documents(draw: st.DrawFn) -> Any:
    config = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "netkit:docker": values,
                "netkit:kubernetes": values,
                "netkit:reserved": values,
                "netkit:exposure": values,
                "other:key": values,
            },
        )
    )
    return draw(st.sampled_from([{"config": config}, config, [config], None]))


@st.composite
def pack_configs(draw: st.DrawFn) -> Any:
    names = [rule.name for rule in RULES] + ["all", "nope"]
    return draw(st.dictionaries(st.sampled_from(names), values, max_size=3) | values)


def _write(folder: Path, name: str, documents: list[Any], as_json: bool) -> Path:
    if as_json:
        path = folder / f"{name}.json"
        path.write_text(json.dumps(documents[0], default=str))
    else:
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump_all(documents, allow_unicode=True))
    return path


def _one_line_or_result(read: Any, path: Path) -> None:
    try:
        read(path)
    except NetkitError as error:
        assert "\n" not in str(error).strip(), str(error)
        assert str(error).strip(), "an empty error message"


@FUZZ
@given(st.lists(kubernetes_objects(), min_size=1, max_size=3), st.booleans())
def test_the_manifest_reader_gives_a_model_or_one_line(tmp_path_factory, objects, as_json):
    folder = tmp_path_factory.mktemp("manifests")
    path = _write(folder, "objects", objects, as_json)

    _one_line_or_result(lambda p: load_manifests([p]), path)


@FUZZ
@given(stack_documents())
def test_the_stack_file_reader_gives_a_spec_or_one_line(tmp_path_factory, document):
    path = tmp_path_factory.mktemp("stack") / "Pulumi.fuzz.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))

    try:
        load_stack_file(path)
    except NetkitError as error:
        # A spec with several mistakes names each on its own line; none may be a traceback.
        assert all(line.startswith("Pulumi.fuzz.yaml") for line in str(error).splitlines())


@FUZZ
@given(pack_configs(), st.booleans())
def test_the_pack_config_reader_gives_a_config_or_one_line(tmp_path_factory, document, as_json):
    folder = tmp_path_factory.mktemp("config")
    path = _write(folder, "pack", [document], as_json)

    _one_line_or_result(PackConfig.load, path)
