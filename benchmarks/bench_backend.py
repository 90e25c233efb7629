"""What keeping the state in PostgreSQL costs `pulumi preview` and `pulumi up`, against a folder.

    .venv/bin/python benchmarks/bench_backend.py [--repeat 5]

Two stacks like the e2e tests' (Pulumi.dev.yaml moved out of dev's way) are deployed side
by side in one run: `benchfile` (Docker names `netkit-benchfile-*`, 10.235 and 10.236) on
a file backend in a temp folder, opened as the Makefile opens `.pulumi-state`, and
`benchpg` (`netkit-benchpg-*`, 10.237 and 10.238) on a PostgreSQL server of its own
(`scripts/postgres.sh`: loopback, data in a temp folder). Each stack's first `pulumi up`
(every resource created) is timed once; then `--repeat` rounds alternate the backends (which goes first, too),
each round timing `pulumi preview` and a `pulumi up` that changes nothing (it still
locks, writes a checkpoint and a history entry), both with `--policy-pack policies` as
`make preview` and `make up` run them. Wall clock; best and median, and the ratio
PostgreSQL / file of each. Both stacks are destroyed and the server stopped at the end,
whatever happens. Needs what `make up` needs (`make toolchain`, `make docker`) and root or
an installed postgresql for the server.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import (  # noqa: E402
    POLICY_PACK,
    PostgresServer,
    Project,
    Stack,
    force_clean,
    missing_prerequisites,
    planned_ranges_taken,
)

STACKS = {"file": ("benchfile", 235, 236), "postgres": ("benchpg", 237, 238)}


def timed(project: Project, *args: str) -> float:
    """Wall time of `pulumi ARGS`, which must succeed."""
    start = time.perf_counter()
    result = project.pulumi(*args)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"pulumi {' '.join(args)} failed:\n{result.stdout}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds (default 5)")
    args = parser.parse_args()

    problems = missing_prerequisites()
    if problems:
        print("bench_backend: " + "; ".join(problems), file=sys.stderr)
        return 2
    taken = planned_ranges_taken(octet for _, *octets in STACKS.values() for octet in octets)
    if taken:
        print(f"bench_backend: {', '.join(taken)} overlap the bench stacks", file=sys.stderr)
        return 2

    folder = Path(tempfile.mkdtemp(prefix="netkit-bench-"))
    # The server runs as the `postgres` user under root: its folder must be reachable.
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="nkpg.", dir="/tmp")))
    projects: dict[str, Project] = {}
    stacks: dict[str, Stack] = {}
    first_up: dict[str, float] = {}
    times: dict[tuple[str, str], list[float]] = {}
    try:
        url = server.start()
        for backend, (name, bridges, overlays) in STACKS.items():
            (folder / backend).mkdir()
            project = Project.create(folder / backend, url if backend == "postgres" else None)
            projects[backend], stacks[backend] = project, project.new_stack(name, bridges, overlays)
        up = ("--yes", "--skip-preview", "--policy-pack", str(POLICY_PACK))
        for backend, project in projects.items():
            first_up[backend] = timed(project, "up", "--stack", stacks[backend].name, *up)
        for backend, project in projects.items():  # warm-up: plugin and Python caches
            timed(project, "preview", "--stack", stacks[backend].name, *up[2:])
        resources = len(projects["file"].export(stacks["file"])["resources"])
        for round_ in range(args.repeat):
            order = list(projects.items())
            for backend, project in order if round_ % 2 == 0 else reversed(order):
                stack = stacks[backend].name
                for command, extra in (("preview", up[2:]), ("up", up)):
                    elapsed = timed(project, command, "--stack", stack, *extra)
                    times.setdefault((command, backend), []).append(elapsed)
    finally:
        for backend, project in projects.items():
            if backend in stacks:
                project.pulumi(
                    "destroy", "--stack", stacks[backend].name, "--yes", "--skip-preview"
                )
                force_clean(stacks[backend].prefix)
        if server.running():
            server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)

    print(
        f"backend: stacks of {resources} resources, state on a file backend and on PostgreSQL "
        f"(loopback), {args.repeat} rounds after a warm-up (best, median)"
    )
    print(
        f"  first up (creates everything): file {first_up['file']:.2f} s, "
        f"postgres {first_up['postgres']:.2f} s, ratio {first_up['postgres'] / first_up['file']:.2f}"
    )
    for command in ("preview", "up"):
        file, pg = times[(command, "file")], times[(command, "postgres")]
        label = "up (no changes)" if command == "up" else command
        print(
            f"  {label + ':':<17} file {min(file):.2f} s, {statistics.median(file):.2f} s; "
            f"postgres {min(pg):.2f} s, {statistics.median(pg):.2f} s; "
            f"ratio postgres/file {min(pg) / min(file):.2f} (best), "
            f"{statistics.median(pg) / statistics.median(file):.2f} (median)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
