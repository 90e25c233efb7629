"""The pack's process defers the parts of `import pulumi` it never runs, and they still
work when something does use them. Run in a fresh interpreter: this one has imported
pulumi already."""

from __future__ import annotations

import subprocess
import sys

from tests.policies.conftest import ROOT

PROBE = """
import importlib.util, sys
from netkit_policies.startup import defer_unused_pulumi_modules
defer_unused_pulumi_modules()
import pulumi_policy
lazy = sorted(n for n in ("pulumi.automation", "pulumi.dynamic")
              if isinstance(sys.modules[n], importlib.util._LazyModule))
print(",".join(lazy))
import pulumi
print(pulumi.automation.LocalWorkspace.__name__, pulumi.dynamic.Resource.__name__)
print(type(sys.modules["pulumi.automation"]).__name__)
"""


def test_the_automation_api_and_dynamic_providers_load_only_when_used() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert result.stdout.splitlines() == [
        "pulumi.automation,pulumi.dynamic",
        "LocalWorkspace Resource",
        "module",
    ]
