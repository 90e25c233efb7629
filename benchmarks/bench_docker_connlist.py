"""Benchmark: `netkit connlist` of a generated Docker stack (1,000 containers, 50 networks,
3 hosts), as a resource list like the one `netkit synth --format json` prints.

    python benchmarks/bench_docker_connlist.py                 # 1000 containers, 3 rounds
    python benchmarks/bench_docker_connlist.py --containers 5000 --repeat 5

The stack: 10 overlays (swarm-wide) and 40 bridges (13 or 14 per host, one with ICC off
in every ten, half of them internal); each container runs on one of the 3 hosts and joins
one or two networks it can reach there, with an alias, and one in ten publishes a port.
Reported: the best wall time of `netkit connlist FILE` (a whole process: start-up, reading,
both analyses, writing the text) and of the analysis and rendering alone, in-process, and
the number of connections listed. Target: under 1 s for the defaults.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HOSTS = ("host1", "host2", "host3")
TARGET_SECONDS = 1.0


def _labels(**values: str) -> list[dict[str, str]]:
    return [{"label": key, "value": value} for key, value in sorted(values.items())]


def generate(containers: int, networks: int = 50, seed: int = 22) -> list[dict[str, Any]]:
    """A resource list: `networks` Docker networks and `containers` containers."""
    rng = random.Random(seed)
    overlays = networks // 5
    resources: list[dict[str, Any]] = []
    local: dict[str, list[str]] = {host: [] for host in HOSTS}
    swarm: list[str] = []
    for index in range(networks):
        name = f"bench-net-{index}"
        is_overlay = index < overlays
        host = "host1" if is_overlay else HOSTS[index % len(HOSTS)]
        options = {"com.docker.network.bridge.enable_icc": "false" if index % 10 == 9 else "true"}
        resources.append(
            {
                "type": "docker:index/network:Network",
                "name": name,
                "urn": f"urn:pulumi:bench::netkit::docker:index/network:Network::{name}",
                "inputs": {
                    "name": name,
                    "driver": "overlay" if is_overlay else "bridge",
                    "internal": index % 2 == 0,
                    "attachable": is_overlay,
                    "ipamConfigs": [{"subnet": f"10.{100 + index // 200}.{index % 200}.0/24"}],
                    "options": {} if is_overlay else options,
                    "labels": _labels(**{"netkit.host": host}),
                },
            }
        )
        (swarm if is_overlay else local[host]).append(name)
    for index in range(containers):
        host = HOSTS[index % len(HOSTS)]
        reachable = swarm + local[host]
        joined = rng.sample(reachable, k=1 + (index % 2))
        name = f"bench-c-{index}"
        resources.append(
            {
                "type": "docker:index/container:Container",
                "name": name,
                "urn": f"urn:pulumi:bench::netkit::docker:index/container:Container::{name}",
                "inputs": {
                    "name": name,
                    "image": "netkit/busybox:local",
                    "networksAdvanced": [
                        {"name": network, "aliases": [f"svc-{index}"]} for network in joined
                    ],
                    "ports": [{"internal": 8080, "external": 20000 + index, "ip": "127.0.0.1"}]
                    if index % 10 == 0
                    else [],
                    "labels": _labels(**{"netkit.host": host, "netkit.ports": "8080/tcp"}),
                },
            }
        )
    return resources


def _netkit() -> list[str]:
    script = REPO / ".venv" / "bin" / "netkit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "netkit_cli.main"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--containers", type=int, default=1000)
    parser.add_argument("--networks", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    from netkit.connectivity import analyze_all
    from netkit.connlist import render
    from netkit.sources import load_paths

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "docker-stack.json"
        path.write_text(json.dumps(generate(args.containers, args.networks)))
        command = [*_netkit(), "connlist", str(path)]
        walls: list[float] = []
        lines = 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            walls.append(time.perf_counter() - started)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            lines = done.stdout.count("\n")
        model = load_paths([path])
        inner: list[float] = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            reach = analyze_all(model)
            render(reach.connections(), "txt")
            inner.append(time.perf_counter() - started)
    best = min(walls)
    print(
        f"docker connlist: {args.containers:,} containers, {args.networks} networks, "
        f"{len(HOSTS)} hosts: {lines:,} connections; `netkit connlist FILE` best of "
        f"{args.repeat}: {best:.2f} s wall (analysis and text alone: {min(inner):.2f} s); "
        f"target < {TARGET_SECONDS:.0f} s: {'met' if best < TARGET_SECONDS else 'NOT met'}"
    )
    return 0 if best < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
