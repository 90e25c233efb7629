"""Benchmark of the policy pack's rules, and of `netkit check --stack dev` end to end.

    .venv/bin/python benchmarks/bench_check.py
    .venv/bin/python benchmarks/bench_check.py --namespaces 300 --networks 200 --repeat 5

1. A stack of 5,000+ resources is synthesized once (not timed): our own program run under
   mocks, as `netkit synth` does, with a generated stack spec of `--namespaces` teams (a
   web, api and db service each, default deny, DNS, an Ingress with TLS, connections
   web->api, api->db and api->the next team's api) and `--networks` Docker bridges with a
   container each. Every resource is the shape the engine would send the pack.
2. Timed, best of `--repeat`: the network model built from those resources
   (`model_from_resources`), then all rules on it (`run_rules`, reachability included),
   and the pack's own path (its gRPC `AnalyzeStack` called in-process with the request the
   engine would send: protobuf conversion, every policy, diagnostics).
3. Timed, best of 3: `netkit check --stack dev` as a subprocess, wall clock, the program
   run under mocks included.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netkit.resources import model_from_resources  # noqa: E402
from netkit_cli.synth import ResourceRecord, record_resources  # noqa: E402
from netkit_components.program import deploy  # noqa: E402
from netkit_policies.registry import RULES, run_rules  # noqa: E402

RULES_TARGET = 1.0
CHECK_TARGET = 5.0


def stack_config(namespaces: int, networks: int) -> dict[str, Any]:
    """Pulumi config (`netkit:*` keys) of a generated stack."""
    spaces: list[dict[str, Any]] = []
    connections: list[dict[str, Any]] = []
    ingresses: list[dict[str, Any]] = []
    for index in range(namespaces):
        team = f"team{index:03d}"
        spaces.append(
            {
                "name": team,
                "labels": {"team": team},
                "services": [
                    {"name": "web", "ports": [{"name": "http", "port": 8080}]},
                    {"name": "api", "ports": [{"name": "http", "port": 8080}]},
                    {"name": "db", "replicas": 1, "ports": [{"name": "postgres", "port": 5432}]},
                ],
            }
        )
        connections.append({"from": f"{team}/web", "to": f"{team}/api", "ports": ["8080/TCP"]})
        connections.append({"from": f"{team}/api", "to": f"{team}/db", "ports": ["5432/TCP"]})
        if index + 1 < namespaces:
            nxt = f"team{index + 1:03d}/api"
            connections.append({"from": f"{team}/api", "to": nxt, "ports": ["8080/TCP"]})
        host = f"{team}.example.com"
        ingresses.append(
            {
                "name": f"{team}-web",
                "namespace": team,
                "rules": [{"host": host, "paths": [{"path": "/", "service": "web"}]}],
                "tls": [{"hosts": [host], "secretName": "web-tls"}],
            }
        )
    bridges = [
        {
            "name": f"net{i:03d}",
            "role": "backend",
            "subnets": [{"subnet": f"10.{200 + i // 250}.{i % 250}.0/24"}],
        }
        for i in range(networks)
    ]
    containers = [
        {"name": f"svc{i:03d}", "networks": [{"network": f"net{i:03d}", "aliases": ["svc"]}]}
        for i in range(networks)
    ]
    return {
        "netkit:reserved": json.dumps([{"name": "corp-vpn", "cidr": "10.8.0.0/16"}]),
        "netkit:docker": json.dumps({"bridges": bridges, "containers": containers}),
        "netkit:kubernetes": json.dumps(
            {
                "podCidr": "10.244.0.0/16",
                "serviceCidr": "10.96.0.0/12",
                "calico": {"ipPools": [{"cidr": "10.244.0.0/17", "blockSize": 26}]},
                "namespaces": spaces,
                "ingresses": ingresses,
                "connections": connections,
            }
        ),
    }


def best(repeat: int, func: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def pack_path(records: list[ResourceRecord], repeat: int) -> float:
    """The pack's `AnalyzeStack`, as the engine calls it over gRPC (protobuf request in,
    diagnostics out, all 28 policies), without the network hop; best of `repeat`."""
    from google.protobuf import struct_pb2
    from pulumi.runtime.proto import analyzer_pb2

    from netkit_policies.analyzer import in_process_analyzer

    resources = []
    for record in records:
        properties = struct_pb2.Struct()
        properties.update(record.inputs)
        resources.append(
            analyzer_pb2.AnalyzerResource(
                type=record.type, urn=record.urn, name=record.name, properties=properties
            )
        )
    request = analyzer_pb2.AnalyzeStackRequest(resources=resources)
    analyzer = in_process_analyzer()
    return best(repeat, lambda: analyzer.AnalyzeStack(request, None))[0]


def check_dev_wall(repeat: int) -> tuple[float, int]:
    netkit = Path(sys.executable).with_name("netkit")
    times, status = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run(
            [str(netkit), "check", "--stack", "dev"], cwd=ROOT, capture_output=True, check=False
        )
        times.append(time.perf_counter() - start)
        status = result.returncode
    return min(times), status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=165, help="default: 165")
    parser.add_argument("--networks", type=int, default=100, help="default: 100")
    parser.add_argument("--repeat", type=int, default=3, help="best of; default: 3")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    records = record_resources(deploy, "bench", stack_config(args.namespaces, args.networks))
    synthesized = time.perf_counter() - start

    build, model = best(args.repeat, lambda: model_from_resources(records))
    rules, findings = best(args.repeat, lambda: run_rules(model))
    pack = pack_path(records, args.repeat)
    total = build + rules
    print(
        f"rules: {len(RULES)} rules on {len(records):,} resources in {total:.2f} s "
        f"(model {build:.2f} s + rules {rules:.2f} s; {len(findings)} violations; "
        f"best of {args.repeat})"
    )
    print(
        f"  stack: {args.namespaces} namespaces, {len(model.workloads)} workloads, "
        f"{len(model.network_policies)} NetworkPolicies, {len(model.ingresses)} Ingresses, "
        f"{len(model.docker_networks)} Docker networks, {len(model.connections or ())} declared "
        f"connections (synthesized under mocks in {synthesized:.1f} s, not timed)"
    )
    print(f"  pack path (the analyzer's AnalyzeStack on the protobuf request): {pack:.2f} s")
    print(f"  target: under {RULES_TARGET:.0f} s: {'met' if total < RULES_TARGET else 'MISSED'}")

    wall, status = check_dev_wall(3)
    print(f"check: `netkit check --stack dev` in {wall:.2f} s wall (exit {status}; best of 3)")
    print(f"  target: under {CHECK_TARGET:.0f} s: {'met' if wall < CHECK_TARGET else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
