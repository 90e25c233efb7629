"""Where the local environment keeps its state and its builds (per user, outside the checkout)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
"""The checkout this package belongs to."""


def state_home() -> Path:
    """`${XDG_STATE_HOME:-~/.local/state}/netkit`: logs, pid files, data of running parts."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "netkit"


def cache_home() -> Path:
    """`${XDG_CACHE_HOME:-~/.cache}/netkit`: built binaries, keyed by their inputs."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "netkit"
