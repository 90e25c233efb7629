"""Rules fed by observed traffic: a learned file of `netkit learn --format json`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from netkit.errors import NetkitError
from netkit_policies.rules.base import (
    Context,
    Level,
    ResourceRef,
    Rule,
    RuleConfig,
    Severity,
    Violation,
)

KUBERNETES = "kubernetes:"


def _check_unused(context: Context, config: RuleConfig) -> Iterator[Violation]:
    name = str(config.get("learnedFile") or "")
    connections = context.model.connections
    if not name or connections is None:
        return  # nothing learned to judge by (the rule is fed by a learned file)
    # Imported when a learned file is named: the pack's start-up does not pay for it.
    from netkit.observed.learn import endpoint_text, port_text
    from netkit.observed.learned import parse_duration, read_learned

    window = parse_duration(config.get("window", "7d"))
    try:
        learned = read_learned(Path(name))
    except NetkitError as error:
        # Said where the rule's findings go: the pack reports it, `netkit check` too.
        yield Violation(ResourceRef.stack(), "; ".join(error.problems))
        return
    if learned.length < window:
        yield Violation(
            ResourceRef.stack(),
            f"the learned file {name} covers {learned.length} of traffic, less than the rule's "
            f"window ({config.get('window')}); learn over a longer window (or shorten "
            "`window`) before judging what is unused",
        )
        return
    workloads = {(w.namespace, w.name): w for w in context.model.workloads}
    since = learned.start.isoformat(timespec="seconds")
    for index, conn in enumerate(connections):
        src, dst = endpoint_text(conn.source), endpoint_text(conn.destination)
        for port in conn.ports:
            key = (src, dst, port_text(port), port.protocol.upper())
            if key in learned.used:
                continue
            workload = workloads.get((conn.source.namespace or "", conn.source.workload or ""))
            resource = ResourceRef.workload(workload) if workload else ResourceRef.stack()
            yield Violation(
                resource,
                f"{src} -> {dst} on {port_text(port)}/{port.protocol.upper()} "
                f"(kubernetes.connections[{index}]) is declared but was not used in "
                f"{learned.length} of traffic since {since} ({name}); remove it from "
                "kubernetes.connections, or learn again over a window that exercises it",
                value=src,
            )


UNUSED = Rule(
    name="k8s-connection-disallow-unused",
    description="Checks that every connection the stack spec declares was used in the "
    "window of a learned file (netkit learn --format json); off unless the pack config "
    "names the file.",
    level=Level.DISABLED,
    severity=Severity.MEDIUM,
    remediation="Remove the unused entry from kubernetes.connections in the stack file "
    "(`netkit learn --stack NAME --flows FILE --write` proposes it as a diff), or learn "
    "again over a window in which the connection is exercised.",
    url="https://kubernetes.io/docs/concepts/services-networking/network-policies/",
    tags=("kubernetes", "networkpolicy", "least-privilege", "observed"),
    check=_check_unused,
    config={
        "learnedFile": {
            "type": "string",
            "default": "",
            "description": "Path of the learned file (`netkit learn --format json` output); "
            "absolute, or relative to the working folder of the process that runs the rules (an "
            "absolute path is safest under pulumi preview). Empty: the rule has nothing to judge by.",
        },
        "window": {
            "type": "string",
            "format": "duration",
            "default": "7d",
            "description": "How much traffic the learned file must cover before an unused "
            "connection is flagged (s, m, h, d, w); a shorter file is one violation saying so.",
        },
    },
    watches=(KUBERNETES,),
)

RULES = (UNUSED,)
