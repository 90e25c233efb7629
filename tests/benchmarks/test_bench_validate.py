"""benchmarks/bench_validate.py's folder: the asked number of objects, each verdict present,
the same bytes every time."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from netkit.validate import validate_folder

BENCH_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_validate.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_validate", BENCH_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_validate", module)
    spec.loader.exec_module(module)
    return module


bench = _load()


def test_the_folder_holds_the_objects_with_one_invalid_and_one_skipped_per_thousand(tmp_path):
    files = bench.write_folder(tmp_path / "a", 1000)
    bench.write_folder(tmp_path / "b", 1000)

    report = validate_folder(tmp_path / "a")

    assert files == 20
    assert (len(report.valid), len(report.invalid), len(report.skipped)) == (998, 1, 1)
    for first in sorted((tmp_path / "a").rglob("*.yaml")):
        assert (
            first.read_bytes() == (tmp_path / "b" / first.relative_to(tmp_path / "a")).read_bytes()
        )
