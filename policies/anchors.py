"""Which rules of the field's tools each netkit rule corresponds to.

The anchors are the tools whose own test fixtures netkit's rules are judged against (the
policy-anchors conformance corpus): kube-linter, Kyverno's policy library, Polaris,
Checkov, and Calico with the Tigera operator. A rule with no entry here has no anchor:
it checks what only netkit's model knows (Docker networks, the declared intent). The
rule table of docs/reference.md is generated from this table.
"""

from __future__ import annotations

from collections.abc import Mapping

ANCHORS: Mapping[str, tuple[str, ...]] = {
    "docker-network-disallow-subnet-overlap": ("Calico IPPool create (overlapping pools)",),
    "calico-ippool-require-valid-config": (
        "Calico IPPool validation",
        "Tigera operator Installation ipPools validation",
    ),
    "k8s-workload-require-network-policy": (
        "kube-linter non-isolated-pod",
        "Kyverno require-netpol",
        "Polaris missingNetworkPolicy",
        "Checkov CKV2_K8S_6",
    ),
    "k8s-networkpolicy-restrict-empty-pod-selector": (
        "Kyverno restrict-networkpolicy-empty-podselector",
    ),
    "k8s-networkpolicy-disallow-dangling": (
        "kube-linter dangling-networkpolicy",
        "kube-linter dangling-networkpolicypeer-podselector",
    ),
    "k8s-service-restrict-type": (
        "kube-linter exposed-services",
        "Kyverno restrict-node-port",
        "Kyverno restrict-loadbalancer",
    ),
    "k8s-service-restrict-external-ips": ("Kyverno restrict-service-external-ips",),
    "k8s-ingress-require-tls": (
        "Kyverno require-ingress-https",
        "Kyverno ingress-host-match-tls",
        "Polaris tlsSettingsMissing",
    ),
    "k8s-ingress-disallow-wildcard-host": (
        "Kyverno restrict-ingress-wildcard",
        "Kyverno disallow-empty-ingress-host",
        "Kyverno restrict-ingress-defaultbackend",
    ),
    "k8s-ingress-require-unique-host-path": ("Kyverno unique-ingress-host-and-path",),
    "k8s-ingress-disallow-snippet-annotations": (
        "Kyverno disallow-ingress-nginx-custom-snippets",
        "Checkov CKV_K8S_153",
    ),
    "k8s-workload-disallow-host-network": (
        "kube-linter host-network",
        "Kyverno disallow-host-namespaces (network)",
        "Kyverno disallow-host-ports",
        "Polaris hostNetworkSet",
        "Polaris hostPortSet",
        "Checkov CKV_K8S_19",
        "Checkov CKV_K8S_26",
    ),
    "k8s-service-disallow-dangling": ("kube-linter dangling-service",),
    "k8s-service-require-declared-target-port": (
        "kube-linter invalid-target-ports (malformed names are refused when read)",
    ),
    "k8s-ingress-disallow-dangling-backend": ("kube-linter dangling-ingress",),
    "k8s-workload-require-drop-net-raw": (
        "kube-linter drop-net-raw-capability",
        "Kyverno drop-cap-net-raw",
        "Checkov CKV_K8S_28",
    ),
    "k8s-workload-disallow-docker-socket": ("kube-linter docker-sock", "Checkov CKV_K8S_27"),
    "k8s-workload-restrict-host-port-range": ("Kyverno disallow-host-ports-range",),
}
