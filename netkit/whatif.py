"""What-if peers: a pod or namespace labels that do not exist, answered as if they did.

"What could reach this service if someone labels a namespace team=x?", "what may a new pod
labelled app=probe in namespace billing reach?": the question is put to the same analyses
by adding the hypothetical objects to the model first.

- `--what-if-pod NS/NAME[:K=V,...]`: a pod `NAME` in namespace `NS` with those labels,
  a workload of kind `WhatIf` (`billing/probe[WhatIf]`) with no container ports, so a
  named port towards it resolves to nothing. Its namespace is created (with no labels
  but its name) when the input has none.
- `--what-if-namespace NS[:K=V,...]`: namespace `NS` with those labels added, a new
  namespace or one of the input's relabelled: every workload in it sees the new labels,
  as it would in a cluster, since a namespace has one set of labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from netkit import names
from netkit.errors import InvalidValue
from netkit.model import (
    NAMESPACE_NAME_LABEL,
    Labels,
    Namespace,
    NetworkModel,
    Workload,
    frozen_labels,
)

__all__ = [
    "WHAT_IF_KIND",
    "WhatIfNamespace",
    "WhatIfPod",
    "parse_labels",
    "parse_namespace",
    "parse_pod",
    "with_what_if",
]

WHAT_IF_KIND = "WhatIf"
"""The kind of a hypothetical pod's workload, so every output shows it is one."""


@dataclass(frozen=True)
class WhatIfPod:
    namespace: str
    name: str
    labels: Labels

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}[{WHAT_IF_KIND}]"


@dataclass(frozen=True)
class WhatIfNamespace:
    name: str
    labels: Labels


def parse_labels(text: str, what: str) -> Labels:
    """`app=web,tier=api` (a value may be empty: `canary=`) as a label map."""
    labels: dict[str, str] = {}
    for item in text.split(","):
        key, equals, value = item.partition("=")
        if not equals:
            raise InvalidValue(f"{what}: {item!r} is not a label; write key=value, like 'app=web'")
        names.label_key(key, f"{what}: label key")
        names.label_value(value, f"{what}: value of label {key!r}")
        if key == NAMESPACE_NAME_LABEL:
            raise InvalidValue(f"{what}: {key!r} is always the namespace's name; leave it out")
        if key in labels:
            raise InvalidValue(f"{what}: label {key!r} is given twice; keep one")
        labels[key] = value
    return frozen_labels(labels)


def parse_pod(text: str) -> WhatIfPod:
    """`billing/probe:app=probe,tier=web` (labels optional)."""
    where, colon, label_text = text.partition(":")
    namespace, slash, name = where.partition("/")
    if not slash:
        raise InvalidValue(
            f"what-if pod {text!r}: write NAMESPACE/NAME[:KEY=VALUE,...], like "
            "'billing/probe:app=probe'"
        )
    names.dns_label(namespace, f"what-if pod {text!r}: namespace")
    names.dns_subdomain(name, f"what-if pod {text!r}: name")
    labels = parse_labels(label_text, f"what-if pod {text!r}") if colon else frozen_labels()
    return WhatIfPod(namespace, name, labels)


def parse_namespace(text: str) -> WhatIfNamespace:
    """`billing:team=payments` (labels optional)."""
    name, colon, label_text = text.partition(":")
    names.dns_label(name, f"what-if namespace {text!r}: name")
    labels = parse_labels(label_text, f"what-if namespace {text!r}") if colon else frozen_labels()
    return WhatIfNamespace(name, labels)


def with_what_if(
    model: NetworkModel,
    pods: Sequence[WhatIfPod] = (),
    namespaces: Sequence[WhatIfNamespace] = (),
) -> NetworkModel:
    """`model` with the hypothetical namespaces' labels and pods added."""
    if not pods and not namespaces:
        return model
    declared = {ns.name: ns for ns in model.namespaces}
    for extra in namespaces:
        known = declared.get(extra.name) or model.namespace(extra.name)
        declared[extra.name] = replace(
            known, labels=frozen_labels({**known.labels, **extra.labels}), declared=True
        )
    existing = {(w.namespace, w.name): w for w in model.workloads}
    added: list[Workload] = []
    for pod in pods:
        clash = existing.get((pod.namespace, pod.name))
        if clash is not None:
            raise InvalidValue(
                f"what-if pod {pod.namespace}/{pod.name}: the input has {clash.ref}; give "
                "the hypothetical pod another name"
            )
        existing[(pod.namespace, pod.name)] = workload = Workload(
            kind=WHAT_IF_KIND,
            name=pod.name,
            namespace=pod.namespace,
            labels=pod.labels,
            source="what-if",
        )
        added.append(workload)
        declared.setdefault(pod.namespace, Namespace(pod.namespace, source="what-if"))
    return replace(
        model,
        namespaces=tuple(declared.values()),
        workloads=(*model.workloads, *added),
    )
