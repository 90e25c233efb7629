"""netkit's Pulumi components: Docker and Kubernetes networking with secure defaults.

The public surface is what this module exports (locked by `tests/test_public_surface.py`).
"""

from netkit_components.docker import (
    BridgeNetwork,
    BridgeNetworkArgs,
    OverlayNetwork,
    OverlayNetworkArgs,
    ServiceContainer,
    ServiceContainerArgs,
)
from netkit_components.kubernetes.app_service import AppService, AppServiceArgs
from netkit_components.kubernetes.calico import CalicoInstall, CalicoInstallArgs
from netkit_components.kubernetes.cluster_baseline import ClusterBaseline
from netkit_components.kubernetes.cluster_service import ClusterService, ClusterServiceArgs
from netkit_components.kubernetes.connections import Connection, allow
from netkit_components.kubernetes.ingress_route import IngressRoute, IngressRouteArgs
from netkit_components.kubernetes.namespace_isolation import NamespaceIsolation
from netkit_components.stack import NetworkStack

__all__ = [
    "AppService",
    "AppServiceArgs",
    "BridgeNetwork",
    "BridgeNetworkArgs",
    "CalicoInstall",
    "CalicoInstallArgs",
    "ClusterBaseline",
    "ClusterService",
    "ClusterServiceArgs",
    "Connection",
    "IngressRoute",
    "IngressRouteArgs",
    "NamespaceIsolation",
    "NetworkStack",
    "OverlayNetwork",
    "OverlayNetworkArgs",
    "ServiceContainer",
    "ServiceContainerArgs",
    "allow",
]
