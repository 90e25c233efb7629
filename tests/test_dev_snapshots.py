"""Snapshots of what the dev stack declares for Kubernetes traffic control.

A change to a NetworkPolicy or Ingress shows up here as a reviewable YAML diff.
Regenerate with `UPDATE_SNAPSHOTS=1 pytest tests/test_dev_snapshots.py`; where `CI` is set
the switch is refused, so a run in CI can only compare, never rewrite the expectation.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from netkit_cli.synth import synthesize

ROOT = Path(__file__).parents[1]
SNAPSHOTS = Path(__file__).parent / "snapshots"
KINDS = {
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": "dev-networkpolicies.yaml",
    "kubernetes:networking.k8s.io/v1:Ingress": "dev-ingress.yaml",
}


def rewrite_requested(environ: Mapping[str, str]) -> bool:
    """Whether to rewrite the snapshots (UPDATE_SNAPSHOTS); refused where CI is set."""
    if not environ.get("UPDATE_SNAPSHOTS"):
        return False
    if environ.get("CI"):
        raise pytest.UsageError(
            "UPDATE_SNAPSHOTS is refused where CI is set: regenerate the snapshots locally "
            "and commit them"
        )
    return True


@pytest.fixture(scope="module")
def dev_records():
    return synthesize("dev", ROOT)


@pytest.mark.parametrize("type_token", sorted(KINDS))
def test_dev_manifests_match_their_snapshot(dev_records, type_token):
    objects = sorted(
        (r.inputs for r in dev_records if r.type == type_token),
        key=lambda o: (o["metadata"]["namespace"], o["metadata"]["name"]),
    )
    rendered = yaml.safe_dump_all(objects, sort_keys=True)
    path = SNAPSHOTS / KINDS[type_token]
    if rewrite_requested(os.environ):
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


def test_the_rewrite_switch_is_refused_in_ci():
    assert rewrite_requested({}) is False
    assert rewrite_requested({"UPDATE_SNAPSHOTS": "1"}) is True
    with pytest.raises(pytest.UsageError, match="refused where CI is set"):
        rewrite_requested({"UPDATE_SNAPSHOTS": "1", "CI": "true"})
