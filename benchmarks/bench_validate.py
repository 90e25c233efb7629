"""Benchmark of `netkit validate` on a folder of many small objects.

    .venv/bin/python benchmarks/bench_validate.py
    .venv/bin/python benchmarks/bench_validate.py --objects 20000 --repeat 3
    .venv/bin/python benchmarks/bench_validate.py --objects 20000 --out DIR   # only write

A folder of `--objects` small Kubernetes objects is generated (not timed), as a rendered
or exported tree holds them: per team a sub-folder, files of 50 objects each, the objects
cycling through Namespace, Service, NetworkPolicy, ConfigMap, Deployment, ServiceAccount,
Ingress and Secret. One object in 1,000 has a field the schema does not know (an invalid
verdict) and one in 1,000 is a custom resource (skipped: no schema), so every verdict is
exercised. Timed, best of `--repeat`: `netkit validate DIR` as a subprocess, wall clock
and CPU seconds of all its processes, start-up included, with the machine's load (a
shared machine's other work stretches the wall clock, not the CPU seconds); its summary
line is printed so a change of verdicts shows.

The target: 20,000 objects in under 15 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

TARGET_SECONDS_PER_20K = 15.0
PER_FILE = 50
FILES_PER_FOLDER = 20


def small_object(index: int) -> dict[str, Any]:
    """The `index`-th object: small, valid, of one of eight common kinds."""
    namespace = f"team-{index // 1000:03d}"
    name = f"obj-{index:06d}"
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": {"app": name}}
    kind = index % 8
    if kind == 0:
        return {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": f"{namespace}-{index:06d}", "labels": {"team": namespace}},
        }
    if kind == 1:
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta,
            "spec": {
                "selector": {"app": name},
                "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
            },
        }
    if kind == 2:
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta,
            "spec": {
                "podSelector": {"matchLabels": {"app": name}},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [{"podSelector": {"matchLabels": {"role": "client"}}}],
                        "ports": [{"protocol": "TCP", "port": 8080}],
                    }
                ],
            },
        }
    if kind == 3:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta,
            "data": {"LOG_LEVEL": "info", "PORT": "8080"},
        }
    if kind == 4:
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta,
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {
                        "containers": [
                            {
                                "name": "app",
                                "image": "registry.local/app:1.0",
                                "ports": [{"name": "http", "containerPort": 8080}],
                            }
                        ]
                    },
                },
            },
        }
    if kind == 5:
        return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}
    if kind == 6:
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": meta,
            "spec": {
                "ingressClassName": "nginx",
                "rules": [
                    {
                        "host": f"{name}.example.com",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {
                                        "service": {"name": name, "port": {"name": "http"}}
                                    },
                                }
                            ]
                        },
                    }
                ],
            },
        }
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta,
        "type": "Opaque",
        "stringData": {"token": "not-a-real-secret"},
    }


def objects(count: int) -> list[dict[str, Any]]:
    """`count` objects; every 1,000th invalid (an unknown field), every 1,000th from 500
    a custom resource."""
    found = []
    for index in range(count):
        obj = small_object(index)
        if index % 1000 == 999:
            obj["spec"] = {**obj.get("spec", {}), "unknownField": True}
        elif index % 1000 == 499:
            obj = {
                "apiVersion": "example.com/v1",
                "kind": "Widget",
                "metadata": {"name": f"widget-{index:06d}", "namespace": "default"},
                "spec": {"size": 3},
            }
        found.append(obj)
    return found


def write_folder(folder: Path, count: int) -> int:
    """The objects in `folder`, 50 to a file, 20 files to a sub-folder; the files written."""
    items = objects(count)
    files = 0
    for start in range(0, len(items), PER_FILE):
        number = start // PER_FILE
        sub = folder / f"part-{number // FILES_PER_FOLDER:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump_all(items[start : start + PER_FILE], sort_keys=False)
        (sub / f"objects-{number:04d}.yaml").write_text(text)
        files += 1
    return files


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_validate(folder: Path) -> tuple[float, float, str]:
    """Wall clock and CPU seconds (every process of the run) of `netkit validate
    FOLDER`, and its summary line."""
    cpu = _children_cpu()
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "netkit_cli.main", "validate", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"netkit validate failed ({result.returncode}): {result.stderr.strip()}")
    return elapsed, _children_cpu() - cpu, result.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--objects", type=int, default=20_000, help="default: 20000")
    parser.add_argument("--repeat", type=int, default=1, help="runs, best counted (default: 1)")
    parser.add_argument("--out", type=Path, help="write the folder there and stop (no timing)")
    args = parser.parse_args(argv)
    if args.out is not None:
        files = write_folder(args.out, args.objects)
        print(f"{args.out}: {args.objects} objects in {files} files")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        write_folder(Path(folder), args.objects)
        runs = [timed_validate(Path(folder)) for _ in range(args.repeat)]
    best, cpu, summary = min(runs)
    target = TARGET_SECONDS_PER_20K * args.objects / 20_000
    verdict = "ok" if best < target else "SLOW"
    load = os.getloadavg()[0]
    print(
        f"netkit validate, {args.objects:,} small objects: {best:.2f} s wall, {cpu:.2f} s CPU, "
        f"{best / args.objects * 1000:.2f} ms per object (target < {target:.1f} s: {verdict}; "
        f"load average {load:.1f} on {os.cpu_count()} cores); {summary}"
    )
    return 0 if best < target else 1


if __name__ == "__main__":
    raise SystemExit(main())
