"""`netkit check`: the pack's rules from the command line, on a stack or on manifests."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from netkit.locate import shown_path
from netkit_cli.main import main
from tests.policies.conftest import FIXTURES, ROOT

PLANTED = FIXTURES / "planted"


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["check", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_check_stack_dev_exits_zero_with_a_summary(capsys):
    status, out, _ = _check(capsys, "--stack", "dev", "--project-dir", str(ROOT))

    assert status == 0
    assert out == "stack dev: 0 violations\n"


def test_check_stack_dev_runs_as_a_command_from_the_project_folder():
    netkit = Path(sys.executable).with_name("netkit")
    result = subprocess.run(
        [str(netkit), "check", "--stack", "dev"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (result.returncode, result.stdout) == (0, "stack dev: 0 violations\n"), result.stderr


def test_a_folder_with_planted_mistakes_names_each_offending_resource_and_exits_one(capsys):
    status, out, _ = _check(capsys, str(PLANTED))

    lines = [line for line in out.splitlines() if not line.startswith("    fix: ")]
    found = [
        re.match(r"^(?:\S+:\d+:\d+: )?(mandatory|advisory) +(\w+) +(\S+)  (.+?)  ", line)
        for line in lines[:-1]
    ]
    assert all(found)
    named = {(match[3], match[4]) for match in found if match}
    assert status == 1
    assert {
        ("docker-container-disallow-public-publish", "DockerContainer ops-web"),
        ("docker-network-disallow-subnet-overlap", "DockerNetwork ops-backend"),
        ("docker-network-require-internal-backend", "DockerNetwork ops-backend"),
        ("k8s-cni-require-policy-enforcement", "Stack"),
        ("k8s-ingress-disallow-snippet-annotations", "Ingress shop/web"),
        ("k8s-ingress-require-tls", "Ingress shop/web"),
        ("k8s-namespace-require-default-deny", "Namespace shop"),
        (
            "k8s-networkpolicy-disallow-ingress-from-anywhere",
            "NetworkPolicy shop/web-from-internet",
        ),
        ("k8s-service-restrict-type", "Service shop/web"),
        ("k8s-workload-disallow-host-network", "Deployment shop/metrics"),
        ("k8s-workload-require-network-policy", "Deployment shop/metrics"),
    } <= named
    assert lines[-1] == f"{PLANTED}: 16 violations (16 mandatory, 0 advisory)"
    assert lines[0] == (
        "mandatory  critical  docker-container-disallow-public-publish  DockerContainer ops-web  container "
        "'ops-web' publishes tcp port 8080 on 0.0.0.0:80, reachable from every network the host "
        "is on (Docker's iptables rules bypass host firewalls); bind it to 127.0.0.1 "
        "(publish[].hostIp), or set exposure.publicPublish: true if it is meant to be public"
    )


def test_json_output_carries_level_rule_resource_and_message(capsys):
    status, out, _ = _check(
        capsys, str(FIXTURES / "namespace-without-policies"), "--format", "json"
    )

    document = json.loads(out)
    assert status == 1
    assert document["summary"] == {"mandatory": 2, "advisory": 0}
    first = document["violations"][0]
    assert {key: first[key] for key in ("rule", "level", "kind", "namespace", "name")} == {
        "rule": "k8s-namespace-require-default-deny",
        "level": "mandatory",
        "kind": "Namespace",
        "namespace": "",
        "name": "shop",
    }
    assert first["source"].endswith("shop.yaml, document 1")
    assert first["message"].startswith("namespace 'shop' has workloads")


def _line_of(text: str) -> int:
    """The line of the dns-broken fixture's file that holds `text` (1-based)."""
    lines = (FIXTURES / "dns-broken-by-default-deny" / "shop.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


def test_the_config_file_lowers_levels_and_sets_properties(capsys, tmp_path: Path):
    config = tmp_path / "policy-config.json"
    config.write_text(
        json.dumps(
            {
                "all": "advisory",
                "k8s-cni-require-policy-enforcement": {"clusterCni": "calico"},
            }
        )
    )

    status, out, _ = _check(
        capsys, str(FIXTURES / "dns-broken-by-default-deny"), "--config", str(config)
    )

    assert status == 0
    assert out.splitlines() == [
        f"{shown_path(FIXTURES / 'dns-broken-by-default-deny' / 'shop.yaml')}:"
        f"{_line_of('apiVersion: apps/v1')}:1: "
        "advisory   medium    k8s-workload-require-dns-egress  Deployment shop/web  Deployment shop/web is "
        "egress-isolated (by shop/default-deny, shop/web-to-api) but cannot reach the cluster DNS "
        "(kube-system pods k8s-app=kube-dns) on UDP 53 and TCP 53: every name lookup fails, so "
        "calls to Services by name fail even where policies allow them; allow egress to the DNS "
        "pods on UDP and TCP 53 (netkit: namespaces[].allowDns: true)",
        "    fix: Allow egress to the cluster DNS pods on UDP and TCP 53 "
        "(kubernetes.namespaces[].allowDns: true in the stack file, the default). Fixed by the "
        "pack at the remediate level: k8s-networkpolicy-remediate-dns-egress.",
        f"{FIXTURES / 'dns-broken-by-default-deny'}: 1 violation (0 mandatory, 1 advisory)",
    ]


def test_a_synthesized_resource_list_is_checked_like_the_stack(capsys, tmp_path: Path):
    assert main(["synth", "--stack", "dev", "--format", "json", "--project-dir", str(ROOT)]) == 0
    listing = tmp_path / "dev.json"
    listing.write_text(capsys.readouterr().out)

    status, out, _ = _check(capsys, str(listing))

    assert (status, out) == (0, f"{listing}: 0 violations\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [],
            "netkit: error: nothing to check: give --stack NAME, PATH... (manifests), --kubeconfig FILE or --docker URL\n",
        ),
        (["--stack", "dev", "x.yaml"], "netkit: error: give PATH... or --stack NAME, not both\n"),
        (["missing.yaml"], "netkit: error: missing.yaml: no such file or folder\n"),
        (
            ["--stack", "nope", "--project-dir", str(ROOT)],
            "netkit: error: Pulumi.nope.yaml: no such stack file (Pulumi.dev.yaml, "
            f"Pulumi.lab.yaml, Pulumi.prod.yaml, Pulumi.staging.yaml in {ROOT}); create it, pick another "
            "--stack, or give the project folder with --project-dir\n",
        ),
    ],
)
def test_usage_errors_exit_two_with_one_line(capsys, args, message):
    status, out, err = _check(capsys, *args)

    assert (status, out, err) == (2, "", message)


def test_a_bad_config_file_exits_two_naming_the_rule(capsys, tmp_path: Path):
    config = tmp_path / "policy-config.json"
    config.write_text('{"k8s-namespace-require-default-denied": "advisory"}')

    status, _, err = _check(
        capsys, "--stack", "dev", "--project-dir", str(ROOT), "--config", str(config)
    )

    assert status == 2
    assert err == (
        f"netkit: error: {config}: unknown rule 'k8s-namespace-require-default-denied'; did you "
        "mean 'k8s-namespace-require-default-deny'?\n"
    )
