"""The public surface of `components` is deliberate: adding or removing a name is a release note."""

from __future__ import annotations

import netkit_components


def test_components_exports_exactly_the_documented_surface():
    assert sorted(netkit_components.__all__) == [
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
    for name in netkit_components.__all__:
        assert getattr(netkit_components, name) is not None


def test_component_type_tokens_follow_package_module_noun():
    import inspect

    sources = [
        inspect.getsource(getattr(netkit_components, n))
        for n in netkit_components.__all__
        if inspect.isclass(getattr(netkit_components, n))
    ]
    tokens = {
        line.split('"')[1]
        for src in sources
        for line in src.splitlines()
        if 'super().__init__("netkit:' in line
    }
    assert tokens == {
        "netkit:docker:BridgeNetwork",
        "netkit:docker:OverlayNetwork",
        "netkit:docker:ServiceContainer",
        "netkit:kubernetes:AppService",
        "netkit:kubernetes:CalicoInstall",
        "netkit:kubernetes:ClusterBaseline",
        "netkit:kubernetes:ClusterService",
        "netkit:kubernetes:Connection",
        "netkit:kubernetes:IngressRoute",
        "netkit:kubernetes:NamespaceIsolation",
        "netkit:stack:NetworkStack",
    }
