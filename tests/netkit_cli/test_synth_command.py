from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from netkit_cli.main import main

ROOT = Path(__file__).parents[2]


def test_synth_json_lists_every_layer_of_the_dev_stack(capsys):
    assert main(["synth", "--stack", "dev", "--format", "json", "--project-dir", str(ROOT)]) == 0
    resources = json.loads(capsys.readouterr().out)
    assert {"type", "name", "parent", "inputs"} <= set(resources[0])
    types = {r["type"] for r in resources}
    assert {
        "docker:index/network:Network",
        "docker:index/container:Container",
        "kubernetes:core/v1:Service",
        "kubernetes:networking.k8s.io/v1:Ingress",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "kubernetes:apps/v1:Deployment",
        "netkit:docker:BridgeNetwork",
        "netkit:docker:OverlayNetwork",
        "netkit:stack:NetworkStack",
    } <= types
    drivers = sorted(
        r["inputs"]["driver"] for r in resources if r["type"] == "docker:index/network:Network"
    )
    assert drivers == ["bridge", "bridge", "bridge", "overlay"]
    denies = {
        r["inputs"]["metadata"]["namespace"]
        for r in resources
        if r["type"].endswith("NetworkPolicy") and r["inputs"]["metadata"]["name"] == "default-deny"
    }
    assert denies == {"shop-web", "shop-api", "shop-data"}
    ingress = next(r for r in resources if r["type"].endswith(":Ingress"))
    assert ingress["inputs"]["spec"]["tls"][0]["hosts"] == ["shop.dev.example.com"]


def test_a_bad_stack_file_is_one_line_on_stderr_with_no_traceback(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: netkit\nruntime: python\n")
    (tmp_path / "Pulumi.bad.yaml").write_text(
        "config:\n  netkit:docker:\n    bridges:\n      - name: b\n        subnets: [{subnet: 10.0.0.0/33}]\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "netkit_cli.main",
            "synth",
            "--stack",
            "bad",
            "--project-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "netkit: error: Pulumi.bad.yaml: netkit:docker.bridges[0].subnets[0].subnet: "
        "subnet '10.0.0.0/33': prefix must be 0-32\n"
    )
