"""The network plugin underneath: NetworkPolicies need a CNI that enforces them, and
traffic between Docker hosts needs an overlay, not a bridge.
"""

from __future__ import annotations

from collections.abc import Iterator

from netkit.cni import ENFORCES_NETWORK_POLICY
from netkit.resources import CONTAINER_TYPE, NETWORK_TYPE
from netkit_policies.rules.base import (
    Context,
    Level,
    ResourceRef,
    Rule,
    RuleConfig,
    Violation,
    plural,
)

CNI_TYPES = (
    "kubernetes:operator.tigera.io/",
    "kubernetes:helm.sh/",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
)


def _check_enforcement(context: Context, config: RuleConfig) -> Iterator[Violation]:
    policies = context.model.network_policies
    if not policies:
        return
    cluster = str(config.get("clusterCni") or "").lower()
    if ENFORCES_NETWORK_POLICY.get(cluster, False):
        return
    installed = context.model.cni
    if any(install.enforces_network_policy for install in installed):
        return
    count = f"{len(policies)} NetworkPolic{'y' if len(policies) == 1 else 'ies'}"
    non_enforcing = [install for install in installed if not install.enforces_network_policy]
    if non_enforcing:
        install = non_enforcing[0]
        yield Violation(
            ResourceRef.cni(install),
            f"the stack declares {count} but its CNI is {install.plugin.capitalize()} alone, "
            "which does not enforce NetworkPolicies: the API server accepts them and nothing "
            "applies them; install Calico (kubernetes.calico in the stack file) or Cilium, or "
            "run Flannel with Calico's policy engine (Canal)",
        )
        return
    named = f" (clusterCni {cluster!r} does not enforce them)" if cluster else ""
    yield Violation(
        ResourceRef.stack(),
        f"the stack declares {count} but installs no CNI that enforces them{named}: without "
        "one they are accepted and silently ignored; install Calico (kubernetes.calico in the "
        "stack file), or set clusterCni in this rule's config to the plugin the cluster "
        "already runs (calico, cilium, ...)",
    )


POLICY_ENFORCEMENT = Rule(
    name="k8s-cni-require-policy-enforcement",
    description="Checks that a stack with NetworkPolicies runs a CNI that enforces them "
    "(not Flannel alone, not none).",
    level=Level.MANDATORY,
    check=_check_enforcement,
    config={
        "clusterCni": {
            "type": "string",
            "enum": ["", *ENFORCES_NETWORK_POLICY],
            "default": "",
            "description": "The CNI the cluster already runs when the stack does not install "
            "one (calico, cilium, canal, kube-router, antrea, weave, flannel).",
        }
    },
    watches=CNI_TYPES,
)


def _check_bridges(context: Context, config: RuleConfig) -> Iterator[Violation]:
    hosts = context.model.docker_hosts
    spans = (
        f"the stack spans {plural(hosts, 'Docker host')}"
        if hosts > 1
        else "label netkit.multi-host"
    )
    for network in context.model.docker_networks:
        if network.driver == "overlay" or not network.multi_host:
            continue
        yield Violation(
            ResourceRef.network(network),
            f"docker bridge {network.name!r} is meant to carry traffic between hosts "
            f"({spans}), but a bridge only connects containers on one host; use an overlay "
            "network (docker.overlays), encrypted if the traffic crosses an untrusted network",
        )
    # A container placed on one host and attached to a bridge of another: the engine has
    # no such network (or a different one of the same name), never a path to the bridge.
    bridges = {n.name: n for n in context.model.docker_networks if n.driver != "overlay" and n.host}
    for container in context.model.docker_containers:
        for attachment in container.networks:
            bridge = bridges.get(attachment.network)
            if bridge is None or not container.host or bridge.host == container.host:
                continue
            yield Violation(
                ResourceRef.container(container),
                f"container {container.name!r} on host {container.host!r} joins docker bridge "
                f"{bridge.name!r} of host {bridge.host!r}, but a bridge only connects "
                "containers on its own host; attach both to an overlay network "
                "(docker.overlays)",
            )


BRIDGE_ACROSS_HOSTS = Rule(
    name="docker-network-disallow-bridge-across-hosts",
    description="Checks that no Docker bridge is meant to carry traffic between hosts, "
    "and no container joins a bridge of another host (that takes an overlay).",
    level=Level.MANDATORY,
    check=_check_bridges,
    watches=(NETWORK_TYPE, CONTAINER_TYPE),
)

RULES = (POLICY_ENFORCEMENT, BRIDGE_ACROSS_HOSTS)
