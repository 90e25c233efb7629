"""benchmarks/bench_learn.py at a tiny size: its flows map onto its model as it claims."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from netkit.observed import PartyKind

BENCH_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_learn.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_learn", BENCH_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_learn", module)
    spec.loader.exec_module(module)
    return module


bench = _load()


def test_the_bench_maps_every_flow_to_a_workload_but_one_in_a_hundred():
    model, flows = bench.generate(pods=30, flows=400)

    seconds, mapped = bench.measure(model, flows)

    assert len(model.workloads) == 30 and len(flows) == 400
    assert seconds < 5
    kinds = {(use.src.kind, use.dst.kind) for use in mapped.uses}
    assert kinds == {
        (PartyKind.WORKLOAD, PartyKind.WORKLOAD),
        (PartyKind.WORKLOAD, PartyKind.UNMAPPED),
    }
    assert sum(mapped.unmapped.values()) == sum(f.count for f in flows[99::100])
    assert sum(seen.count for seen in mapped.uses.values()) == sum(f.count for f in flows)
