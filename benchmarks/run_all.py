"""`make bench`: every benchmark, one after the other, numbers printed as they come.

Each benchmark is its own script (runnable alone); this only runs them in order and
stops at the first that fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
BENCHMARKS = [
    ["bench_yaml.py"],
    ["bench_validate.py"],
    ["bench_overlap.py"],
    ["bench_check.py"],
    ["bench_connlist.py", "--repeat", "3"],
    # The same 1,000 pods with a tiered baseline (a BaselineAdminNetworkPolicy), netkit
    # also timed without it: the cost of the tier, and netpol-analyzer on the same input.
    ["bench_connlist.py", "--repeat", "5", "--sizes", "1000", "--baseline"],
    ["bench_docker_connlist.py", "--repeat", "5"],
    ["bench_preview.py", "--repeat", "10"],  # timings within about 0.2 s: more rounds
    ["bench_backend.py", "--repeat", "5"],
    ["bench_learn.py", "--repeat", "5"],
]


def main() -> int:
    for script, *args in BENCHMARKS:
        path = HERE / script
        print(f"== {script}", flush=True)
        result = subprocess.run([sys.executable, str(path), *args], check=False)
        if result.returncode != 0:
            print(f"{script} failed with exit status {result.returncode}", file=sys.stderr)
            return result.returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
