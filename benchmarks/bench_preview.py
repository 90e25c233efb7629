"""Benchmark of the policy pack's cost in `pulumi preview`, on the real engines.

    .venv/bin/python benchmarks/bench_preview.py [--repeat 5]

A stack like the e2e tests' (Pulumi.dev.yaml with Docker names `netkit-bench-*`, bridges
in 10.213.0.0/16 and the overlay in 10.214.0.0/16) is deployed with `pulumi up` in a temp
project on a temp backend (not timed). Then `pulumi preview` runs without and with
`--policy-pack policies`: one warm-up each, then `--repeat` rounds alternating the two,
wall clock, best of each. The stack is destroyed at the end, whatever happens. Needs
what `make up` needs: the toolchain (`make toolchain`) and a Docker engine (`make docker`).
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import (  # noqa: E402
    POLICY_PACK,
    Project,
    force_clean,
    missing_prerequisites,
    subnets_in_use,
)

STACK, BRIDGES, OVERLAYS = "bench", 213, 214
TARGET_PERCENT = 15.0


def timed_preview(project: Project, *extra: str) -> float:
    start = time.perf_counter()
    result = project.pulumi("preview", "--stack", STACK, *extra)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"pulumi preview {' '.join(extra)} failed:\n{result.stdout}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds (default 5)")
    args = parser.parse_args()

    problems = missing_prerequisites()
    if problems:
        print("bench_preview: " + "; ".join(problems), file=sys.stderr)
        return 2
    planned = [ipaddress.ip_network(f"10.{octet}.0.0/16") for octet in (BRIDGES, OVERLAYS)]
    taken = [
        f"{s} ({n})" for s, n in subnets_in_use().items() if any(s.overlaps(p) for p in planned)
    ]
    if taken:
        print(
            f"bench_preview: {', '.join(taken)} overlap the bench stack's ranges", file=sys.stderr
        )
        return 2

    prefix = f"netkit-{STACK}-"
    with tempfile.TemporaryDirectory(prefix="netkit-bench-") as folder:
        project = Project.create(Path(folder))
        stack = project.new_stack(STACK, BRIDGES, OVERLAYS)
        try:
            deployed = project.up(stack)
            if deployed.returncode != 0:
                print(f"pulumi up failed:\n{deployed.stdout}", file=sys.stderr)
                return 1
            resources = len(project.export(stack)["resources"])
            with_pack = ("--policy-pack", str(POLICY_PACK))
            timed_preview(project)  # warm-up: plugin and Python caches
            timed_preview(project, *with_pack)
            without, with_ = [], []
            for _ in range(args.repeat):
                without.append(timed_preview(project))
                with_.append(timed_preview(project, *with_pack))
        finally:
            project.pulumi("destroy", "--stack", STACK, "--yes", "--skip-preview")
            force_clean(prefix)

    plain, policed = min(without), min(with_)
    overhead = (policed - plain) / plain * 100
    print(
        f"preview: deployed stack of {resources} resources, best of {args.repeat} after a warm-up"
    )
    print(f"  without the policy pack: {plain:.2f} s")
    print(f"  with --policy-pack policies: {policed:.2f} s")
    verdict = "met" if overhead < TARGET_PERCENT else "MISSED"
    print(f"  overhead: {overhead:+.1f}% (target: under {TARGET_PERCENT:.0f}%: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
