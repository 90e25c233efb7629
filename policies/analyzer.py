"""The pack's gRPC analyzer: pulumi-policy's own, reading the stack once per analysis.

pulumi-policy's `AnalyzeStack` converts every resource of the request (protobuf to
Python, proxied, linked to its parent and dependencies) once for each stack policy
before calling it: with 28 policies, 28 readings of the whole stack. Measured: 0.15 s of
the pack's 0.20 s on a 53-resource preview; 29.6 s on 5,021 resources, where this
analyzer takes 0.6 s (`benchmarks/bench_check.py`). Every netkit policy reads the same
network model, so
`SharedReadAnalyzer` reads the resources once, hands them to the policies through
`StackAnalysis.serving`, and lets pulumi-policy run its loop over a copy of the request
listing no resources (the policies never read `args.resources` while served). The
per-resource `Analyze` and `Remediate`, which have nothing to do in a pack of stack
policies, answer without converting the resource. Everything else (levels, config,
violations, the unknown-value advisory) stays pulumi-policy's.

`serve` runs the pack with it. pulumi-policy builds its servicer inside `PolicyPack`
by a module-level name, so that name is pointed at the subclass first; pulumi-policy is
pinned (pyproject.toml) and `tests/policies/test_analyzer.py` checks that both
analyzers answer every request alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi_policy.policy
from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyPack,
    ResourceValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties

from netkit_policies.adapter import EngineResource, StackAnalysis, pack_policies


class SharedReadAnalyzer(pulumi_policy.policy._PolicyAnalyzerServicer):
    """pulumi-policy's analyzer whose stack policies share one reading of the stack."""

    analysis: StackAnalysis
    """Set by `serve`: the analysis every policy of the pack reads its model from."""

    def __init__(self, name: str, version: str, policies: list[Any], *rest: Any) -> None:
        super().__init__(name, version, policies, *rest)
        resource_policies = [p for p in policies if isinstance(p, ResourceValidationPolicy)]
        # pulumi-policy's Analyze converts a resource only for policies that validate; for
        # the pack's remediation-only policies it answers "not applicable", cheaply.
        self._per_resource = bool(resource_policies)
        self._remediations = [p for p in resource_policies if p.has_remediation()]

    # The engine calls Remediate and Analyze for every resource it registers, on the path
    # of the preview; for a pack of stack policies only pulumi-policy answers both with an
    # empty response after converting the resource, so answer at once. (The gRPC round
    # trip remains, about 1 ms a call while the engine, program and providers run.)

    def Analyze(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC's name)
        if self._per_resource:
            return super().Analyze(request, context)  # type: ignore[no-untyped-call]
        return analyzer_pb2.AnalyzeResponse()

    def Remediate(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC's name)
        # Only a remediation the pack config sets to `remediate` has work to do.
        if any(
            self._get_enforcement_level(p) == EnforcementLevel.REMEDIATE for p in self._remediations
        ):
            return super().Remediate(request, context)  # type: ignore[no-untyped-call]
        return analyzer_pb2.RemediateResponse()

    def AnalyzeStack(self, request: Any, context: Any) -> Any:  # noqa: N802 (gRPC's name)
        resources = [
            EngineResource(
                r.type,
                r.name,
                r.urn,
                deserialize_properties(json_format.MessageToDict(r.properties)),
            )
            for r in request.resources
        ]
        with self.analysis.serving(resources):
            return super().AnalyzeStack(without_resources(request), context)  # type: ignore[no-untyped-call]


def without_resources(request: Any) -> Any:
    """A copy of an `AnalyzeStackRequest` that lists no resources."""
    slim = analyzer_pb2.AnalyzeStackRequest()
    slim.CopyFrom(request)
    slim.ClearField("resources")
    return slim


def in_process_analyzer(
    kind: type[pulumi_policy.policy._PolicyAnalyzerServicer] = SharedReadAnalyzer,
) -> Any:
    """The pack's analyzer (or pulumi-policy's own, `kind`) with every rule, in this
    process and without a server: its gRPC methods called directly (tests, benchmarks)."""
    analysis = StackAnalysis()
    policies: list[Policy] = pack_policies(analysis)
    analyzer: Any = kind(
        "netkit", "0.0.1", policies, EnforcementLevel.ADVISORY,
        None, None, None, None, None, None, None,
    )  # fmt: skip
    analyzer.analysis = analysis
    return analyzer


def serve(name: str, policies: Sequence[Policy], analysis: StackAnalysis) -> None:
    """Run the pack's gRPC server (never returns), its policies reading from `analysis`."""
    SharedReadAnalyzer.analysis = analysis
    pulumi_policy.policy._PolicyAnalyzerServicer = SharedReadAnalyzer  # type: ignore[misc, assignment]
    PolicyPack(name=name, policies=list(policies))
