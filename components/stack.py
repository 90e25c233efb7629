"""`NetworkStack`: a whole environment's container networking from one stack spec."""

from __future__ import annotations

import os
from typing import Any

import pulumi
import pulumi_docker as docker
import pulumi_kubernetes as k8s

from netkit import docker_hosts
from netkit.docker_dns import resolvable_names
from netkit.intent import stack_props
from netkit.model import DockerAttachment, DockerContainer
from netkit.names import connection_id
from netkit.resources import PROJECT_LABEL, STACK_LABEL
from netkit.spec import LOCAL_HOST, StackSpec
from netkit_components.docker import BridgeNetwork, OverlayNetwork, ServiceContainer
from netkit_components.kubernetes.app_service import AppService
from netkit_components.kubernetes.calico import CalicoInstall
from netkit_components.kubernetes.cluster_baseline import ClusterBaseline
from netkit_components.kubernetes.connections import allow
from netkit_components.kubernetes.ingress_route import IngressRoute
from netkit_components.kubernetes.namespace_isolation import NamespaceIsolation

DEFAULT_DOCKER_URL = "unix:///var/run/docker.sock"
"""The engine a Docker client talks to when neither the stack nor DOCKER_HOST names one."""


def render_directory(spec: StackSpec, stack: str) -> str:
    return spec.kubernetes.render_directory.replace("{stack}", stack)


def docker_dns(spec: StackSpec) -> dict[str, list[str]]:
    """Container -> the names it resolves through Docker's embedded DNS (see netkit.docker_dns)."""
    return resolvable_names(
        DockerContainer(
            name=c.name,
            networks=tuple(DockerAttachment(a.network, tuple(a.aliases)) for a in c.networks),
        )
        for c in spec.docker.containers
    )


def host_urls(spec: StackSpec) -> dict[str, str]:
    """Host name -> engine URL as `docker -H` takes it."""
    if not spec.docker.hosts:
        local = spec.docker.host or os.environ.get("DOCKER_HOST") or DEFAULT_DOCKER_URL
        return {LOCAL_HOST: local}
    return {h.name: docker_hosts.engine_url(h.url) for h in spec.docker.hosts}


class NetworkStack(pulumi.ComponentResource):
    """Docker networks and containers, Calico, namespaces, services, ingresses, policies.

    The component's own inputs carry the stack's intent (declared connections, reserved
    ranges, exposure rules, address plan) so the policy pack can compare what is
    declared with what the resources allow.
    """

    networks: dict[str, pulumi.Output[str]]
    """Declared network name -> Docker network ID."""
    dns: dict[str, list[str]]
    """Container -> names it resolves by Docker's embedded DNS."""
    service_dns: dict[str, pulumi.Output[str]]
    """`namespace/service` -> cluster DNS name."""
    hosts: dict[str, str]
    """Docker host name -> engine URL (usable as `docker -H`)."""
    containers: dict[str, dict[str, Any]]
    """Container -> {host, networks, dns}: where it runs, what it joins, what it resolves."""

    def __init__(
        self,
        name: str,
        spec: StackSpec,
        stack: str,
        opts: pulumi.ResourceOptions | None = None,
        project: str | None = None,
    ) -> None:
        """`project` (default: the running Pulumi project) and `stack` label every Docker
        network and container and every namespace it creates as theirs."""
        super().__init__("netkit:stack:NetworkStack", name, {"intent": stack_props(spec)}, opts)
        self._name = name
        self._owner = {
            PROJECT_LABEL: project if project is not None else pulumi.get_project(),
            STACK_LABEL: stack,
        }
        self._docker(spec)
        self._kubernetes(spec, stack)
        # The intent is repeated in the outputs: stack policies see a resource's outputs.
        self.register_outputs(
            {
                "networks": self.networks,
                "dns": self.dns,
                "hosts": self.hosts,
                "containers": self.containers,
                "service_dns": self.service_dns,
                "intent": stack_props(spec),
            }
        )

    def _child(self, provider: pulumi.ProviderResource | None = None) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, provider=provider)

    def _docker_providers(self, spec: StackSpec) -> dict[str, pulumi.ProviderResource | None]:
        """One Docker provider per declared host; none (the default provider) for a stack
        that declares no hosts, so a single-engine stack keeps its URNs."""
        if not spec.docker.hosts:
            single = (
                docker.Provider(f"{self._name}-docker", host=spec.docker.host, opts=self._child())
                if spec.docker.host
                else None
            )
            return {LOCAL_HOST: single}
        return {
            host.name: docker.Provider(
                f"{self._name}-docker-{host.name}",
                host=docker_hosts.engine_url(host.url),
                opts=self._child(),
            )
            for host in spec.docker.hosts
        }

    def _docker(self, spec: StackSpec) -> None:
        providers = self._docker_providers(spec)
        # Host labels only where the stack names its hosts: a single-engine stack's
        # resources stay as they were.
        placed = bool(spec.docker.hosts)
        names: dict[str, pulumi.Output[str]] = {}
        self.networks = {}
        for bridge in spec.docker.bridges:
            host = spec.docker.host_of(bridge)
            update: dict[str, Any] = {"labels": {**bridge.labels, **self._owner}}
            if placed:
                update["host"] = host
            args = bridge.model_copy(update=update)
            net = BridgeNetwork(bridge.name, args, opts=self._child(providers[host]))
            names[bridge.name], self.networks[bridge.name] = net.network_name, net.network_id
        for overlay in spec.docker.overlays:
            # Overlays are swarm objects: created on the manager, the first host.
            host = spec.docker.host_of(overlay)
            ovl = OverlayNetwork(
                overlay.name,
                overlay.model_copy(update={"labels": {**overlay.labels, **self._owner}}),
                opts=self._child(providers[host]),
                host=host if placed else None,
            )
            names[overlay.name], self.networks[overlay.name] = ovl.network_name, ovl.network_id
        for container in spec.docker.containers:
            host = spec.docker.host_of(container)
            ServiceContainer(
                container.name,
                container.model_copy(update={"host": host}) if placed else container,
                networks=names,
                image=spec.docker.image,
                opts=self._child(providers[host]),
                labels=self._owner,
            )
        self.dns = docker_dns(spec)
        self.hosts = host_urls(spec)
        self.containers = {
            c.name: {
                "host": spec.docker.host_of(c),
                "networks": [a.network for a in c.networks],
                "dns": self.dns[c.name],
            }
            for c in spec.docker.containers
        }

    def _kubernetes(self, spec: StackSpec, stack: str) -> None:
        k8s_spec = spec.kubernetes
        self.service_dns = {}
        if not (k8s_spec.namespaces or k8s_spec.calico or k8s_spec.ingresses):
            return
        if k8s_spec.mode == "render":
            provider = k8s.Provider(
                f"{self._name}-k8s",
                render_yaml_to_directory=render_directory(spec, stack),
                # Not None: the SDK would fill it in from KUBECONFIG (which the Makefile
                # exports for the local cluster), and the provider refuses a kubeconfig
                # together with a render directory.
                kubeconfig="",
                opts=self._child(),
            )
        else:
            provider = k8s.Provider(
                f"{self._name}-k8s",
                kubeconfig=k8s_spec.kubeconfig,
                context=k8s_spec.context,
                opts=self._child(),
            )
        opts = self._child(provider)
        calico: list[pulumi.Resource] = []
        if k8s_spec.calico is not None:
            calico.append(CalicoInstall(f"{self._name}-calico", k8s_spec.calico, opts=opts))
        if k8s_spec.baseline is not None:
            ClusterBaseline(
                f"{self._name}-baseline",
                k8s_spec.baseline,
                k8s_spec.dns,
                k8s_spec.baseline_exempt(),
                # A GlobalNetworkPolicy's API comes with Calico.
                opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=calico),
            )
        services: dict[str, dict[str, Any]] = {}
        for ns in k8s_spec.namespaces:
            namespace = k8s.core.v1.Namespace(
                f"{ns.name}-namespace",
                metadata={
                    "name": ns.name,
                    "labels": {**ns.labels, **self._owner},
                    # Policies select namespaces by these labels: a label changed through
                    # the API is put back by the next `up --refresh` instead of stopping
                    # it with a server-side-apply conflict with the editor's field manager.
                    "annotations": {"pulumi.com/patchForce": "true"},
                },
                opts=opts,
            )
            in_ns = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[namespace])
            default_deny = k8s_spec.default_deny(ns)
            if default_deny or ns.allow_dns:
                # DNS egress is kept even without a default deny: a declared connection's
                # egress policy isolates its source pods and would cut DNS otherwise.
                NamespaceIsolation(
                    f"{ns.name}-isolation",
                    ns.name,
                    dns=k8s_spec.dns,
                    default_deny=default_deny,
                    allow_dns=ns.allow_dns,
                    opts=in_ns,
                )
            services[ns.name] = {}
            for svc in ns.services:
                app = AppService(
                    f"{ns.name}-{svc.name}", ns.name, svc, k8s_spec.cluster_domain, opts=in_ns
                )
                services[ns.name][svc.name] = svc
                self.service_dns[f"{ns.name}/{svc.name}"] = app.dns_name
        for ingress in k8s_spec.ingresses:
            IngressRoute(
                f"{ingress.namespace}-{ingress.name}",
                ingress,
                services=services[ingress.namespace],
                controller=k8s_spec.ingress_controller,
                opts=opts,
            )
        for conn in k8s_spec.connections:
            allow(
                connection_id(conn.source, conn.destination),
                conn.source,
                conn.destination,
                list(conn.ports),
                opts=opts,
            )
