"""The layers stay apart: netkit_cli > netkit_components | netkit_policies > netkit (pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_the_contract_names_the_layers_top_to_bottom():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers, forbidden = config["tool"]["importlinter"]["contracts"]
    assert layers["type"] == "layers"
    assert layers["layers"] == [
        "netkit_cli",
        "netkit_components | netkit_policies",
        "netkit",
    ]
    # The local environment (devenv/) is not the product: nothing shipped imports it.
    assert forbidden["type"] == "forbidden"
    assert forbidden["forbidden_modules"] == ["devenv"]
    assert set(forbidden["source_modules"]) == {
        "netkit",
        "netkit_cli",
        "netkit_components",
        "netkit_policies",
    }


def test_no_module_imports_a_layer_above_its_own():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout
