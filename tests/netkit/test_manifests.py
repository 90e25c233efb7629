"""Kubernetes manifests → NetworkModel: kinds, lists, owners, defaults and exact errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from netkit.errors import ManifestError, NetkitError
from netkit.manifests import load_manifests, load_yaml_documents, model_from_objects
from netkit.model import ContainerPort, IngressPath, SelectorOperator
from netkit.structured import DocumentProblem
from tests import conformance


def write(folder: Path, name: str, *docs: Any) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if name.endswith(".json"):
        path.write_text(json.dumps(docs[0]))
    else:
        path.write_text(yaml.safe_dump_all(docs))
    return path


def deployment(
    name: str, labels: dict[str, str], namespace: str = "default", **spec: Any
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {"name": "c", "ports": [{"containerPort": 8080, "name": "http"}]}
                    ]
                },
            },
            **spec,
        },
    }


def pod(
    name: str,
    labels: dict[str, str],
    owner: dict[str, Any] | None = None,
    namespace: str = "default",
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": namespace, "labels": labels}
    if owner is not None:
        metadata["ownerReferences"] = [{"controller": True, **owner}]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {"containers": [{"name": "c"}]},
    }


def policy(spec: dict[str, Any], name: str = "deny", namespace: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def load_one(obj: Any) -> Any:
    return model_from_objects([("src.yaml, document 3", obj)])


def refs(model: Any) -> list[str]:
    return [w.ref for w in model.workloads]


# --------------------------------------------------------------------------- reading files


def test_multi_document_yaml_lists_and_typed_lists_are_all_read(tmp_path):
    write(
        tmp_path,
        "a.yaml",
        {"kind": "Namespace", "metadata": {"name": "shop"}},
        deployment("web", {"app": "web"}),
    )
    write(
        tmp_path,
        "pods.json",
        {
            "kind": "PodList",
            "items": [{"metadata": {"name": "db", "namespace": "shop"}, "spec": {}}],
        },
    )
    write(
        tmp_path,
        "nested/list.yaml",
        {"kind": "List", "items": [policy({"podSelector": {}}, name="p1")]},
        {
            "kind": "NamespaceList",
            "items": [{"metadata": {"name": "ops", "labels": {"team": "sre"}}}],
        },
    )
    model = load_manifests([tmp_path])
    assert refs(model) == ["default/web[Deployment]", "shop/db[Pod]"]
    assert [ns.name for ns in model.namespaces] == ["shop", "ops"]
    assert dict(model.namespaces[1].labels) == {"team": "sre"}
    assert [p.name for p in model.network_policies] == ["p1"]


def test_a_folder_skips_files_without_kubernetes_objects_with_a_note(tmp_path):
    write(tmp_path, "app.yaml", deployment("web", {"app": "web"}))
    write(tmp_path, "connlist_output.json", [{"src": "a", "dst": "b", "conn": "All Connections"}])
    write(tmp_path, ".git/config.yaml", {"kind": "Pod"})  # hidden folders are never read
    model = load_manifests([tmp_path])
    assert refs(model) == ["default/web[Deployment]"]
    assert model.notes == (
        f"{tmp_path / 'connlist_output.json'}: skipped, it holds no Kubernetes object",
    )


def test_kinds_outside_the_model_are_counted_in_the_notes():
    model = model_from_objects(
        [
            ("a", {"kind": "ConfigMap", "metadata": {"name": "c1"}}),
            ("b", {"kind": "ConfigMap", "metadata": {"name": "c2"}}),
            ("c", {"kind": "Secret", "metadata": {"name": "s"}}),
        ]
    )
    assert model.notes == ("ignored 2 ConfigMap, 1 Secret (kinds outside the network model)",)


def test_a_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(NetkitError) as error:
        load_manifests([tmp_path / "nope"])
    assert str(error.value) == f"{tmp_path / 'nope'}: no such file or folder"


def test_a_folder_without_manifests_is_a_clear_error(tmp_path):
    (tmp_path / "README.md").write_text("hello")
    with pytest.raises(NetkitError) as error:
        load_manifests([tmp_path])
    assert str(error.value) == (
        f"{tmp_path}: no manifests found (looked for .yaml, .yml, .json files in the folder "
        "and its sub-folders)"
    )


def test_a_folder_whose_files_hold_no_kubernetes_object_is_a_clear_error(tmp_path):
    write(tmp_path, "values.yaml", {"replicas": 3})
    with pytest.raises(NetkitError) as error:
        load_manifests([tmp_path])
    assert str(error.value) == f"{tmp_path}: no Kubernetes objects found"


# --------------------------------------------------------------------------- exact errors


def test_a_port_out_of_range_names_file_document_object_and_field(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    deny = policy({"podSelector": {}, "ingress": [{"ports": [{"port": 80}, {"port": 70000}]}]})
    write(tmp_path, "manifests/db.yaml", deployment("db", {"app": "db"}), deny)
    with pytest.raises(ManifestError) as error:
        load_manifests([Path("manifests")])
    assert str(error.value) == (
        "manifests/db.yaml, document 2 (NetworkPolicy default/deny): "
        "spec.ingress[0].ports[1].port: 70000 is not a port (1-65535)"
    )


def test_bad_yaml_names_the_document_line_and_column(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("bad.yaml").write_text(
        "kind: Namespace\nmetadata:\n  name: a\n---\nkind: Pod\nmetadata: {name: x\n"
    )
    with pytest.raises(ManifestError) as error:
        load_manifests([Path("bad.yaml")])
    assert str(error.value) == (
        "bad.yaml, document 2: not valid YAML: line 7, column 1: did not find expected ',' or '}'"
    )


def test_a_yaml_alias_inside_itself_is_one_line_not_a_recursion_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("loop.yaml").write_text("kind: Service\nmetadata: &m {name: [*m]}\n")
    with pytest.raises(ManifestError) as error:
        load_manifests([Path("loop.yaml")])
    assert str(error.value) == (
        "loop.yaml, document 1: line 2: a YAML alias (*name) refers to the node that holds it; "
        "write the value out instead"
    )


def test_bad_json_names_the_line_and_column(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("bad.json").write_text('{"kind": "Pod",}')
    with pytest.raises(ManifestError) as error:
        load_manifests([Path("bad.json")])
    assert str(error.value) == (
        "bad.json: not valid JSON: line 1, column 16: Expecting property name enclosed in double quotes"
    )


def test_a_document_that_is_not_a_mapping_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "x.yaml", deployment("web", {"app": "web"}), ["a", "list"])
    with pytest.raises(ManifestError) as error:
        load_manifests([Path("x.yaml")])
    assert str(error.value) == (
        "x.yaml, document 2: expected a Kubernetes object (a mapping with apiVersion and "
        "kind), got a list, which kubectl refuses too; write each object as a document of "
        "its own (separated by ---), or under `items:` of a `kind: List`"
    )


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (
            policy({"ingress": {"from": []}}),
            "spec.ingress: expected a list, got a mapping",
        ),
        (
            policy({"egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/33"}}]}]}),
            "spec.egress[0].to[0].ipBlock.cidr: '10.0.0.0/33': prefix must be 0-32",
        ),
        (
            policy({"egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.1"}}]}]}),
            "spec.egress[0].to[0].ipBlock.cidr: '10.0.0.1': the prefix length is missing; "
            "did you mean '10.0.0.1/32'?",
        ),
        (
            policy(
                {
                    "ingress": [
                        {"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.0.0.0/300"]}}]}
                    ]
                }
            ),
            "spec.ingress[0].from[0].ipBlock.except[0]: '10.0.0.0/300': prefix must be 0-32",
        ),
        (
            policy({"ingress": [{"ports": [{"port": "80"}]}]}),
            "spec.ingress[0].ports[0].port: '80' is a string, so it would name a container port; "
            "write the number 80 without quotes",
        ),
        (
            policy({"ingress": [{"ports": [{"port": 90, "endPort": 80}]}]}),
            "spec.ingress[0].ports[0].endPort: 80 is below port 90",
        ),
        (
            policy({"ingress": [{"ports": [{"port": "http", "endPort": 80}]}]}),
            "spec.ingress[0].ports[0].endPort: needs a numeric port to start the range",
        ),
        (
            policy({"ingress": [{"ports": [{"port": 53, "protocol": "ICMP"}]}]}),
            "spec.ingress[0].ports[0].protocol: 'ICMP' is not a protocol (TCP, UDP or SCTP)",
        ),
        (
            policy({"ingress": [{"ports": [{"port": True}]}]}),
            "spec.ingress[0].ports[0].port: expected a number, got true",
        ),
        (
            policy({"ingress": [{"from": [{}]}]}),
            "spec.ingress[0].from[0]: a peer needs a podSelector, a namespaceSelector or an ipBlock",
        ),
        (
            policy(
                {"ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}]}
            ),
            "spec.ingress[0].from[0]: ipBlock cannot be combined with podSelector or namespaceSelector",
        ),
        (
            policy({"podSelector": {"matchLabels": {"tier": 1}}}),
            "spec.podSelector.matchLabels.tier: label values are strings, got the number 1; quote it: '1'",
        ),
        (
            policy({"podSelector": {"matchExpressions": [{"key": "a", "operator": "Has"}]}}),
            "spec.podSelector.matchExpressions[0].operator: 'Has' is not an operator "
            "(In, NotIn, Exists, DoesNotExist)",
        ),
        (
            policy({"podSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}}),
            "spec.podSelector.matchExpressions[0].values: In needs at least one value",
        ),
        (
            policy(
                {
                    "podSelector": {
                        "matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]
                    }
                }
            ),
            "spec.podSelector.matchExpressions[0].values: Exists takes no values",
        ),
        (
            policy({"policyTypes": ["Inbound"]}),
            "spec.policyTypes[0]: 'Inbound' is not a policy type (Ingress or Egress)",
        ),
        (
            policy(
                {
                    "ingress": [
                        {"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["fd00::/64"]}}]}
                    ]
                }
            ),
            "spec.ingress[0].from[0].ipBlock.except[0]: fd00::/64 is not in the same IP family "
            "as the cidr 10.0.0.0/8",
        ),
    ],
)
def test_a_malformed_network_policy_names_the_field(obj, message):
    with pytest.raises(ManifestError) as error:
        load_one(obj)
    assert str(error.value) == f"src.yaml, document 3 (NetworkPolicy default/deny): {message}"


def test_an_object_without_kind_is_refused():
    with pytest.raises(ManifestError) as error:
        load_one({"metadata": {"name": "p"}})
    assert (
        str(error.value) == "src.yaml, document 3: kind is missing (a Kubernetes object needs one)"
    )


def test_an_error_inside_a_list_names_the_item():
    items = {
        "kind": "PodList",
        "items": [pod("a", {}), {"metadata": {"name": "b", "labels": {"v": 2}}}],
    }
    with pytest.raises(ManifestError) as error:
        load_one(items)
    assert str(error.value) == (
        "src.yaml, document 3 (Pod default/b): items[1].metadata.labels.v: "
        "label values are strings, got the number 2; quote it: '2'"
    )


def test_a_policy_declared_twice_is_refused_naming_both_places():
    with pytest.raises(ManifestError) as error:
        model_from_objects([("a.yaml, document 1", policy({})), ("b.yaml, document 4", policy({}))])
    assert str(error.value) == (
        "b.yaml, document 4 (NetworkPolicy default/deny): metadata.name: "
        "NetworkPolicy default/deny is also declared in a.yaml, document 1"
    )


def test_a_workload_port_out_of_range_names_the_template_field():
    bad = deployment("web", {"app": "web"})
    bad["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = 0
    with pytest.raises(ManifestError) as error:
        load_one(bad)
    assert str(error.value) == (
        "src.yaml, document 3 (Deployment default/web): "
        "spec.template.spec.containers[0].ports[0].containerPort: 0 is not a port (1-65535)"
    )


# --------------------------------------------------------------------------- what is read


def test_policy_types_default_to_ingress_and_to_egress_only_with_egress_rules():
    model = model_from_objects(
        [
            ("a", policy({"podSelector": {}}, name="ingress-only")),
            ("b", policy({"podSelector": {}, "egress": [{}]}, name="with-egress")),
            (
                "c",
                policy(
                    {"podSelector": {}, "egress": [{}], "policyTypes": ["Ingress"]}, name="declared"
                ),
            ),
        ]
    )
    flags = {
        p.name: (p.affects_ingress, p.affects_egress, p.policy_types_declared)
        for p in model.network_policies
    }
    assert flags == {
        "ingress-only": (True, False, False),
        "with-egress": (True, True, False),
        "declared": (True, False, True),
    }


def test_peers_selectors_ports_and_ip_blocks_are_read_as_written():
    spec = {
        "podSelector": {"matchLabels": {"app": "db"}},
        "ingress": [
            {
                "from": [
                    {
                        "namespaceSelector": {"matchLabels": {"team": "a"}},
                        "podSelector": {
                            "matchExpressions": [
                                {"key": "role", "operator": "NotIn", "values": ["x"]}
                            ]
                        },
                    },
                    {"ipBlock": {"cidr": "10.0.0.5/8", "except": ["10.1.0.0/16"]}},
                ],
                "ports": [
                    {"port": "postgres"},
                    {"port": 6000, "endPort": 6010, "protocol": "UDP"},
                    {"protocol": "SCTP"},
                ],
            }
        ],
    }
    rule = load_one(policy(spec)).network_policies[0].ingress[0]
    both, block = rule.peers
    assert dict(both.namespace_selector.match_labels) == {"team": "a"}
    assert both.pod_selector.match_expressions[0].operator is SelectorOperator.NOT_IN
    assert str(block.ip_block.cidr) == "10.0.0.0/8"  # host bits masked, as Kubernetes does
    assert [str(e) for e in block.ip_block.excepts] == ["10.1.0.0/16"]
    named, ranged, whole = rule.ports
    assert (named.protocol, named.port, named.protocol_declared) == ("TCP", "postgres", False)
    assert (ranged.protocol, ranged.port, ranged.end_port) == ("UDP", 6000, 6010)
    assert (whole.protocol, whole.port) == ("SCTP", None)


def test_workload_kinds_read_their_pod_templates_and_replicas():
    cronjob = {
        "kind": "CronJob",
        "metadata": {"name": "report", "namespace": "ops"},
        "spec": {
            "jobTemplate": {
                "spec": {"template": {"metadata": {"labels": {"app": "report"}}, "spec": {}}}
            }
        },
    }
    job = {
        "kind": "Job",
        "metadata": {"name": "migrate"},
        "spec": {
            "parallelism": 3,
            "template": {"metadata": {"labels": {"app": "migrate"}}, "spec": {"hostNetwork": True}},
        },
    }
    model = model_from_objects(
        [("a", cronjob), ("b", job), ("c", deployment("web", {"app": "web"}, replicas=4))]
    )
    by_ref = {w.ref: w for w in model.workloads}
    assert dict(by_ref["ops/report[CronJob]"].labels) == {"app": "report"}
    assert by_ref["default/migrate[Job]"].replicas == 3
    assert by_ref["default/migrate[Job]"].host_network
    assert by_ref["default/web[Deployment]"].replicas == 4
    assert by_ref["default/web[Deployment]"].ports == (ContainerPort(8080, "TCP", "http"),)


def test_a_container_port_without_number_is_skipped_with_a_note():
    dep = deployment("web", {"app": "web"})
    dep["spec"]["template"]["spec"]["containers"][0]["ports"].append(
        {"name": "udps", "containerport": 3535}
    )
    model = load_one(dep)
    assert model.workloads[0].ports == (ContainerPort(8080, "TCP", "http"),)
    assert model.notes == (
        "src.yaml, document 3 (Deployment default/web): spec.template.spec.containers[0].ports[1]: "
        "no containerPort, entry ignored",
    )


def test_services_default_the_target_port_to_the_port():
    service = {
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"app": "web"},
            "ports": [
                {"port": 80, "name": "http"},
                {"port": 443, "targetPort": "https", "name": "tls"},
                {"port": 8080, "targetPort": 0, "name": "alt"},
                {"port": 8443, "targetPort": "", "name": "alt-tls"},
            ],
        },
    }
    (svc,) = load_one(service).services
    assert [(p.port, p.target_port, p.name) for p in svc.ports] == [
        (80, 80, "http"),
        (443, "https", "tls"),
        (8080, 8080, "alt"),
        (8443, 8443, "alt-tls"),
    ]


def test_ingress_v1_v1beta1_and_routes_become_backends():
    v1 = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "new"},
        "spec": {
            "defaultBackend": {"service": {"name": "fallback", "port": {"name": "http"}}},
            "rules": [
                {
                    "host": "a.example",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    }
    old = {
        "apiVersion": "extensions/v1beta1",
        "kind": "Ingress",
        "metadata": {"name": "old"},
        "spec": {
            "rules": [
                {"http": {"paths": [{"backend": {"serviceName": "api", "servicePort": 8080}}]}}
            ]
        },
    }
    route = {
        "kind": "Route",
        "metadata": {"name": "r", "namespace": "shop"},
        "spec": {
            "to": {"kind": "Service", "name": "web"},
            "port": {"targetPort": "http"},
            "alternateBackends": [{"kind": "Service", "name": "web-canary"}],
        },
    }
    model = model_from_objects([("a", v1), ("b", old), ("c", route)])
    new_ingress, old_ingress, the_route = model.ingresses
    assert new_ingress.backends() == (
        IngressPath("a.example", "/", "Prefix", "web", 80),
        IngressPath("", "", "", "fallback", "http"),
    )
    assert old_ingress.backends() == (IngressPath("", "", "", "api", 8080),)
    assert the_route.kind == "Route"
    assert [(p.service, p.port) for p in the_route.backends()] == [
        ("web", "http"),
        ("web-canary", "http"),
    ]


# --------------------------------------------------------------------------- owners


def test_a_pod_with_a_controller_owner_is_reported_as_its_owner_and_pods_collapse():
    model = model_from_objects(
        [
            ("a", pod("agent-x1", {"app": "agent"}, {"kind": "DaemonSet", "name": "agent"})),
            ("b", pod("agent-x2", {"app": "agent"}, {"kind": "DaemonSet", "name": "agent"})),
            ("c", pod("api-7d9-abc", {"app": "api"}, {"kind": "ReplicaSet", "name": "api-7d9"})),
        ]
    )
    assert refs(model) == ["default/agent[DaemonSet]", "default/api-7d9[ReplicaSet]"]
    assert model.workloads[0].replicas == 2
    assert model.workloads[0].pod_variants == ()


def test_an_owner_reference_without_kind_is_reported_as_a_pod_named_after_the_owner():
    model = load_one(pod("p-1", {}, {"name": "internal-security"}))
    assert refs(model) == ["default/internal-security[Pod]"]


def test_a_static_pod_owned_by_a_node_is_reported_as_itself():
    model = load_one(
        pod(
            "etcd-node1",
            {"component": "etcd"},
            {"kind": "Node", "name": "node1"},
            namespace="kube-system",
        )
    )
    assert refs(model) == ["kube-system/etcd-node1[Pod]"]


def test_a_replicaset_owned_by_a_deployment_is_reported_as_the_deployment():
    replicaset = {
        "kind": "ReplicaSet",
        "metadata": {
            "name": "web-5d8f",
            "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": True}],
        },
        "spec": {
            "template": {
                "metadata": {"labels": {"app": "web", "pod-template-hash": "5d8f"}},
                "spec": {},
            }
        },
    }
    model = model_from_objects(
        [
            ("a", replicaset),
            (
                "b",
                pod(
                    "web-5d8f-x",
                    {"app": "web", "pod-template-hash": "5d8f"},
                    {"kind": "ReplicaSet", "name": "web-5d8f"},
                ),
            ),
        ]
    )
    assert refs(model) == ["default/web[Deployment]"]


def test_pods_of_a_loaded_deployment_s_replicaset_join_the_deployment_by_pod_template_hash():
    model = model_from_objects(
        [
            ("a", deployment("web", {"app": "web"})),
            (
                "b",
                pod(
                    "web-5d8f-x",
                    {"app": "web", "pod-template-hash": "5d8f"},
                    {"kind": "ReplicaSet", "name": "web-5d8f"},
                ),
            ),
            # No Deployment named "api" is loaded: its ReplicaSet stays what the pod says.
            (
                "c",
                pod(
                    "api-6c7-y",
                    {"app": "api", "pod-template-hash": "6c7"},
                    {"kind": "ReplicaSet", "name": "api-6c7"},
                ),
            ),
        ]
    )
    assert refs(model) == ["default/web[Deployment]", "default/api-6c7[ReplicaSet]"]
    web = model.workloads[0]
    assert dict(web.labels) == {"app": "web"}  # the template describes the workload
    assert [dict(v.labels) for v in web.pod_variants] == [
        {"app": "web", "pod-template-hash": "5d8f"}
    ]
    assert model.notes == ()  # a controller's own label is no label gap


def test_pods_of_one_owner_with_different_labels_become_variants_with_a_note():
    model = model_from_objects(
        [
            ("a", pod("p1", {"app": "command"}, {"name": "internal"})),
            ("b", pod("p2", {"app": "query"}, {"name": "internal"})),
        ]
    )
    (workload,) = model.workloads
    assert dict(workload.labels) == {"app": "command"}
    assert [(v.name, dict(v.labels)) for v in workload.pod_variants] == [("p2", {"app": "query"})]
    assert model.notes == (
        "default/internal[Pod]: its pods do not all have the same labels; each label set is "
        "analyzed as a pod of the workload and the results are combined",
    )


def test_objects_without_namespace_land_in_default():
    model = model_from_objects(
        [("a", deployment("web", {}, namespace=None)), ("b", policy({}, namespace=None))]
    )  # type: ignore[arg-type]
    assert refs(model) == ["default/web[Deployment]"]
    assert model.network_policies[0].namespace == "default"


# --------------------------------------------------------------------------- the YAML reader


YAML_SAMPLES = [
    "a: 1\nb: [true, no, null, ~, 0x1F, 1_000, 0o17, -3]\nc: {d: 'x', e: \"y\"}\n",
    "---\nfirst: 1\n---\n---\nsecond: [1, 2]\n",
    "base: &b {port: 80, name: http}\nuse: *b\nmerged:\n  <<: *b\n  name: web\n",
    "ratio: 1.5\nwhen: 2024-01-02\nstamp: 2024-01-02T03:04:05Z\nbin: !!binary aGVsbG8=\n",
    "? [1, 2]\n: complex key\n",
    "? {a: 1}\n: x\n",
    "tagged: !!str 123\nlist: !!set {a, b}\n",
    "",
]


@pytest.mark.parametrize("text", YAML_SAMPLES)
def test_the_fast_yaml_reader_gives_what_safe_load_all_gives(text):
    try:
        expected = list(yaml.safe_load_all(text))
    except yaml.YAMLError as error:
        # The same text is refused, as PyYAML's error or as a located problem.
        with pytest.raises((type(error), DocumentProblem)):
            list(load_yaml_documents(text))
        return
    assert list(load_yaml_documents(text)) == expected


def test_the_fast_yaml_reader_reads_the_whole_corpus_like_safe_load_all():
    corpus = conformance.corpus("netpol-analyzer") / "cases"
    files = sorted(p for p in corpus.rglob("*") if p.suffix in (".yaml", ".yml"))
    assert len(files) > 50
    for file in files:
        text = file.read_text()
        assert list(load_yaml_documents(text)) == list(yaml.safe_load_all(text)), file


def test_a_port_range_of_one_port_is_a_range_not_a_mistake():
    [rule] = (
        load_one(policy({"ingress": [{"ports": [{"port": 80, "endPort": 80}]}]}))
        .network_policies[0]
        .ingress
    )
    [port] = rule.ports
    assert (port.port, port.end_port) == (80, 80)
