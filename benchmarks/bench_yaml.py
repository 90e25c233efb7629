"""Benchmark of reading a large stack file: netkit's reader against PyYAML's pure-Python one.

    .venv/bin/python benchmarks/bench_yaml.py
    .venv/bin/python benchmarks/bench_yaml.py --sizes 1 5 10 --repeat 3

A stack file of `--sizes` megabytes is generated (not timed): the dev stack's `netkit:*`
keys and, under another project's key as a real stack file may hold, a catalogue of
records (maps of strings, numbers, booleans, lists, nested maps) filling the rest. Timed,
best of `--repeat`:

1. `load_stack_file`: netkit's whole path, as `netkit synth --stack` and `netkit check
   --stack` take it (the file read, parsed by the hardened reader on libyaml's events,
   the spec validated);
2. `yaml.safe_load` with PyYAML's pure-Python loader, which netkit used before, for the
   comparison;
3. `yaml.load` with libyaml's `CSafeLoader`, the fastest PyYAML offers, without
   netkit's limits (depth, aliases, duplicate keys).

The target: a 5 MB stack file in under 5 s through `load_stack_file`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netkit.spec import load_stack_file  # noqa: E402

TARGET_SECONDS_PER_5MB = 5.0


def stack_text(megabytes: float) -> str:
    """The dev stack file with a catalogue under `catalog:items` up to `megabytes`."""
    head = (ROOT / "Pulumi.dev.yaml").read_text()
    config, rest = head.split("config:\n", 1)
    lines = [config + "config:", "  catalog:items:"]
    size = len(head)
    index = 0
    while size < megabytes * 1_000_000:
        record = (
            f"    - name: item-{index:07d}\n"
            f"      price: {index % 997}.{index % 100:02d}\n"
            f"      stock: {index * 7 % 10_000}\n"
            f"      active: {'true' if index % 3 else 'false'}\n"
            f'      tags: [tag-{index % 13}, tag-{index % 17}, "quoted {index}"]\n'
            f"      dimensions: {{width: {index % 50}, height: {index % 70}, unit: cm}}\n"
            f"      description: >-\n"
            f"        Item number {index} of the generated catalogue, long enough\n"
            f"        to wrap over two lines as real descriptions do.\n"
        )
        lines.append(record.rstrip("\n"))
        size += len(record)
        index += 1
    return "\n".join(lines) + "\n" + rest


def best(function: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1.0, 5.0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    c_loader = getattr(yaml, "CSafeLoader", None)
    print(f"libyaml (CSafeLoader): {'yes' if c_loader else 'no, pure-Python parser'}")
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        for megabytes in args.sizes:
            path = Path(folder) / "Pulumi.big.yaml"
            text = stack_text(megabytes)
            path.write_text(text)
            ours = best(partial(load_stack_file, path), args.repeat)
            pure = best(partial(yaml.load, text, Loader=yaml.SafeLoader), 1)
            fast = best(partial(yaml.load, text, Loader=c_loader), args.repeat) if c_loader else 0
            target = TARGET_SECONDS_PER_5MB * megabytes / 5
            verdict = "ok" if ours < target else "SLOW"
            failed = failed or ours >= target
            print(
                f"{len(text) / 1e6:5.1f} MB stack file: load_stack_file {ours:6.2f} s "
                f"(target < {target:.1f} s: {verdict}); pure-Python safe_load {pure:6.2f} s "
                f"({pure / ours:4.1f}x slower); CSafeLoader without limits {fast:6.2f} s"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
