"""Docker networking components: bridges, overlays, and containers that find each other by name."""

from netkit_components.docker.bridge_network import BridgeNetwork, BridgeNetworkArgs
from netkit_components.docker.overlay_network import OverlayNetwork, OverlayNetworkArgs
from netkit_components.docker.service_container import ServiceContainer, ServiceContainerArgs

__all__ = [
    "BridgeNetwork",
    "BridgeNetworkArgs",
    "OverlayNetwork",
    "OverlayNetworkArgs",
    "ServiceContainer",
    "ServiceContainerArgs",
]
