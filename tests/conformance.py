"""Where the shared conformance corpora are: `shared/conformance/<name>` beside the
repository, or beside a folder holding it (a checkout may sit one level deeper, as a
git worktree does)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def corpus(name: str) -> Path:
    """The corpus folder `name`; the first found walking up from the repository's parent,
    else the expected place beside the repository (tests then report it missing)."""
    for folder in ROOT.parents:
        candidate = folder / "shared" / "conformance" / name
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "conformance" / name


def cases(name: str) -> list[Path]:
    """The case folders of corpus `name`, sorted; empty when the corpus is missing."""
    folder = corpus(name) / "cases"
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
