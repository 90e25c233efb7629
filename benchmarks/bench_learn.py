"""Benchmark: mapping observed flows onto a model, as `netkit learn` does before comparing.

    python benchmarks/bench_learn.py                        # 100,000 flows, 1,000 pods
    python benchmarks/bench_learn.py --flows 1000000 --repeat 3

The model (generated, not timed): `--pods` workloads of one pod each, 10 to a namespace,
each with a pod address and a Service whose cluster IP selects it. The flows (generated,
not timed), as the four readers give them: a quarter named as Hubble names them (pod
names with a ReplicaSet suffix), a quarter as Calico aggregates them (`web-7d4f9c-*`), a
quarter as connection tracking does (addresses only, to a Service's cluster IP with the
translated pod address), and a quarter pod address to pod address; one in a hundred goes
to an address the model does not have. Timed, best of `--repeat`: building the index and
mapping every flow (`ModelIndex`, `map_flows`), in-process. Target: under 2 s for the
defaults.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 2.0
PER_NAMESPACE = 10


def generate(pods: int, flows: int, seed: int = 0):  # type: ignore[no-untyped-def]
    """(model, flows): `pods` workloads with addresses and Services, and `flows` flows."""
    sys.path.insert(0, str(REPO))
    import ipaddress

    from netkit.model import (
        NetworkModel,
        PodPlacement,
        Service,
        ServicePort,
        Workload,
        frozen_labels,
    )
    from netkit.observed import Flow, FlowEnd

    workloads, services = [], []
    for index in range(pods):
        namespace, name = f"team-{index // PER_NAMESPACE:03d}", f"app-{index:04d}"
        labels = frozen_labels({"app": name})
        address = ipaddress.ip_address("10.244.0.0") + index + 2
        workloads.append(
            Workload("Deployment", name, namespace, labels, placements=(PodPlacement(0, address),))
        )
        cluster_ip = str(ipaddress.ip_address("10.96.0.0") + index + 10)
        services.append(
            Service(
                name,
                namespace,
                selector=labels,
                ports=(ServicePort(8080, 8080),),
                cluster_ip=cluster_ip,
            )
        )
    model = NetworkModel(
        workloads=tuple(workloads),
        services=tuple(services),
        connections=(),
        pod_cidr=ipaddress.ip_network("10.244.0.0/16"),
    )
    rng = random.Random(seed)
    start = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    result = []
    for number in range(flows):
        a, b = rng.randrange(pods), rng.randrange(pods)
        src_w, dst_w, dst_s = workloads[a], workloads[b], services[b]
        moment = start + timedelta(seconds=number % 3600)
        style = number % 4
        if style == 0:
            src = FlowEnd(
                str(src_w.placements[0].address), src_w.namespace, f"{src_w.name}-7d4f9c6b5-x2x8k"
            )
            dst = FlowEnd(str(dst_s.cluster_ip), dst_s.namespace, service=dst_s.name)
            translated = ""
        elif style == 1:
            src = FlowEnd("", src_w.namespace, f"{src_w.name}-7d4f9c6b5-*")
            dst = FlowEnd("", dst_w.namespace, f"{dst_w.name}-5c9b7d8f4-*")
            translated = ""
        elif style == 2:
            src = FlowEnd(str(src_w.placements[0].address))
            dst = FlowEnd(str(dst_s.cluster_ip))
            translated = str(dst_w.placements[0].address)
        else:
            src = FlowEnd(str(src_w.placements[0].address))
            dst = FlowEnd(str(dst_w.placements[0].address))
            translated = ""
        if number % 100 == 99:
            gap = number // 100
            dst = FlowEnd(f"10.244.{200 + gap % 50}.{gap % 250 + 1}")
        result.append(
            Flow(src, dst, 8080, "TCP", moment, moment, rng.randrange(1, 5), translated=translated)
        )
    return model, result


def measure(model, flows):  # type: ignore[no-untyped-def]
    """(seconds, mapped) of indexing `model` and mapping `flows`."""
    from netkit.observed import ModelIndex, map_flows

    started = time.perf_counter()
    mapped = map_flows(ModelIndex(model), flows)
    return time.perf_counter() - started, mapped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pods", type=int, default=1000)
    parser.add_argument("--flows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    model, flows = generate(args.pods, args.flows)
    times = []
    mapped = None
    for _ in range(args.repeat):
        seconds, mapped = measure(model, flows)
        times.append(seconds)
    assert mapped is not None
    best = min(times)
    print(
        f"learn mapping: {args.flows:,} flows onto {args.pods:,} pods with Services: "
        f"{len(mapped.uses):,} distinct connections, {len(mapped.unmapped):,} unmapped "
        f"addresses; index and mapping best of {args.repeat}: {best:.2f} s "
        f"({args.flows / best:,.0f} flows/s); target < {TARGET_SECONDS:.0f} s: "
        f"{'met' if best < TARGET_SECONDS else 'NOT met'}"
    )
    return 0 if best < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
