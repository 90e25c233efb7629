"""The network plugin underneath: NetworkPolicies need a CNI that enforces them, and
traffic between Docker hosts needs an overlay, not a bridge.
"""

from __future__ import annotations

from collections.abc import Iterator

from netkit.cni import ENFORCES_NETWORK_POLICY
from netkit.enforcers import kube_router_deviations, unenforced_kinds
from netkit.resources import CONTAINER_TYPE, NETWORK_TYPE
from netkit_policies.rules.base import (
    Context,
    Level,
    ResourceRef,
    Rule,
    RuleConfig,
    Severity,
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
        "stack file), or name the plugin the cluster already runs (calico, kube-router, ...) "
        "in kubernetes.clusterCni of the stack file or clusterCni of this rule's config",
    )


POLICY_ENFORCEMENT = Rule(
    name="k8s-cni-require-policy-enforcement",
    description="Checks that a stack with NetworkPolicies runs a CNI that enforces them "
    "(not Flannel alone, not none).",
    level=Level.MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Install a CNI that enforces NetworkPolicies: set kubernetes.calico in the stack file, or name the plugin the cluster already runs (calico, cilium, kube-router, ...) in kubernetes.clusterCni (or this rule's clusterCni config). Flannel alone does not enforce them.",
    url="https://kubernetes.io/docs/concepts/services-networking/network-policies/#prerequisites",
    tags=("kubernetes", "cni"),
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


def _enforcers(context: Context, config: RuleConfig) -> list[str]:
    """The plugins that enforce policy here: installed ones, and the clusterCni named."""
    plugins = [install.plugin for install in context.model.cni]
    cluster = str(config.get("clusterCni") or "").lower()
    if cluster:
        plugins.append(cluster)
    return list(dict.fromkeys(plugins))


def _check_tiered_enforcement(context: Context, config: RuleConfig) -> Iterator[Violation]:
    model = context.model
    enforced = [p for p in model.tiered_policies if p.staged is None]
    if not enforced and not model.policy_tiers:
        return
    plugins = _enforcers(context, config)
    missing = (
        set.intersection(*(set(unenforced_kinds(model, plugin)) for plugin in plugins))
        if plugins
        else set(unenforced_kinds(model, ""))
    )
    if not missing:
        return
    by = (
        f"{' and '.join(plugins)} enforce{'s' if len(plugins) == 1 else ''} none of them"
        if plugins
        else "the stack names no CNI that enforces them"
    )
    for policy in enforced:
        if policy.kind not in missing:
            continue
        yield Violation(
            ResourceRef.tiered(policy),
            f"{policy.kind} {policy.ref} is accepted by the API server (its CRD installed) "
            f"but {by}: nothing applies it; run a CNI that enforces {policy.kind} (Calico "
            "enforces Calico's kinds and the network-policy API's), or write NetworkPolicies",
        )


TIERED_ENFORCEMENT = Rule(
    name="k8s-cni-require-tiered-policy-enforcement",
    description="Checks that every cluster-wide or Calico policy of the stack has a CNI "
    "that enforces its kind (kube-router, for one, enforces NetworkPolicies only).",
    level=Level.MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Run a CNI that enforces the policy's kind (Calico enforces Calico's kinds and the network-policy API's) and name it in kubernetes.clusterCni, or write NetworkPolicies instead.",
    url="https://network-policy-api.sigs.k8s.io/implementations/",
    tags=("kubernetes", "cni"),
    check=_check_tiered_enforcement,
    config={"clusterCni": POLICY_ENFORCEMENT.config["clusterCni"]},
    watches=CNI_TYPES,
)


def _check_deviations(context: Context, config: RuleConfig) -> Iterator[Violation]:
    if "kube-router" not in _enforcers(context, config):
        return
    for deviation in kube_router_deviations(context.model):
        yield Violation(ResourceRef.policy(deviation.policy), deviation.text())


ENFORCER_DEVIATIONS = Rule(
    name="k8s-enforcer-known-deviation",
    description="Checks that no NetworkPolicy of the stack meets a known defect of its "
    "enforcer (kube-router v2.1.0: addresses leaking between pods' same-named ports), "
    "naming the connections it will enforce differently.",
    level=Level.ADVISORY,
    severity=Severity.MEDIUM,
    remediation="Give each pod's ports names of their own (or number the rule's ports) where the finding says the enforcer will differ, or run an enforcer without the defect.",
    url="https://github.com/cloudnativelabs/kube-router/blob/master/pkg/controllers/netpol/policy.go",
    tags=("kubernetes", "cni"),
    check=_check_deviations,
    config={"clusterCni": POLICY_ENFORCEMENT.config["clusterCni"]},
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
    severity=Severity.MEDIUM,
    remediation="Put containers that talk across hosts on an overlay (docker.overlays) instead of a bridge; attach each container only to bridges of its own host (docker.containers[].host).",
    url="https://docs.docker.com/engine/network/drivers/overlay/",
    tags=("docker", "network", "cni"),
    check=_check_bridges,
    watches=(NETWORK_TYPE, CONTAINER_TYPE),
)

RULES = (POLICY_ENFORCEMENT, TIERED_ENFORCEMENT, ENFORCER_DEVIATIONS, BRIDGE_ACROSS_HOSTS)
