"""Every stack of this repository passes every rule of the pack, at every level."""

from __future__ import annotations

import pytest

from netkit_cli.synth import model_for_stack
from netkit_policies.registry import PackConfig, run_rules
from tests.policies.conftest import ROOT

STACKS = sorted(path.name.split(".")[1] for path in ROOT.glob("Pulumi.*.yaml"))


def test_the_repository_has_stacks_to_check():
    assert "dev" in STACKS


@pytest.mark.parametrize("stack", STACKS)
def test_our_stacks_pass(stack):
    # Advisory rules count too: our stacks are the examples users copy.
    assert [f.line() for f in run_rules(model_for_stack(stack, ROOT), PackConfig())] == []
