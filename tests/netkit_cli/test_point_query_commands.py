"""`netkit why`, `netkit selects` and the focus and what-if options on the dev stack."""

from __future__ import annotations

import json
import shutil

import pytest

from netkit_cli.main import main
from tests.conformance import corpus


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as stop:  # argparse refuses a bad flag this way
        code = int(stop.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_why_exits_0_for_a_declared_connection_and_names_both_rules(capsys):
    code, out, _ = run(
        capsys, "why", "--stack", "dev", "--src", "shop-web/web", "--dst", "shop-api/api",
        "--port", "TCP/8080",
    )  # fmt: skip
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "allowed: shop-web/web[Deployment] => shop-api/api[Deployment] on TCP 8080"
    assert (
        "  - shop-web/egress-shop-web-web-to-shop-api-api spec.egress[0]: allows TCP 8080" in lines
    )
    assert (
        "  - shop-api/ingress-shop-web-web-to-shop-api-api spec.ingress[0]: allows TCP 8080"
        in lines
    )


def test_why_exits_1_for_an_undeclared_connection_and_says_which_isolation_denies_it(capsys):
    code, out, _ = run(
        capsys, "why", "--stack", "dev", "--src", "shop-web/web", "--dst", "shop-data/db",
        "--port", "5432/TCP", "--format", "json",
    )  # fmt: skip
    assert code == 1
    document = json.loads(out)
    assert (document["verdict"], document["allowed"]) == ("denied", "No Connections")
    assert {step["policy"] for step in document["walk"] if step["direction"] == "ingress"} == {
        "shop-data/ingress-shop-api-api-to-shop-data-db",
        "shop-data/default-deny",
    }
    assert all(step["rule"] == "" for step in document["walk"])


def test_why_walks_a_docker_pair_through_the_network_that_carries_it_or_none(capsys):
    code, out, _ = run(
        capsys, "why", "--stack", "dev", "--src", "local/netkit-dev-web", "--dst", "local/netkit-dev-api"
    )  # fmt: skip
    assert code == 0
    assert out.splitlines()[:2] == [
        "allowed: local/netkit-dev-web[Container] => local/netkit-dev-api[Container] : All Connections",
        "Docker (the networks that carry the pair, or why none does):",
    ]
    assert "bridge 'netkit-dev-backend' on local (internal): both attached" in out

    code, out, _ = run(
        capsys, "why", "--stack", "dev", "--src", "local/netkit-dev-web", "--dst", "local/netkit-dev-db"
    )  # fmt: skip
    assert code == 1
    assert out.startswith(
        "denied: local/netkit-dev-web[Container] => local/netkit-dev-db[Container]"
    )
    assert "none shared" in out


def test_why_names_an_unknown_workload_and_the_close_ones_in_one_line(capsys):
    code, out, err = run(
        capsys, "why", "--stack", "dev", "--src", "shop-web/wbe", "--dst", "shop-api/api"
    )
    assert (code, out) == (2, "")
    assert err == (
        "netkit: error: --src 'shop-web/wbe' is not a workload or peer of the input; "
        "did you mean 'shop-web/web'?\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "TCP/0"], "--port: port 0: ports are 1-65535"),
        (["--what-if-pod", "probe"], "--what-if-pod: what-if pod 'probe': write"),
        (["--what-if-namespace", "Bad"], "--what-if-namespace: what-if namespace"),
    ],
)
def test_why_refuses_a_bad_flag_before_reading_anything(capsys, argv, message):
    code, _, err = run(capsys, "why", "--stack", "nope", "--src", "a/b", "--dst", "c/d", *argv)
    assert code == 2
    assert err.startswith(f"netkit: error: {message}") and err.count("\n") == 1


def test_why_answers_for_a_what_if_pod_in_a_relabelled_namespace(capsys):
    code, out, _ = run(
        capsys, "why", "--stack", "dev", "--src", "shop-web/probe", "--dst", "shop-api/api",
        "--port", "TCP/8080", "--what-if-pod", "shop-web/probe:app=web",
    )  # fmt: skip
    assert code == 0
    assert out.startswith("allowed: shop-web/probe[WhatIf] => shop-api/api[Deployment] on TCP 8080")


def test_selects_lists_the_dev_api_policies_per_direction(capsys):
    code, out, _ = run(capsys, "selects", "shop-api/api", "--stack", "dev")
    assert code == 0
    assert out.splitlines() == [
        "shop-api/api[Deployment]",
        "ingress: selected by 2 NetworkPolicies; what any of their rules allows is allowed, "
        "nothing else",
        "  shop-api/ingress-shop-web-web-to-shop-api-api ([pod with {app=api}]):",
        "    spec.ingress[0]: from shop-web/[pod with {app=web}] on TCP 8080",
        "  shop-api/default-deny ([all pods]): no ingress rule, allows nothing",
        "egress: selected by 3 NetworkPolicies; what any of their rules allows is allowed, "
        "nothing else",
        "  shop-api/egress-shop-api-api-to-shop-data-db ([pod with {app=api}]):",
        "    spec.egress[0]: to shop-data/[pod with {app=db}] on TCP 5432",
        "  shop-api/allow-dns-egress ([all pods]):",
        "    spec.egress[0]: to kube-system/[pod with {k8s-app=kube-dns}] on UDP 53, TCP 53",
        "  shop-api/default-deny ([all pods]): no egress rule, allows nothing",
    ]


def test_connlist_focus_on_the_dev_stack(capsys):
    code, out, _ = run(
        capsys, "connlist", "--stack", "dev", "--focus-workload", "shop-api/api",
        "--focus-direction", "ingress",
    )  # fmt: skip
    assert code == 0
    assert out.splitlines() == ["shop-web/web[Deployment] => shop-api/api[Deployment] : TCP 8080"]
    code, out, _ = run(
        capsys, "connlist", "--stack", "dev", "--denied-only", "--focus-port", "TCP/5432",
        "--focus-workload", "shop-data/db",
    )  # fmt: skip
    assert out.splitlines() == [
        "shop-api/api[Deployment] => shop-data/db[Deployment] : No Connections"[:0]
        or "shop-data/db[Deployment] => shop-api/api[Deployment] : No Connections",
        "shop-data/db[Deployment] => shop-web/web[Deployment] : No Connections",
        "shop-web/web[Deployment] => shop-data/db[Deployment] : No Connections",
    ]


def test_focus_peer_without_a_workload_is_one_line_with_the_fix(capsys):
    code, _, err = run(capsys, "connlist", "--stack", "dev", "--focus-peer", "shop-api/api")
    assert code == 2
    assert err == (
        "netkit: error: --focus-peer and --focus-direction narrow --focus-workload; give "
        "--focus-workload NS/NAME too\n"
    )


def test_diff_focus_keeps_only_the_focused_workload(capsys, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    pods = """
kind: Pod
apiVersion: v1
metadata: {name: a, namespace: x, labels: {app: a}}
---
kind: Pod
apiVersion: v1
metadata: {name: b, namespace: x, labels: {app: b}}
---
kind: Pod
apiVersion: v1
metadata: {name: c, namespace: x, labels: {app: c}}
"""
    (tmp_path / "old" / "pods.yaml").write_text(pods)
    (tmp_path / "new" / "pods.yaml").write_text(
        pods
        + """
---
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: {name: deny, namespace: x}
spec: {podSelector: {}}
"""
    )
    code, out, _ = run(
        capsys, "diff", str(tmp_path / "old"), str(tmp_path / "new"), "--focus-workload", "x/a",
        "--focus-direction", "ingress", "--focus-port", "TCP/80",
    )  # fmt: skip
    assert code == 1
    assert out.splitlines()[1:] == [
        "diff-type: removed, source: 0.0.0.0-255.255.255.255[External], destination: "
        "x/a[Pod], old: TCP 80, new: No Connections",
        "diff-type: removed, source: x/b[Pod], destination: x/a[Pod], old: TCP 80, new: No Connections",
        "diff-type: removed, source: x/c[Pod], destination: x/a[Pod], old: TCP 80, new: No Connections",
    ]


def test_exposure_in_json_and_md_and_narrowed_by_the_focus(capsys):
    case = (
        corpus("netpol-analyzer-exposure") / "cases" / "exposure_matched_and_unmatched_rules_test"
    )
    code, out, _ = run(capsys, "connlist", str(case), "--exposure", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert {
        "src": "entire-cluster",
        "dst": "hello-world/workload-a[Deployment]",
        "conn": "TCP 8050",
    } in document["exposure_results"]["ingress_exposure"]
    code, out, _ = run(
        capsys, "connlist", str(case), "--exposure", "--format", "md",
        "--focus-workload", "hello-world/workload-a", "--focus-direction", "ingress",
    )  # fmt: skip
    assert "| entire-cluster | hello-world/workload-a[Deployment] | TCP 8050 |" in out
    assert "workload-b[Deployment] |" not in out.split("## Exposure Analysis Result")[1]
    code, _, err = run(capsys, "connlist", str(case), "--exposure", "--format", "dot")
    assert (code, err) == (
        2, "netkit: error: --exposure is not available with --format dot; use txt, json, md\n"
    )  # fmt: skip


def test_diff_exposure_names_what_a_change_opens_to_every_namespace(capsys, tmp_path):
    case = (
        corpus("netpol-analyzer-exposure") / "cases" / "exposure_test_conn_to_all_pods_in_a_new_ns"
    )
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(case, old)
    shutil.copytree(case, new)
    policy = new / "netpol.yaml"
    policy.write_text(policy.read_text().replace("kubernetes.io/metadata.name: backend", "team: x"))
    code, out, _ = run(capsys, "diff", str(old), str(new), "--exposure")
    assert code == 1  # no existing pair changes: only the exposure does
    assert out.splitlines()[0].startswith("No connectivity changes")
    assert out.splitlines()[2:] == [
        "Exposure diff:",
        "diff-type: added, workload: hello-world/workload-a[Deployment], direction: ingress, "
        "peer: [namespace with {team=x}]/[all pods], old: No Connections, new: TCP 8050",
        "diff-type: removed, workload: hello-world/workload-a[Deployment], direction: ingress, "
        "peer: backend/[all pods], old: TCP 8050, new: No Connections",
    ]
