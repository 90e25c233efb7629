"""Computed reachability against enforced reachability, on a running cluster.

`plan` pairs every workload with every other (and itself, when it has two pods
running) on every port the
destination's containers declare, and asks netkit's model whether the policies allow
it. `run` then tries each connection from inside a pod of the source, to a pod of the
destination, and records what the cluster's enforcer did. A disagreement means one of
the two is wrong: the model, or the enforcement.

The probes of one source pod run in one exec (`batch_script`: a POSIX sh script that
starts every client in the background, each printing `INDEX STATUS`, then waits), a few
pods at a time. Every probe that did not connect is then tried once more, the same way
and waiting longer (`RETRY_TIMEOUT`): a connection the cluster allows can be slow on a
loaded machine, while a retry cannot make one it blocks succeed. A probe without an
answer on either try counts as not connected, with its `failure` said.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from netkit.bounded import run_within
from netkit.enforcers import deviation_for, kube_router_deviations, unenforced_kinds
from netkit.model import NetworkModel, Workload
from netkit.reachability import Reachability, analyze

PROBE_TIMEOUT = 1
"""Seconds a probe waits for a connection (the client's -w) on its first try."""

RETRY_TIMEOUT = 2
"""Seconds a probe that did not connect waits on its second try: on a loaded machine a
connection the cluster allows can take longer than `PROBE_TIMEOUT`. A longer wait cannot
make a connection the cluster denies succeed."""

EXEC_SLACK = 8
"""Seconds a pod's exec may take beyond its clients' wait (the API server, the runtime)."""

NOT_RUN = frozenset({126, 127})
"""The shell's exit status for a client it could not run (not executable, not found)."""

TEMPLATE_LABELS = frozenset(
    {"pod-template-hash", "controller-revision-hash", "pod-template-generation"}
)
"""Labels the controllers add to pods, not part of the workload's template."""


@dataclass(frozen=True)
class LivePod:
    namespace: str
    name: str
    ip: str
    container: str
    labels: Mapping[str, str]


@dataclass(frozen=True)
class Probe:
    src: Workload
    dst: Workload
    src_pod: LivePod
    dst_pod: LivePod
    port: int
    protocol: str
    expected: bool
    """What netkit's model computes: the policies allow it."""

    def describe(self) -> str:
        return f"{self.src.ref} -> {self.dst.ref} {self.port}/{self.protocol}"


@dataclass(frozen=True)
class Outcome:
    probe: Probe
    connected: bool
    cause: str = ""
    """What explains a disagreement when netkit knows (`label`): an enforcer's known
    deviation, or a policy of a kind the enforcer does not apply."""
    failure: str = ""
    """Why the probe gave no answer in its source pod (its exec failed or ended before
    the client did, or the client could not run), after its retry too. Such a probe
    counts as not connected, as a failed exec always has; `netkit probe` says how many."""

    @property
    def agrees(self) -> bool:
        return self.connected == self.probe.expected

    def line(self) -> str:
        said = "allowed" if self.probe.expected else "denied"
        did = "connected" if self.connected else "was blocked"
        cause = f" ({self.cause})" if self.cause else ""
        return f"{self.probe.describe()}: netkit computes {said}, the cluster {did}{cause}"


def tiered_kinds(model: NetworkModel) -> list[str]:
    """The kinds of the model's policies beyond NetworkPolicy (and Calico Tiers), sorted."""
    kinds = {p.kind for p in model.tiered_policies}
    if model.policy_tiers:
        kinds.add("Tier")
    return sorted(kinds)


def limits_note(model: NetworkModel, enforcer: str | None) -> str | None:
    """What `netkit probe` says before probing a cluster that holds tiered policies."""
    kinds = tiered_kinds(model)
    if not kinds:
        return None
    held = ", ".join(kinds[:-1]) + (" and " if len(kinds) > 1 else "") + kinds[-1]
    unenforced = unenforced_kinds(model, enforcer) if enforcer else kinds
    said = (
        f"{enforcer} applies none of {', '.join(unenforced)}"
        if enforcer and unenforced
        else f"{enforcer} applies them"
        if enforcer
        else "no enforcer of these kinds is named (--enforcer)"
    )
    return (
        f"the cluster holds {held} objects; probes test what its enforcer applies, and {said}. "
        "On netkit's local cluster no enforcer of these kinds runs (kube-router enforces "
        "NetworkPolicies only; Calico is not served there, kube-network-policies needs the "
        "nftables queue expression, Antrea Open vSwitch), so they cannot be checked live: a "
        "disagreement one of them explains is labelled as such (docs/policy-tiers.md)"
    )


def label(
    outcomes: Sequence[Outcome],
    model: NetworkModel,
    reach: Reachability,
    enforcer: str | None,
) -> list[Outcome]:
    """`outcomes`, each disagreement with the cause netkit knows of, if any."""
    deviations = kube_router_deviations(model) if enforcer == "kube-router" else []
    unenforced = set(unenforced_kinds(model, enforcer) if enforcer else tiered_kinds(model))
    kinds = {p.ref: p.kind for p in model.tiered_policies}
    labelled: list[Outcome] = []
    for outcome in outcomes:
        if outcome.agrees:
            labelled.append(outcome)
            continue
        probe = outcome.probe
        cause = ""
        found = deviation_for(deviations, model, probe.src, probe.dst, probe.protocol, probe.port)
        if found is not None and outcome.connected:
            cause = f"kube-router's known deviation: {found.reason}"
        elif unenforced:
            deciding = _deciding_policies(reach, probe, kinds)
            hit = [ref for ref in deciding if kinds[ref] in unenforced]
            if hit:
                cause = (
                    f"decided by {', '.join(hit)}, of a kind the cluster's enforcer does not apply"
                )
        labelled.append(replace(outcome, cause=cause))
    return labelled


def _deciding_policies(reach: Reachability, probe: Probe, kinds: Mapping[str, str]) -> list[str]:
    """The tiered policies whose steps took the probe's port in its pair's walk."""
    explanation = reach.explain(probe.src, probe.dst)
    refs: list[str] = []
    for verdict in (explanation.egress, explanation.ingress):
        for step in verdict.steps if verdict is not None else ():
            if not step.conns.allows(probe.protocol, probe.port):
                continue
            for ref in step.policy.split(", "):
                if ref in kinds and ref not in refs:
                    refs.append(ref)
    return refs


def live_pods(objects: Iterable[tuple[str, Mapping[str, Any]]]) -> list[LivePod]:
    """Running pods with an address and a container, from the objects of a cluster."""
    pods: list[LivePod] = []
    for _source, obj in objects:
        if obj.get("kind") != "Pod":
            continue
        status, meta, spec = obj.get("status", {}), obj.get("metadata", {}), obj.get("spec", {})
        ready = any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in status.get("conditions") or []
        )
        if status.get("phase") != "Running" or not status.get("podIP") or not ready:
            continue
        if spec.get("hostNetwork"):
            continue
        pods.append(
            LivePod(
                meta["namespace"],
                meta["name"],
                status["podIP"],
                spec["containers"][0]["name"],
                dict(meta.get("labels") or {}),
            )
        )
    return sorted(pods, key=lambda p: (p.namespace, p.name))


def _template(labels: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in labels.items() if k not in TEMPLATE_LABELS}


def _pods_of(workload: Workload, pods: Sequence[LivePod]) -> list[LivePod]:
    """The pods of `workload`: a bare pod by its name, others by their template's labels."""
    want = _template(workload.labels)
    return [
        pod
        for pod in pods
        if pod.namespace == workload.namespace
        and (pod.name == workload.name if workload.kind == "Pod" else _template(pod.labels) == want)
    ]


def plan(
    model: NetworkModel,
    pods: Sequence[LivePod],
    *,
    namespaces: Iterable[str] | None = None,
    limit: int = 2000,
    reach: Reachability | None = None,
) -> list[Probe]:
    """Every (source, destination, declared port) among workloads with a running pod,
    with the model's verdict; at most `limit` probes (ValueError beyond)."""
    reach = reach or analyze(model)
    only = set(namespaces) if namespaces is not None else None
    chosen = [
        (w, found)
        for w in sorted(model.workloads, key=lambda w: w.ref)
        if (only is None or w.namespace in only) and (found := _pods_of(w, pods))
    ]
    probes: list[Probe] = []
    for src, src_pods in chosen:
        src_pod = src_pods[0]
        for dst, dst_pods in chosen:
            # A pod reaches itself whatever the policies say: a workload is probed to
            # itself only from one of its pods to another.
            others = [pod for pod in dst_pods if pod != src_pod]
            if not others:
                continue
            dst_pod = others[0]
            allowed = reach.allowed(src, dst)
            for port in sorted({(p.port, p.protocol) for p in dst.ports}):
                probes.append(
                    Probe(
                        src,
                        dst,
                        src_pod,
                        dst_pod,
                        port[0],
                        port[1],
                        allowed.allows(port[1], port[0]),
                    )
                )
    if len(probes) > limit:
        raise ValueError(f"{len(probes)} probes, more than the limit of {limit}")
    return probes


Exec = Callable[[LivePod, list[str], float], tuple[int, str]]
"""Run a command in a pod's container within a timeout (seconds): its exit code (-1 when
the exec itself failed or did not end in time) and what it wrote to stdout."""


def probe_command(probe: Probe, wait: int = PROBE_TIMEOUT) -> list[str]:
    """The client command run in the source pod: exit 0 when the connection is made
    within `wait` seconds."""
    if probe.protocol == "UDP":
        return ["netkit-probe", "udp", probe.dst_pod.ip, str(probe.port), str(wait)]
    return ["nc", "-w", str(wait), probe.dst_pod.ip, str(probe.port)]


def batch_script(probes: Sequence[Probe], wait: int = PROBE_TIMEOUT) -> str:
    """The POSIX sh script a source pod runs for `probes` (all from that pod): every
    client at once in the background, each printing one line `INDEX STATUS` when it ends
    (its position in `probes`, its exit status), then `wait` for all of them."""
    lines = [
        f"( {shlex.join(probe_command(probe, wait))} </dev/null >/dev/null 2>&1; "
        f'echo "{index} $?" ) &'
        for index, probe in enumerate(probes)
    ]
    return "\n".join([*lines, "wait", ""])


_ANSWER = re.compile(r"([0-9]{1,6}) ([0-9]{1,3})")


def parse_answers(output: str, count: int) -> list[int | None]:
    """The exit status of each of the `count` clients of a batch, in their order, from
    the lines `INDEX STATUS` of its output; None for a client without exactly one such
    line (its exec failed or ended first). Other lines are ignored."""
    found: dict[int, int | None] = {}
    for line in output.splitlines():
        match = _ANSWER.fullmatch(line.strip())
        if match is None:
            continue
        index, status = int(match[1]), int(match[2])
        if index < count and status <= 255:
            found[index] = None if index in found else status
    return [found.get(index) for index in range(count)]


def _judged(probe: Probe, status: int | None, code: int) -> Outcome:
    pod = f"{probe.src_pod.namespace}/{probe.src_pod.name}"
    if status is None:
        return Outcome(probe, False, failure=f"{pod}: no answer (its exec exited {code})")
    if status in NOT_RUN:
        client = probe_command(probe)[0]
        return Outcome(probe, False, failure=f"{pod}: {client} could not run (exit {status})")
    return Outcome(probe, status == 0)


def _by_source(probes: Sequence[Probe], indices: Iterable[int]) -> list[list[int]]:
    """`indices` of `probes` grouped by source pod, in the order of their first probe."""
    groups: dict[tuple[str, str], list[int]] = {}
    for index in indices:
        pod = probes[index].src_pod
        groups.setdefault((pod.namespace, pod.name), []).append(index)
    return list(groups.values())


def run(
    probes: Sequence[Probe], execute: Exec, *, deadline: float = 600, parallel: int = 8
) -> list[Outcome]:
    """Each probe from inside its source pod: one exec per source pod runs all of its
    probes at once (`batch_script`), `parallel` pods at a time. Every probe that did not
    connect is then tried once more, the same way, waiting `RETRY_TIMEOUT` seconds. All
    within `deadline` seconds (TimeoutError beyond); outcomes in the order of `probes`."""
    started = time.monotonic()
    outcomes: dict[int, Outcome] = {}

    def batch(wait: int) -> Callable[[list[int]], list[Outcome]]:
        def one(indices: list[int]) -> list[Outcome]:
            chosen = [probes[index] for index in indices]
            timeout = wait + EXEC_SLACK + len(chosen) / 4
            command = ["sh", "-c", batch_script(chosen, wait)]
            code, output = execute(chosen[0].src_pod, command, timeout)
            statuses = parse_answers(output, len(chosen))
            return [_judged(p, s, code) for p, s in zip(chosen, statuses, strict=True)]

        return one

    for wait, unit in (
        (PROBE_TIMEOUT, "source pods' probes"),
        (RETRY_TIMEOUT, "source pods' retries"),
    ):
        pending = [index for index in range(len(probes)) if not _settled(outcomes.get(index))]
        groups = _by_source(probes, pending)
        found = run_within(
            groups, batch(wait), deadline=deadline, parallel=parallel, started=started, unit=unit
        )
        for indices, tried in zip(groups, found, strict=True):
            for index, outcome in zip(indices, tried, strict=True):
                earlier = outcomes.get(index)
                # A retry that gave no answer leaves the first try's answer, if it had one.
                if earlier is None or not outcome.failure or earlier.failure:
                    outcomes[index] = outcome
    return [outcomes[index] for index in range(len(probes))]


def failure_note(outcomes: Sequence[Outcome]) -> str | None:
    """What `netkit probe` says of the probes that gave no answer in their pod, if any."""
    failures = list(dict.fromkeys(o.failure for o in outcomes if o.failure))
    if not failures:
        return None
    count = sum(1 for o in outcomes if o.failure)
    shown = "; ".join(failures[:3]) + ("; ..." if len(failures) > 3 else "")
    return (
        f"{count} of {len(outcomes)} probes gave no answer in their source pod, on either "
        f"try, and count as not connected: {shown}"
    )


def _settled(outcome: Outcome | None) -> bool:
    """A probe that connected is not tried again; one that did not (or gave no answer) is."""
    return outcome is not None and outcome.connected
