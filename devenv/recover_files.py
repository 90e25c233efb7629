"""The half-written files a killed update leaves on a file backend.

On a backend written with metadata sidecars (a plain file:// URL: the Makefile's adds
?metadata=skip), a kill may leave a truncated `<file>.attrs`, which the backend writes in
place: every later command then fails with "failed to load checkpoint: EOF"; and the
temp file (`<file>.<hex>.tmp`) of a write that never reached its rename. Both can go: a
sidecar is optional metadata (the backend reads a missing one as empty), and the
checkpoint itself is always replaced by a rename, so it is whole.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

TEMP = re.compile(r"\.[0-9a-f]+\.tmp$")


def why_half_written(path: Path) -> str | None:
    """Why `path` is a leftover of the killed update, or None when it is whole."""
    if path.name.endswith(".attrs"):
        try:
            if isinstance(json.loads(path.read_text()), dict):  # a whole one is an object
                return None
        except ValueError:
            pass
        return "metadata the killed update left half-written"
    if TEMP.search(path.name):
        return "a write the killed update never finished"
    return None


def remove_half_written(state: Path, project: str, stack: str) -> list[tuple[Path, str]]:
    """Remove the leftovers of `stack` under the backend folder `state`; each one removed
    (relative to `state`) and why. Only this stack's files (and the backend's meta.yaml):
    another stack's update may be writing its own right now."""
    root = state / ".pulumi"
    mine = [
        *(root / "stacks" / project).glob(f"{stack}.*"),
        *root.glob(f"locks/*/{project}/{stack}/*"),
        *root.glob(f"history/{project}/{stack}/*"),
        root / "meta.yaml.attrs",
    ]
    removed = []
    for path in sorted(mine):
        if not path.is_file():
            continue
        why = why_half_written(path)
        if why is not None:
            path.unlink()
            removed.append((path.relative_to(state), why))
    return removed
