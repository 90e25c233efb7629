"""Docker networking components: bridges, overlays, and containers that find each other by name."""

from components.docker.bridge_network import BridgeNetwork, BridgeNetworkArgs
from components.docker.overlay_network import OverlayNetwork, OverlayNetworkArgs
from components.docker.service_container import ServiceContainer, ServiceContainerArgs

__all__ = [
    "BridgeNetwork",
    "BridgeNetworkArgs",
    "OverlayNetwork",
    "OverlayNetworkArgs",
    "ServiceContainer",
    "ServiceContainerArgs",
]
