"""The Calico CNI: the Tigera operator (Helm chart) and its Installation."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from netkit.spec import CalicoSpec, calico_block_size

CalicoInstallArgs = CalicoSpec
"""Inputs of `CalicoInstall` (the same record as `kubernetes.calico`)."""


def installation_spec(args: CalicoSpec) -> dict[str, Any]:
    """`Installation.spec` as the operator reads it (operator.tigera.io/v1)."""
    network: dict[str, Any] = {
        "ipPools": [
            {
                "cidr": pool.cidr,
                "blockSize": calico_block_size(pool),
                "encapsulation": pool.encapsulation,
                "natOutgoing": "Enabled" if pool.nat_outgoing else "Disabled",
                "nodeSelector": pool.node_selector,
            }
            for pool in args.ip_pools
        ]
    }
    if args.mtu is not None:
        network["mtu"] = args.mtu
    return {"cni": {"type": "Calico"}, "calicoNetwork": network}


class CalicoInstall(pulumi.ComponentResource):
    """Calico as the cluster's CNI and NetworkPolicy enforcer.

    With `chart`, installs the `tigera-operator` chart (from a repository or a local
    path) into `namespace`; without it, the operator is assumed present and only the
    `Installation` named `default` is managed. Calico's own pool rules (block size
    range, one block per pool, no link-local, no IPIP on IPv6, at most 25 pools) are
    checked when the spec is parsed, before anything is declared.
    """

    pools: pulumi.Output[list[str]]
    """The CIDRs of the IP pools, in declaration order."""

    def __init__(
        self, name: str, args: CalicoInstallArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("netkit:kubernetes:CalicoInstall", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        depends: list[pulumi.Resource] = []
        if args.chart is not None:
            namespace = k8s.core.v1.Namespace(
                f"{name}-namespace", metadata={"name": args.namespace}, opts=child
            )
            chart_source: dict[str, Any] = (
                {"chart": args.chart.path}
                if args.chart.path is not None
                else {
                    "chart": "tigera-operator",
                    "version": args.chart.version,
                    "repository_opts": {"repo": args.chart.repository},
                }
            )
            operator = k8s.helm.v4.Chart(
                f"{name}-operator",
                namespace=args.namespace,
                # The chart would otherwise create its own Installation; we manage it below.
                values={"installation": {"enabled": False}},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[namespace]),
                **chart_source,
            )
            depends = [operator]
        k8s.apiextensions.CustomResource(
            f"{name}-installation",
            api_version="operator.tigera.io/v1",
            kind="Installation",
            metadata={"name": "default"},
            spec=installation_spec(args),
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
        )
        self.pools = pulumi.Output.from_input([pool.cidr for pool in args.ip_pools])
        self.register_outputs({"pools": self.pools})
