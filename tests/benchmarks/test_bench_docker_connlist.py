"""The generated Docker stack of the connlist benchmark is the size it claims."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from netkit.resources import Resource, model_from_resources

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_docker_connlist.py"


def _generate():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_docker_connlist", PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_docker_connlist", module)
    spec.loader.exec_module(module)
    return module.generate


def test_the_generated_stack_has_1000_containers_on_50_networks_over_3_hosts():
    resources = _generate()(1000)
    model = model_from_resources(
        Resource(r["type"], r["name"], r["urn"], r["inputs"]) for r in resources
    )
    assert len(model.docker_containers) == 1000
    assert len(model.docker_networks) == 50
    assert {c.host for c in model.docker_containers} == {"host1", "host2", "host3"}
    # Every container joins networks it can reach on its host: no stray attachment.
    local = {(n.host, n.name) for n in model.docker_networks if n.driver == "bridge"}
    overlays = {n.name for n in model.docker_networks if n.driver == "overlay"}
    for container in model.docker_containers:
        for attachment in container.networks:
            assert attachment.network in overlays or (container.host, attachment.network) in local
