"""Start-up of the pack's process: `import pulumi` without what the pack never runs.

The engine waits for a policy pack to print its port before it starts the program, so
the pack's imports are part of every preview's wall time. `import pulumi` (which
pulumi-policy needs for its gRPC stubs) also imports the Automation API and dynamic
providers, a quarter of pulumi-policy's import time (about 40 ms of 135 ms measured),
and the pack uses neither. `defer_unused_pulumi_modules` makes those two modules lazy:
created at once, their code run on first attribute access (`importlib.util.LazyLoader`),
so nothing that does use them behaves differently.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

UNUSED_BY_THE_PACK = frozenset({"pulumi.automation", "pulumi.dynamic"})


class _LazyFinder(importlib.abc.MetaPathFinder):
    """Finds the named modules as the normal path finder does, with a lazy loader."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in self.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def defer_unused_pulumi_modules(names: frozenset[str] = UNUSED_BY_THE_PACK) -> None:
    """Make `names` lazy for the rest of the process; call before `import pulumi`."""
    if not any(isinstance(finder, _LazyFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _LazyFinder(names))
