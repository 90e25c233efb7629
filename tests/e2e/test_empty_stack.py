"""`make up` of a stack that holds no netkit configuration, on the real engine.

`STACK=lab make up` of a mistyped or unwritten stack runs `pulumi stack select --create`,
which writes `Pulumi.lab.yaml` holding only the encryption salt. `pulumi up` must then
fail with the program's one line naming the file and what to add, before it declares any
resource, instead of deploying an empty NetworkStack and reporting success.
"""

from __future__ import annotations

import pytest
import yaml

from tests.e2e.harness import POLICY_PACK, Project

pytestmark = pytest.mark.e2e


def test_up_of_a_stack_holding_only_its_salt_fails_in_one_line_before_any_resource(
    project: Project,
):
    name = "e2eempty"
    init = project.pulumi("stack", "init", name)
    assert init.returncode == 0, init.stdout
    stack_file = project.root / f"Pulumi.{name}.yaml"
    assert set(yaml.safe_load(stack_file.read_text())) == {"encryptionsalt"}

    up = project.pulumi(
        "up", "--stack", name, "--yes", "--skip-preview", "--policy-pack", str(POLICY_PACK)
    )

    assert up.returncode != 0, up.stdout
    message = (
        f"Pulumi.{name}.yaml: no netkit configuration; add netkit:docker and/or "
        "netkit:kubernetes under config: (docs/reference.md lists every key), or pick an "
        "existing stack"
    )
    assert [line.strip() for line in up.stdout.splitlines() if message in line], up.stdout
    assert "Traceback" not in up.stdout
    exported = project.pulumi("stack", "export", "--stack", name)
    assert exported.returncode == 0, exported.stdout
    resources = yaml.safe_load(exported.stdout)["deployment"].get("resources") or []
    assert [r["type"] for r in resources if r["type"] != "pulumi:pulumi:Stack"] == []
