"""Side-by-side benchmark: `netkit connlist` against np-guard's netpol-analyzer.

For each size, a cluster is generated (benchmarks/gen_cluster.py, seeded) into a temporary
folder; then both tools list its allowed connections as subprocesses, alternately, `--repeat`
times each. Reported: best wall time, best CPU time (user + system), peak resident memory (the
child's own `ru_maxrss`, from `wait4`; the highest over the runs), and whether the two outputs
hold the same lines.

    python benchmarks/bench_connlist.py                      # sizes 100,1000,5000
    python benchmarks/bench_connlist.py --sizes 100,1000 --repeat 5
    python benchmarks/bench_connlist.py --sizes 1000 --baseline   # with a tiered baseline

With `--baseline` the generated cluster also holds a BaselineAdminNetworkPolicy that
denies by default and keeps DNS (gen_cluster.py --baseline), and netkit is timed on the
same cluster without it too, so the cost of the tier shows as a ratio.

Commands run, DIR being the generated folder:

    netpolicy list -q --dirpath DIR                          (netpol-analyzer)
    .venv/bin/netkit connlist DIR   or   python -m netkit_cli.main connlist DIR

netpol-analyzer is built by scripts/netpol-analyzer.sh (`make bench` runs it first). Its path
comes from --netpolicy, else $NETPOLICY, else the script's cache folder for its pinned version.

Output comparison: lines with ` => ` are compared as sets. netpol-analyzer v1.4.x prints an
address range without the `[External]` suffix that the conformance corpus (and netkit) use, so
`FIRST-LAST` endpoints are rewritten to `FIRST-LAST[External]` on both sides first.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
BUILD_SCRIPT = REPO / "scripts" / "netpol-analyzer.sh"
DEFAULT_SIZES = (100, 1000, 5000)
# A bare IPv4 range as an endpoint: at the start of a line or right after "=> ".
_BARE_RANGE = re.compile(r"(^|=> )(\d+\.\d+\.\d+\.\d+-\d+\.\d+\.\d+\.\d+)(?= =>| :)")


def _load_generator() -> ModuleType:
    """Import benchmarks/gen_cluster.py whether or not `benchmarks` is on sys.path."""
    path = Path(__file__).resolve().parent / "gen_cluster.py"
    spec = importlib.util.spec_from_file_location("gen_cluster", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {str(path)!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_cluster", module)
    spec.loader.exec_module(module)
    return module


# ---- tools ---------------------------------------------------------------------------------
def built_analyzer() -> Path:
    """Where scripts/netpol-analyzer.sh builds netpolicy (its --print-bin builds nothing; it
    honours NETPOL_ANALYZER_VERSION and XDG_CACHE_HOME)."""
    done = subprocess.run(
        [str(BUILD_SCRIPT), "--print-bin"], capture_output=True, text=True, check=False
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise SystemExit(f"bench: error: {BUILD_SCRIPT} --print-bin failed: {done.stderr.strip()}")
    return Path(lines[-1])


def find_analyzer(explicit: str | None) -> Path:
    if explicit:
        candidate = Path(explicit)
    elif os.environ.get("NETPOLICY"):
        candidate = Path(os.environ["NETPOLICY"])
    else:
        candidate = built_analyzer()
    if not (candidate.is_file() and os.access(candidate, os.X_OK)):
        raise SystemExit(
            f"bench: error: netpol-analyzer is not built (no executable at {str(candidate)!r}).\n"
            f"  Build it with: {BUILD_SCRIPT.relative_to(REPO)}   (or run `make bench`),\n"
            f"  or pass --netpolicy PATH / set NETPOLICY."
        )
    return candidate


def find_netkit(explicit: str | None) -> list[str]:
    if explicit:
        return shlex.split(explicit)
    script = REPO / ".venv" / "bin" / "netkit"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "netkit_cli.main"]


def netkit_connlist_problem(netkit: Sequence[str]) -> str | None:
    """Why `netkit connlist` cannot run yet, or None when `connlist --help` works."""
    try:
        done = subprocess.run(
            [*netkit, "connlist", "--help"],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
            check=False,
        )
    except OSError as error:
        return f"{shlex.join(netkit)}: {error}"
    except subprocess.TimeoutExpired:
        return f"`{shlex.join(netkit)} connlist --help` did not finish in 120 s"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        return f"`{shlex.join(netkit)} connlist --help` exited {done.returncode}: {last}"
    return None


# ---- measuring -----------------------------------------------------------------------------
@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    peak_mb: float
    returncode: int


def run_measured(argv: Sequence[str], stdout: Path, stderr: Path, timeout: float) -> Run:
    """Run argv, its output to files; wall time, and peak RSS of that one child (wait4)."""
    with stdout.open("wb") as out, stderr.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=REPO)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait
    # Linux reports ru_maxrss in KiB. CPU time (user + system) varies less than wall time
    # on a busy machine, so it is reported too.
    cpu = usage.ru_utime + usage.ru_stime
    return Run(elapsed, cpu, usage.ru_maxrss / 1024, proc.returncode)


@dataclass
class ToolResult:
    command: str
    runs: list[Run] = field(default_factory=list)
    lines: int = 0

    @property
    def best(self) -> float:
        return min(r.seconds for r in self.runs)

    @property
    def best_cpu(self) -> float:
        return min(r.cpu_seconds for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(r.peak_mb for r in self.runs)


def normalize(text: str) -> set[str]:
    lines = set()
    for raw in text.splitlines():
        line = raw.strip()
        if " => " not in line:
            continue
        lines.add(_BARE_RANGE.sub(r"\1\2[External]", line))
    return lines


@dataclass
class Comparison:
    agree: bool
    only_analyzer: list[str]
    only_netkit: list[str]


def compare(analyzer_out: str, netkit_out: str) -> Comparison:
    a, n = normalize(analyzer_out), normalize(netkit_out)
    return Comparison(a == n, sorted(a - n), sorted(n - a))


# ---- one size ------------------------------------------------------------------------------
@dataclass
class SizeResult:
    size: int
    pods: int
    workloads: int
    policies: int
    analyzer: ToolResult
    netkit: ToolResult | None
    comparison: Comparison | None
    plain: ToolResult | None = None
    """With --baseline: netkit on the same cluster without the baseline."""


def _fail(tool: str, argv: Sequence[str], run: Run, stderr: Path) -> SystemExit:
    tail = "\n    ".join(stderr.read_text(errors="replace").strip().splitlines()[-15:])
    how = "timed out" if run.returncode < 0 else f"exited {run.returncode}"
    return SystemExit(f"bench: error: {tool} {how}: {shlex.join(argv)}\n    {tail}")


def bench_size(
    size: int,
    *,
    analyzer: Path,
    netkit: list[str] | None,
    repeat: int,
    namespaces: int,
    seed: int,
    form: str,
    timeout: float,
    keep: Path | None,
    baseline: bool = False,
) -> SizeResult:
    gen = _load_generator()
    with tempfile.TemporaryDirectory(prefix=f"netkit-bench-{size}-") as tmp:
        work = Path(tmp)
        cluster = (keep / f"cluster-{size}") if keep else work / "cluster"
        stats = gen.generate(
            cluster, size, namespaces=namespaces, seed=seed, form=form, baseline=baseline
        )
        tools: list[tuple[str, list[str], ToolResult]] = []
        a_argv = [str(analyzer), "list", "-q", "--dirpath", str(cluster)]
        a_res = ToolResult(shlex.join(a_argv))
        tools.append(("netpol-analyzer", a_argv, a_res))
        n_res: ToolResult | None = None
        p_res: ToolResult | None = None
        if netkit is not None:
            n_argv = [*netkit, "connlist", str(cluster)]
            n_res = ToolResult(shlex.join(n_argv))
            tools.append(("netkit", n_argv, n_res))
            if baseline:
                plain = work / "plain"
                gen.generate(plain, size, namespaces=namespaces, seed=seed, form=form)
                p_argv = [*netkit, "connlist", str(plain)]
                p_res = ToolResult(shlex.join(p_argv))
                tools.append(("netkit-plain", p_argv, p_res))
        outputs: dict[str, str] = {}
        for attempt in range(repeat):
            # Alternate which tool goes first, so neither always runs on a warmer machine.
            order = tools if attempt % 2 == 0 else tools[::-1]
            for name, argv, result in order:
                out, err = work / f"{name}.out", work / f"{name}.err"
                run = run_measured(argv, out, err, timeout)
                if run.returncode != 0:
                    raise _fail(name, argv, run, err)
                result.runs.append(run)
                outputs[name] = out.read_text(encoding="utf-8", errors="replace")
                print(
                    f"  {size:>6} pods  {name:<16} run {attempt + 1}/{repeat}: "
                    f"{run.seconds:8.2f} s  (cpu {run.cpu_seconds:7.2f} s)  "
                    f"{run.peak_mb:8.1f} MB",
                    file=sys.stderr,
                )
        if keep:
            for name, text in outputs.items():
                (keep / f"{name}-{size}.txt").write_text(text, encoding="utf-8")
        a_res.lines = len(normalize(outputs["netpol-analyzer"]))
        comparison = None
        if n_res is not None:
            n_res.lines = len(normalize(outputs["netkit"]))
            comparison = compare(outputs["netpol-analyzer"], outputs["netkit"])
    return SizeResult(
        size, stats.pods, stats.workloads, stats.policies, a_res, n_res, comparison, p_res
    )


# ---- report --------------------------------------------------------------------------------
def print_table(results: Sequence[SizeResult]) -> None:
    header = (
        "size",
        "pods",
        "workloads",
        "policies",
        "analyzer s",
        "netkit s",
        "ratio a/n",
        "cpu s a/n",
        "analyzer MB",
        "netkit MB",
        "lines a/n",
        "agree",
    )
    rows = [header]
    for r in results:
        n = r.netkit
        rows.append(
            (
                str(r.size),
                str(r.pods),
                str(r.workloads),
                str(r.policies),
                f"{r.analyzer.best:.2f}",
                f"{n.best:.2f}" if n else "-",
                f"{r.analyzer.best / n.best:.2f}" if n and n.best > 0 else "-",
                f"{r.analyzer.best_cpu:.2f}/{n.best_cpu:.2f}"
                if n
                else f"{r.analyzer.best_cpu:.2f}/-",
                f"{r.analyzer.peak_mb:.0f}",
                f"{n.peak_mb:.0f}" if n else "-",
                f"{r.analyzer.lines}/{n.lines}" if n else f"{r.analyzer.lines}/-",
                ("yes" if r.comparison.agree else "NO") if r.comparison else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for index, row in enumerate(rows):
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


def print_baseline(results: Sequence[SizeResult]) -> None:
    """With --baseline: what the tiered baseline costs netkit, as a ratio of best times."""
    for r in results:
        if r.netkit is None or r.plain is None:
            continue
        print(
            f"{r.size} pods: netkit with the baseline {r.netkit.best:.2f} s (cpu "
            f"{r.netkit.best_cpu:.2f} s), without {r.plain.best:.2f} s (cpu "
            f"{r.plain.best_cpu:.2f} s): {r.netkit.best / r.plain.best:.2f}x wall, "
            f"{r.netkit.best_cpu / r.plain.best_cpu:.2f}x cpu; netpol-analyzer with it "
            f"{r.analyzer.best:.2f} s (cpu {r.analyzer.best_cpu:.2f} s)"
        )


def print_differences(results: Sequence[SizeResult], examples: int) -> None:
    for r in results:
        c = r.comparison
        if c is None or c.agree:
            continue
        print(
            f"\n{r.size} pods: {len(c.only_analyzer)} lines only in netpol-analyzer, "
            f"{len(c.only_netkit)} only in netkit"
        )
        for title, lines in (
            ("only in netpol-analyzer", c.only_analyzer),
            ("only in netkit", c.only_netkit),
        ):
            for line in lines[:examples]:
                print(f"  {title}: {line}")


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated pod counts, got {text!r}"
        ) from None
    if not sizes or min(sizes) < 10:
        raise argparse.ArgumentTypeError(f"sizes must be at least 10 pods, got {text!r}")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=list(DEFAULT_SIZES),
        help="pod counts, comma-separated (default: 100,1000,5000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="runs per tool and size, best kept (default: 3, or 1 from 5000 pods)",
    )
    parser.add_argument("--namespaces", type=int, default=20, help="application namespaces")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default: 0)")
    parser.add_argument(
        "--form",
        choices=("pods", "deployments"),
        default="pods",
        help="workloads as one Pod per replica (default) or as Deployments",
    )
    parser.add_argument("--netpolicy", help="netpol-analyzer binary (default: see module doc)")
    parser.add_argument(
        "--netkit",
        help="netkit command (default: .venv/bin/netkit, else `python -m netkit_cli.main`)",
    )
    parser.add_argument(
        "--analyzer-only",
        action="store_true",
        help="time netpol-analyzer alone (e.g. while netkit connlist is missing)",
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per run")
    parser.add_argument("--examples", type=int, default=5, help="differing lines to show")
    parser.add_argument("--keep", type=Path, help="keep clusters and outputs in this folder")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="add a tiered baseline (a BaselineAdminNetworkPolicy) and time netkit without it too",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)

    analyzer = find_analyzer(args.netpolicy)
    netkit: list[str] | None = None
    if not args.analyzer_only:
        netkit = find_netkit(args.netkit)
        problem = netkit_connlist_problem(netkit)
        if problem:
            print(
                f"bench: error: netkit connlist is not available: {problem}\n"
                f"  (use --analyzer-only to time netpol-analyzer alone)",
                file=sys.stderr,
            )
            return 2
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)

    results: list[SizeResult] = []
    for size in args.sizes:
        repeat = args.repeat or (3 if size < 5000 else 1)
        results.append(
            bench_size(
                size,
                analyzer=analyzer,
                netkit=netkit,
                repeat=repeat,
                namespaces=args.namespaces,
                seed=args.seed,
                form=args.form,
                timeout=args.timeout,
                keep=args.keep,
                baseline=args.baseline,
            )
        )
    print()
    print_table(results)
    print_baseline(results)
    print_differences(results, args.examples)
    if args.json:
        args.json.write_text(
            json.dumps([asdict(r) for r in results], indent=2) + "\n", encoding="utf-8"
        )
    disagree = any(r.comparison is not None and not r.comparison.agree for r in results)
    return 1 if disagree else 0


if __name__ == "__main__":
    raise SystemExit(main())
