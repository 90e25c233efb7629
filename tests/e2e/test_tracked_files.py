"""What `make preview` and `make up` run on each of the project's stacks leaves the stack
files as they are: selecting (or creating) a stack and previewing it write no
salt or anything else into a tracked file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.harness import POLICY_PACK, REPO, STATE_OPTIONS, make_env

pytestmark = pytest.mark.e2e

STACKS = sorted(path.name.split(".")[1] for path in REPO.glob("Pulumi.*.yaml"))


@pytest.mark.parametrize("stack", STACKS)
def test_selecting_and_previewing_a_stack_leaves_its_file_as_it_was(stack: str, tmp_path: Path):
    stack_file = REPO / f"Pulumi.{stack}.yaml"
    before = stack_file.read_bytes()
    state = tmp_path / "state"
    state.mkdir()
    env = make_env(state.as_uri() + STATE_OPTIONS)

    def pulumi(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["pulumi", *args, "--non-interactive", "--color=never"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    # What the Makefile's `stack` target runs, then its `preview`: a stack whose cluster
    # or hosts are not here fails its preview, and still must write nothing.
    selected = pulumi("stack", "select", "--create", stack)
    assert selected.returncode == 0, selected.stderr
    pulumi("preview", "--stack", stack, "--policy-pack", str(POLICY_PACK))

    assert stack_file.read_bytes() == before
