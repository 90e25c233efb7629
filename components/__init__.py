"""netkit's Pulumi components: Docker and Kubernetes networking with secure defaults.

The public surface is what this module exports (locked by `tests/test_public_surface.py`).
"""

from components.docker import (
    BridgeNetwork,
    BridgeNetworkArgs,
    OverlayNetwork,
    OverlayNetworkArgs,
    ServiceContainer,
    ServiceContainerArgs,
)
from components.kubernetes.app_service import AppService, AppServiceArgs
from components.kubernetes.calico import CalicoInstall, CalicoInstallArgs
from components.kubernetes.cluster_service import ClusterService, ClusterServiceArgs
from components.kubernetes.connections import Connection, allow
from components.kubernetes.ingress_route import IngressRoute, IngressRouteArgs
from components.kubernetes.namespace_isolation import NamespaceIsolation
from components.stack import NetworkStack

__all__ = [
    "AppService",
    "AppServiceArgs",
    "BridgeNetwork",
    "BridgeNetworkArgs",
    "CalicoInstall",
    "CalicoInstallArgs",
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
