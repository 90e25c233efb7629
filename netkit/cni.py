"""CNI plugins: which one a resource or a workload is, and whether it enforces
NetworkPolicy. One table for the resources reader (Helm charts, the Tigera operator),
the manifest reader (the plugin's agent DaemonSet) and the policy rule (`clusterCni`).
"""

from __future__ import annotations

from netkit.model import CniInstall

ENFORCES_NETWORK_POLICY = {
    "calico": True,
    "cilium": True,
    "canal": True,
    "kube-router": True,
    "antrea": True,
    "weave": True,
    "flannel": False,
}
"""Every plugin netkit recognises, and whether it applies NetworkPolicies."""

AGENT_DAEMONSETS = {
    "calico-node": "calico",
    "cilium": "cilium",
    "canal": "canal",
    "kube-router": "kube-router",
    "antrea-agent": "antrea",
    "weave-net": "weave",
    "kube-flannel-ds": "flannel",
    "flannel": "flannel",
}
"""The DaemonSet each plugin runs on every node, by its usual name."""

# In order: Canal's chart carries Calico and Flannel in its name, the operator Calico's.
_CHART_FRAGMENTS = (
    ("canal", "canal"),
    ("tigera-operator", "calico"),
    ("calico", "calico"),
    ("cilium", "cilium"),
    ("kube-router", "kube-router"),
    ("antrea", "antrea"),
    ("weave", "weave"),
    ("flannel", "flannel"),
)


def install(name: str, plugin: str, source: str) -> CniInstall:
    """A `CniInstall` of a recognised `plugin`."""
    return CniInstall(name, plugin, ENFORCES_NETWORK_POLICY[plugin], source)


def plugin_of_chart(chart: str) -> str | None:
    """The plugin a Helm chart (its name or path) installs, if it is a CNI's."""
    lowered = chart.lower()
    return next((plugin for fragment, plugin in _CHART_FRAGMENTS if fragment in lowered), None)


def plugin_of_daemonset(name: str) -> str | None:
    """The plugin whose agent a DaemonSet named `name` is, if any."""
    return AGENT_DAEMONSETS.get(name)
