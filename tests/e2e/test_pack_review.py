"""The pack's metadata and its remediate level, through the real Pulumi engine.

A stack made for this test (never deployed: previews only, so it creates nothing on the
Docker engine) publishes its web container on 0.0.0.0. `pulumi preview --policy-pack`
must stop it, naming the rule and its severity; with the fix's policy at pulumi-policy's `remediate`
level in the pack config, the engine rewrites the container's port to 127.0.0.1 before
the rules see it, and the same preview passes with the rule still mandatory.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from tests.e2e.harness import POLICY_PACK, Project

pytestmark = pytest.mark.e2e

PUBLIC = "docker-container-disallow-public-publish"
FIX = "docker-container-remediate-publish-loopback"


def test_a_public_port_is_stopped_then_fixed_by_the_remediate_level(project: Project):
    # Bridges in 10.223.0.0/16 and the overlay in 10.224.0.0/16 (nothing is created).
    stack = project.new_stack("e2erev", 223, 224)
    document = yaml.safe_load(stack.path.read_text())
    [web] = [c for c in document["config"]["netkit:docker"]["containers"] if c.get("publish")]
    web["publish"][0]["hostIp"] = "0.0.0.0"
    stack.path.write_text(yaml.safe_dump(document, sort_keys=False))

    stopped = project.pulumi("preview", "--stack", stack.name, "--policy-pack", str(POLICY_PACK))

    assert stopped.returncode != 0, stopped.stdout
    # The engine shows the rule's severity, from the metadata the pack sends it.
    assert re.search(rf"\[mandatory\] \[severity: critical\]\s+{PUBLIC}", stopped.stdout), (
        stopped.stdout
    )
    assert "0.0.0.0" in stopped.stdout

    config = project.root / "remediate.json"
    config.write_text(json.dumps({FIX: "remediate"}))
    fixed = project.pulumi(
        "preview", "--stack", stack.name, "--policy-pack", str(POLICY_PACK),
        "--policy-pack-config", str(config), "--json",
    )  # fmt: skip

    assert fixed.returncode == 0, fixed.stdout
    document = json.loads(fixed.stdout[fixed.stdout.index("{") :])
    [step] = [
        s
        for s in document["steps"]
        if s["urn"].endswith(f"docker:index/container:Container::{web['name']}-container")
    ]
    assert [port["ip"] for port in step["newState"]["inputs"]["ports"]] == ["127.0.0.1"]
