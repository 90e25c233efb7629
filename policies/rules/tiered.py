"""Tiered policies: rules their order hides, and Passes no later tier takes up.

The analyses are `netkit.reachability.rule_findings`; these rules only word them.
"""

from __future__ import annotations

from collections.abc import Iterator

from netkit.reachability.rule_findings import passes_to_default, shadowed_rules
from netkit_policies.rules.base import (
    Context,
    Level,
    ResourceRef,
    Rule,
    RuleConfig,
    Severity,
    Violation,
)

TIERED_TYPES = (
    "kubernetes:policy.networking.k8s.io/",
    "kubernetes:projectcalico.org/",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
)


def _check_shadowed(context: Context, config: RuleConfig) -> Iterator[Violation]:
    if not context.model.tiered_policies:
        return
    for finding in shadowed_rules(context.reachability):
        yield Violation(ResourceRef.tiered(finding.policy), finding.text())


SHADOWED_RULE = Rule(
    name="k8s-tieredpolicy-disallow-shadowed-rule",
    description="Checks that every rule of an AdminNetworkPolicy, ClusterNetworkPolicy or "
    "Calico policy can act: some traffic it matches is not already decided by earlier rules "
    "of its tier or a tier before it.",
    level=Level.ADVISORY,
    severity=Severity.LOW,
    remediation="Remove the rule, or move it before the rule or tier that decides its traffic first; the finding names which one.",
    url="https://network-policy-api.sigs.k8s.io/api-overview/",
    tags=("kubernetes", "tieredpolicy", "hygiene"),
    check=_check_shadowed,
    watches=TIERED_TYPES,
)


def _check_pass(context: Context, config: RuleConfig) -> Iterator[Violation]:
    if not context.model.tiered_policies:
        return
    for finding in passes_to_default(context.reachability):
        yield Violation(ResourceRef.tiered(finding.policy), finding.text())


PASS_TO_DEFAULT = Rule(
    name="k8s-tieredpolicy-disallow-pass-to-default",
    description="Checks that the traffic every Pass rule passes meets a decision in a later "
    "tier, rather than the cluster's default allow.",
    level=Level.ADVISORY,
    severity=Severity.MEDIUM,
    remediation="Decide the passed traffic in a later tier (a NetworkPolicy, a BaselineAdminNetworkPolicy or a Calico tier), or Allow or Deny it in the Pass rule itself.",
    url="https://network-policy-api.sigs.k8s.io/api-overview/",
    tags=("kubernetes", "tieredpolicy", "least-privilege"),
    check=_check_pass,
    watches=TIERED_TYPES,
)

RULES = (SHADOWED_RULE, PASS_TO_DEFAULT)
