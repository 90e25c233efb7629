"""Network privileges of pods: NET_RAW kept, the Docker socket mounted, host ports outside
the agreed range. The analysis is `netkit.privileges`."""

from __future__ import annotations

from collections.abc import Iterator

from netkit.model import Container, Workload
from netkit.privileges import (
    PortRange,
    docker_socket_mounts,
    host_ports_outside,
    net_raw_kept,
)
from netkit_policies.rules.base import (
    Context,
    Level,
    ResourceRef,
    Rule,
    RuleConfig,
    Severity,
    Violation,
    string_list_option,
    strings,
)

WORKLOAD_TYPES = ("kubernetes:apps/", "kubernetes:batch/", "kubernetes:core/v1:Pod")


def _where(workload: Workload, container: Container) -> str:
    return (
        f"{workload.kind} {workload.namespace}/{workload.name} "
        f"{container.section[:-1] if container.section.endswith('s') else container.section} "
        f"{container.name!r}"
    )


def _allowed(config: RuleConfig, workload: Workload) -> bool:
    return f"{workload.namespace}/{workload.name}" in set(strings(config, "allowedWorkloads"))


ALLOWED_WORKLOADS = string_list_option(
    "Workloads allowed anyway, as `namespace/name`.", format="namespaced-name"
)


def _check_net_raw(context: Context, config: RuleConfig) -> Iterator[Violation]:
    for found in net_raw_kept(context.model):
        if _allowed(config, found.workload):
            continue
        if found.added:
            problem = "adds NET_RAW back in securityContext.capabilities.add"
            fix = "remove it from capabilities.add"
        else:
            problem = "does not drop NET_RAW, which the container runtime grants by default"
            fix = "add NET_RAW (or ALL) to securityContext.capabilities.drop"
        yield Violation(
            ResourceRef.workload(found.workload),
            f"{_where(found.workload, found.container)} {problem}, so it can forge packets "
            f"(ARP and DNS spoofing of its neighbours); {fix}",
        )


NET_RAW = Rule(
    name="k8s-workload-require-drop-net-raw",
    description="Checks that every container drops the NET_RAW capability.",
    level=Level.ADVISORY,
    severity=Severity.MEDIUM,
    remediation="Drop NET_RAW in every container's securityContext.capabilities.drop (or drop ALL and add back what the container needs).",
    url="https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
    tags=("kubernetes", "workload", "pod-privileges"),
    check=_check_net_raw,
    config={"allowedWorkloads": ALLOWED_WORKLOADS},
    watches=WORKLOAD_TYPES,
)


def _check_docker_socket(context: Context, config: RuleConfig) -> Iterator[Violation]:
    for workload, path in docker_socket_mounts(context.model):
        if _allowed(config, workload):
            continue
        yield Violation(
            ResourceRef.workload(workload),
            f"{workload.kind} {workload.namespace}/{workload.name} mounts the Docker socket "
            f"{path!r} from the host, which hands its pods the Docker daemon and so root on "
            "the node; remove the hostPath volume",
        )


DOCKER_SOCKET = Rule(
    name="k8s-workload-disallow-docker-socket",
    description="Checks that no workload mounts the Docker socket from the host.",
    level=Level.MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Remove the hostPath volume mounting the Docker socket; a workload that needs to build or run containers should use a rootless builder or the Kubernetes API.",
    url="https://kubernetes.io/docs/concepts/storage/volumes/#hostpath",
    tags=("kubernetes", "workload", "pod-privileges"),
    check=_check_docker_socket,
    config={"allowedWorkloads": ALLOWED_WORKLOADS},
    watches=WORKLOAD_TYPES,
)

DEFAULT_HOST_PORT_RANGES = ["5000-6000"]


def _check_host_port_range(context: Context, config: RuleConfig) -> Iterator[Violation]:
    ranges = [PortRange.parse(text) for text in strings(config, "allowedRanges")]
    shown = ", ".join(str(r) for r in ranges) or "none"
    for found in host_ports_outside(context.model, ranges):
        if _allowed(config, found.workload):
            continue
        yield Violation(
            ResourceRef.workload(found.workload),
            f"{_where(found.workload, found.container)} binds hostPort {found.port}, outside "
            f"the allowed range ({shown}); pick a host port in range, or expose the port "
            "through a Service",
        )


HOST_PORT_RANGE = Rule(
    name="k8s-workload-restrict-host-port-range",
    description="Checks that every hostPort lies in the allowed ranges.",
    level=Level.ADVISORY,
    severity=Severity.MEDIUM,
    remediation="Use a hostPort inside the allowed ranges (this rule's allowedRanges), or none: reach the pods through a Service.",
    url="https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
    tags=("kubernetes", "workload", "pod-privileges"),
    check=_check_host_port_range,
    config={
        "allowedRanges": {
            "type": "array",
            "items": {"type": "string", "format": "port-range"},
            "default": DEFAULT_HOST_PORT_RANGES,
            "description": "Host port ranges allowed, as 'FIRST-LAST' (Kyverno's "
            "disallow-host-ports-range default: 5000-6000).",
        },
        "allowedWorkloads": ALLOWED_WORKLOADS,
    },
    watches=WORKLOAD_TYPES,
)

RULES = (NET_RAW, DOCKER_SOCKET, HOST_PORT_RANGE)
