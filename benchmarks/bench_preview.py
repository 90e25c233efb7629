"""Benchmark of the policy pack's cost in `pulumi preview`, on the real engines.

    .venv/bin/python benchmarks/bench_preview.py [--repeat 5]

A stack like the e2e tests' (Pulumi.dev.yaml with Docker names `netkit-bench-*`, bridges
in 10.213.0.0/16 and the overlay in 10.214.0.0/16) is deployed with `pulumi up` in a temp
project on a temp backend (not timed). Then `pulumi preview` runs without a policy pack,
with an empty pulumi-policy pack (one policy that does nothing: what any Python pack
costs the engine, which starts it, imports pulumi-policy and makes two gRPC calls per
resource) and with `--policy-pack policies`: one warm-up each, then `--repeat` rounds
alternating the three, wall clock, best and median of each. The stack is destroyed at
the end, whatever happens. Needs what `make up` needs: the toolchain (`make toolchain`) and a Docker engine (`make docker`).
"""

from __future__ import annotations

import argparse
import ipaddress
import statistics
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
        packs = {
            "no policy pack": (),
            "an empty pulumi-policy pack": ("--policy-pack", str(empty_pack(Path(folder)))),
            "--policy-pack policies": ("--policy-pack", str(POLICY_PACK)),
        }
        times: dict[str, list[float]] = {label: [] for label in packs}
        try:
            deployed = project.up(stack)
            if deployed.returncode != 0:
                print(f"pulumi up failed:\n{deployed.stdout}", file=sys.stderr)
                return 1
            resources = len(project.export(stack)["resources"])
            for extra in packs.values():
                timed_preview(project, *extra)  # warm-up: plugin and Python caches
            for _ in range(args.repeat):
                for label, extra in packs.items():
                    times[label].append(timed_preview(project, *extra))
        finally:
            project.pulumi("destroy", "--stack", STACK, "--yes", "--skip-preview")
            force_clean(prefix)

    print(
        f"preview: deployed stack of {resources} resources, {args.repeat} rounds after a "
        "warm-up (best, median)"
    )
    base_best, base_median = (
        min(times["no policy pack"]),
        statistics.median(times["no policy pack"]),
    )
    for label, measured in times.items():
        best, median = min(measured), statistics.median(measured)
        print(
            f"  {label + ':':<32} {best:.2f} s ({(best - base_best) / base_best * 100:+.1f}%), "
            f"{median:.2f} s ({(median - base_median) / base_median * 100:+.1f}%)"
        )
    ours = times["--policy-pack policies"]
    for name, pick, base in (("best", min, base_best), ("median", statistics.median, base_median)):
        overhead = (pick(ours) - base) / base * 100
        verdict = "met" if overhead < TARGET_PERCENT else "MISSED"
        print(
            f"  overhead ({name}): {overhead:+.1f}% (target: under {TARGET_PERCENT:.0f}%: {verdict})"
        )
    return 0


EMPTY_PACK = """\
import io, sys
# As in policies/__main__.py: pulumi-policy does not flush the port it prints.
sys.stdout = io.TextIOWrapper(open(sys.stdout.fileno(), "wb", buffering=0), write_through=True)
from pulumi_policy import EnforcementLevel, PolicyPack, StackValidationPolicy
PolicyPack("empty", [StackValidationPolicy(
    "nothing", "Checks that nothing happens.", lambda args, report: None,
    EnforcementLevel.MANDATORY)])
"""


def empty_pack(folder: Path) -> Path:
    """A pulumi-policy pack with one policy that does nothing: what any Python pack costs."""
    pack = folder / "empty-pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text(
        "runtime:\n  name: python\n  options:\n    toolchain: pip\n"
        f"    virtualenv: {ROOT / '.venv'}\n"
    )
    (pack / "__main__.py").write_text(EMPTY_PACK)
    return pack


if __name__ == "__main__":
    raise SystemExit(main())
