"""Selectors and policy-rule peers written for people, in netpol-analyzer's notation.

A rule peer stands for the pods its two selectors may match; netpol-analyzer writes it
`NS/POD`, and so does netkit wherever a peer is named without a pod behind it (exposure,
`netkit selects`):

- `NS`: the bare namespace name when the namespace selector is exactly
  `kubernetes.io/metadata.name: <name>` (and for a peer without namespace selector: the
  policy's own namespace); `[all namespaces]` for an empty selector;
  `[namespace with {SEL}]` otherwise;
- `POD`: `[all pods]` for a missing or empty pod selector, `[pod with {SEL}]` otherwise;
- `SEL`: the `matchLabels` as `key=value` sorted by key, then each `matchExpressions`
  requirement as `{Key:k,Operator:In,Values:[v1 v2],}` (values in written order), the
  requirements sorted as text, all joined by `,`.

`selector_key` gives the canonical form two selectors share when they require the same
(requirements in any order, `key In [v]` for `key: v`), as Kubernetes' own
`labels.Selector` compares them.
"""

from __future__ import annotations

from netkit.model import (
    NAMESPACE_NAME_LABEL,
    IPBlock,
    LabelSelector,
    NetworkPolicy,
    PolicyPeer,
    SelectorOperator,
    SelectorRequirement,
)

__all__ = [
    "ALL_NAMESPACES",
    "ALL_PODS",
    "block_text",
    "namespace_part",
    "namespace_selector_of",
    "peer_text",
    "pod_part",
    "selector_key",
    "selector_text",
]

ALL_NAMESPACES = "[all namespaces]"
ALL_PODS = "[all pods]"


def _requirement_text(req: SelectorRequirement) -> str:
    values = req.written or tuple(sorted(req.values))
    return f"{{Key:{req.key},Operator:{req.operator},Values:[{' '.join(values)}],}}"


def selector_text(selector: LabelSelector) -> str:
    """`{app=web,{Key:tier,Operator:In,Values:[a b],}}`: the selector's `SEL`, in braces."""
    parts = [f"{key}={value}" for key, value in sorted(selector.match_labels.items())]
    parts += sorted(_requirement_text(req) for req in selector.match_expressions)
    return "{" + ",".join(parts) + "}"


def selector_key(selector: LabelSelector | None) -> tuple[str, ...]:
    """What `selector` requires, in a canonical form: equal for selectors that require the
    same, whatever the order of their requirements and values (None: the empty key)."""
    if selector is None:
        return ()
    parts: list[str] = []
    for key, value in selector.match_labels.items():
        parts.append(f"{key}={value}")
    for req in selector.match_expressions:
        if req.operator is SelectorOperator.IN and len(req.values) == 1:
            parts.append(f"{req.key}={next(iter(req.values))}")
        else:
            parts.append(f"{req.key} {req.operator} ({','.join(sorted(req.values))})")
    return tuple(sorted(parts))


def namespace_selector_of(policy: NetworkPolicy, peer: PolicyPeer) -> LabelSelector:
    """The peer's namespace selector; a peer without one means the policy's namespace."""
    if peer.namespace_selector is not None:
        return peer.namespace_selector
    return LabelSelector(match_labels={NAMESPACE_NAME_LABEL: policy.namespace})


def namespace_part(selector: LabelSelector) -> str:
    """`NS` of a peer: a namespace name, `[all namespaces]` or `[namespace with {...}]`."""
    if selector.is_empty:
        return ALL_NAMESPACES
    if not selector.match_expressions and set(selector.match_labels) == {NAMESPACE_NAME_LABEL}:
        return selector.match_labels[NAMESPACE_NAME_LABEL]
    return f"[namespace with {selector_text(selector)}]"


def pod_part(selector: LabelSelector | None) -> str:
    """`POD` of a peer: `[all pods]` or `[pod with {...}]`."""
    if selector is None or selector.is_empty:
        return ALL_PODS
    return f"[pod with {selector_text(selector)}]"


def block_text(block: IPBlock) -> str:
    """`10.0.0.0/8` or `10.0.0.0/8 except 10.1.0.0/16, 10.2.0.0/16`."""
    if not block.excepts:
        return str(block.cidr)
    return f"{block.cidr} except {', '.join(str(hole) for hole in block.excepts)}"


def peer_text(policy: NetworkPolicy, peer: PolicyPeer) -> str:
    """One `from`/`to` entry of `policy`: `NS/POD`, or the ipBlock."""
    if peer.ip_block is not None:
        return block_text(peer.ip_block)
    return f"{namespace_part(namespace_selector_of(policy, peer))}/{pod_part(peer.pod_selector)}"
