"""Running Docker engines, read into netkit's model with the official Docker SDK.

`--docker URL` (repeatable; `NAME=URL` names the host) names an engine as a stack file
does: `unix://`, `tcp://`, `ssh://`, or `netkit-hosts://hostN` for the hosts of
`scripts/docker-hosts.sh`. From each, `load_engines` reads:

- its networks (bridges, overlays, `docker_gwbridge`, `ingress`, ...): drivers, scope,
  internal, ICC, bridge device, subnets, as `DockerNetwork`s and live address spaces; a
  swarm network seen from several hosts is read once;
- its running containers: networks with aliases and addresses, port bindings (as
  requested: Docker publishes none for a container on internal networks only, which the
  analysis knows), and the ports they listen on (netkit's `netkit.ports` label, else the
  image's EXPOSE);
- the daemon's default address pools (Docker's built-in ones when it reports none) and,
  on a swarm manager, the swarm's default address pool.

A host's name: NAME when given, `hostN` for `netkit-hosts://hostN`, `local` for the
default local socket, else the name the engine reports. Listing is split from mapping
(`EngineApi`: the SDK, or a fake in unit tests).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from netkit import docker_hosts
from netkit.cidr import parse_cidr, parse_ip
from netkit.docker_reach.topology import SINGLE_HOST
from netkit.errors import InvalidValue, NetkitError
from netkit.model import (
    AddressSpace,
    ContainerPort,
    DockerAttachment,
    DockerContainer,
    DockerEngine,
    DockerNetwork,
    Layer,
    NetworkModel,
    PublishedPort,
)
from netkit.resources import (
    BRIDGE_NAME_OPTION,
    ENCRYPTED_OPTION,
    ICC_OPTION,
    MULTI_HOST_LABEL,
    PORTS_LABEL,
    ROLE_LABEL,
    parse_ports_label,
)

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
"""The local engine's socket: the host `local`, as in a stack without `docker.hosts`."""

BUILTIN_DEFAULT_POOLS = (
    "172.17.0.0/16",
    "172.18.0.0/15",
    "172.20.0.0/14",
    "172.24.0.0/13",
    "192.168.0.0/16",
)
"""Docker's built-in `default-address-pools` (172.17-31.0.0/16 as /16s, 192.168.0.0/16 as
/20s), in force when `docker info` reports none."""

SWARM_BUILTIN_POOL = "10.0.0.0/8"
"""The swarm's `--default-addr-pool` when `swarm init` was given none (as /24s)."""

TIMEOUT = 10
"""Seconds an engine has to answer one request."""


@dataclass(frozen=True)
class EngineRef:
    """An engine a command names: its host's name and its URL as given."""

    name: str
    url: str

    @property
    def client_url(self) -> str:
        """The URL the SDK connects to (`netkit-hosts://` resolved to its socket)."""
        return docker_hosts.engine_url(self.url)


def parse_engine(text: str) -> EngineRef:
    """`URL` or `NAME=URL`, checked as the stack file checks `docker.hosts[].url`; the
    name is "" (to be asked of the engine) unless the URL implies one."""
    name, eq, url = text.partition("=")
    if not eq or "://" in name:
        name, url = "", text
    url = docker_hosts.check_url(url.strip())
    if not name:
        if url.startswith(docker_hosts.LOCAL_SCHEME):
            name = docker_hosts.local_host_name(url)
        elif url.rstrip("/") == DEFAULT_SOCKET:
            name = SINGLE_HOST
    elif not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise InvalidValue(
            f"--docker {text!r}: the host name {name!r} must be letters, digits, '-', '_' or '.'"
        )
    return EngineRef(name, url)


class EngineApi(Protocol):
    """What netkit asks of one engine."""

    def info(self) -> Mapping[str, Any]: ...

    def networks(self) -> list[Mapping[str, Any]]: ...

    def containers(self) -> list[Mapping[str, Any]]:
        """`docker inspect` of every running container."""
        ...

    def exec(self, container: str, command: Sequence[str], timeout: float) -> tuple[int, str]:
        """Run `command` in a running container: exit code and combined output."""
        ...


class SdkEngine:
    """`EngineApi` on the official Docker SDK for Python."""

    def __init__(self, url: str) -> None:
        import docker  # the SDK pulls in requests: loaded only when an engine is named

        self._client = docker.DockerClient(base_url=url, timeout=TIMEOUT)
        self._api = self._client.api

    def info(self) -> Mapping[str, Any]:
        result: Mapping[str, Any] = self._api.info()
        return result

    def networks(self) -> list[Mapping[str, Any]]:
        result: list[Mapping[str, Any]] = self._api.networks()
        return result

    def containers(self) -> list[Mapping[str, Any]]:
        found = self._api.containers(filters={"status": "running"})
        return [self._api.inspect_container(item["Id"]) for item in found]

    def exec(self, container: str, command: Sequence[str], timeout: float) -> tuple[int, str]:
        created = self._api.exec_create(container, list(command), stdout=True, stderr=True)
        output = self._api.exec_start(created["Id"])
        code = self._api.exec_inspect(created["Id"]).get("ExitCode")
        text = output.decode("utf-8", "replace") if isinstance(output, bytes) else str(output)
        return (code if isinstance(code, int) else 1), text


Connect = Callable[[EngineRef], EngineApi]


def connect(ref: EngineRef) -> EngineApi:
    """The SDK on `ref`'s engine; an engine that does not answer is one line."""
    problem = docker_hosts.engine_problem(ref.client_url)
    if problem is not None:
        raise NetkitError(_down(ref, problem))
    from docker.errors import DockerException

    try:
        engine = SdkEngine(ref.client_url)
        engine.info()
    except DockerException as error:
        raise NetkitError(_down(ref, str(error).splitlines()[0])) from None
    return engine


def _down(ref: EngineRef, problem: str) -> str:
    how = (
        "; start it (scripts/docker-hosts.sh start)"
        if ref.url.startswith(docker_hosts.LOCAL_SCHEME)
        else ""
    )
    who = f"{ref.name!r} at " if ref.name else ""
    return f"Docker engine {who}{ref.client_url} does not answer ({problem}){how}"


@dataclass
class _Reading:
    networks: dict[str, DockerNetwork]
    """By network ID: a swarm network is read once, whichever host shows it."""
    spaces: dict[str, list[AddressSpace]]
    containers: list[DockerContainer]
    pools: list[AddressSpace]
    notes: list[str]


def load_engines(refs: Iterable[EngineRef], connect_to: Connect = connect) -> NetworkModel:
    """One model of every engine in `refs`."""
    reading = _Reading({}, {}, [], [], [])
    engines: list[DockerEngine] = []
    names: set[str] = set()
    for ref in refs:
        api = connect_to(ref)
        try:
            info = api.info()
            name = ref.name or str(info.get("Name") or ref.url)
            if name in names:
                raise NetkitError(
                    f"--docker {ref.url}: two engines are named {name!r}; name them with NAME=URL"
                )
            names.add(name)
            engines.append(DockerEngine(name, ref.url))
            _read(api, info, name, reading)
        except NetkitError:
            raise
        except Exception as error:  # the SDK's and requests' own errors
            raise NetkitError(
                _down(ref, str(error).splitlines()[0] or type(error).__name__)
            ) from None
    spaces = [space for key in reading.networks for space in reading.spaces[key]]
    return NetworkModel(
        address_spaces=(*spaces, *reading.pools),
        docker_networks=tuple(reading.networks.values()),
        docker_containers=tuple(sorted(reading.containers, key=lambda c: (c.host, c.name))),
        docker_engines=tuple(engines),
        docker_hosts=max(1, len(engines)),
        notes=tuple(reading.notes),
    )


def container_processes(
    refs: Iterable[EngineRef], connect_to: Connect = connect
) -> list[tuple[str, int]]:
    """`(host/container, process id)` of every running container of `refs`, for reaching
    each container's own network namespace. Only engines of this machine (`unix://`,
    `netkit-hosts://`): another machine's process ids mean nothing here."""
    found: list[tuple[str, int]] = []
    for ref in refs:
        if not ref.url.startswith(("unix://", docker_hosts.LOCAL_SCHEME)):
            raise NetkitError(
                f"--docker {ref.url}: its containers run on another machine, whose network "
                "namespaces cannot be entered from here; sample there, or give its engine "
                "with unix:// or netkit-hosts://"
            )
        api = connect_to(ref)
        host = ref.name or str(api.info().get("Name") or ref.url)
        for item in api.containers():
            pid = (item.get("State") or {}).get("Pid")
            name = str(item.get("Name") or item.get("Id") or "").lstrip("/")
            if isinstance(pid, int) and not isinstance(pid, bool) and pid > 0:
                found.append((f"{host}/{name}", pid))
    return sorted(found)


def _read(api: EngineApi, info: Mapping[str, Any], host: str, reading: _Reading) -> None:
    for item in api.networks():
        ident = str(item.get("Id") or item.get("Name"))
        if ident in reading.networks:
            continue
        network, spaces = network_of(item, host)
        reading.networks[ident] = network
        reading.spaces[ident] = spaces
    for item in api.containers():
        reading.containers.append(container_of(item, host))
    reading.pools.extend(pools_of(info, host))


def _text(value: object) -> str:
    return "" if value is None else str(value)


def network_of(item: Mapping[str, Any], host: str) -> tuple[DockerNetwork, list[AddressSpace]]:
    """A `docker network inspect` object as a network of `host`, with its subnets."""
    name = _text(item.get("Name"))
    driver = _text(item.get("Driver")) or "bridge"
    swarm = item.get("Scope") == "swarm" or driver == "overlay"
    options = {str(k): _text(v) for k, v in (item.get("Options") or {}).items()}
    labels = {str(k): _text(v) for k, v in (item.get("Labels") or {}).items()}
    layer = Layer.DOCKER_OVERLAY if swarm else Layer.DOCKER_BRIDGE
    source = f"docker network {name} on {host}"
    spaces: list[AddressSpace] = []
    for index, config in enumerate((item.get("IPAM") or {}).get("Config") or []):
        subnet = config.get("Subnet")
        if not subnet:
            continue
        where = f"{source}: IPAM.Config[{index}]"
        gateway, ip_range = config.get("Gateway"), config.get("IPRange")
        spaces.append(
            AddressSpace(
                name=name,
                layer=layer,
                cidr=parse_cidr(subnet, f"{where}.Subnet", strict=False),
                source=source,
                gateway=parse_ip(gateway, f"{where}.Gateway") if gateway else None,
                ip_range=parse_cidr(ip_range, f"{where}.IPRange", strict=False)
                if ip_range
                else None,
                host=host,
                live=True,
            )
        )
    network = DockerNetwork(
        name=name,
        driver=driver,
        subnets=tuple(spaces),
        internal=bool(item.get("Internal")),
        icc=options.get(ICC_OPTION, "true").lower() != "false",
        encrypted=ENCRYPTED_OPTION in options and options[ENCRYPTED_OPTION].lower() != "false",
        attachable=bool(item.get("Attachable")),
        multi_host=labels.get(MULTI_HOST_LABEL, "").lower() == "true",
        role=labels.get(ROLE_LABEL, ""),
        source=source,
        host=host,
        bridge_name=options.get(BRIDGE_NAME_OPTION, ""),
        live=True,
    )
    return network, spaces


def container_of(item: Mapping[str, Any], host: str) -> DockerContainer:
    """A `docker inspect` object of a running container, as a container of `host`."""
    ident = _text(item.get("Id"))
    name = _text(item.get("Name")).lstrip("/")
    config = item.get("Config") or {}
    labels = {str(k): _text(v) for k, v in (config.get("Labels") or {}).items()}
    short = ident[:12]
    attachments = []
    settings = (item.get("NetworkSettings") or {}).get("Networks") or {}
    for network, endpoint in sorted(settings.items()):
        endpoint = endpoint or {}
        # Docker adds the short ID as an alias on user-defined networks (it resolves too);
        # the model keeps the aliases a stack declares.
        aliases = tuple(sorted({str(a) for a in endpoint.get("Aliases") or []} - {short}))
        attachments.append(
            DockerAttachment(str(network), aliases, _text(endpoint.get("IPAddress")))
        )
    published: list[PublishedPort] = []
    bindings = (item.get("HostConfig") or {}).get("PortBindings") or {}
    for key, binds in sorted(bindings.items()):
        port, proto = _port_key(str(key))
        for bind in binds or [{}]:
            host_port = _text(bind.get("HostPort"))
            published.append(
                PublishedPort(
                    container_port=port,
                    host_port=int(host_port) if host_port.isdigit() and host_port != "0" else None,
                    host_ip=_text(bind.get("HostIp")),
                    protocol=proto,
                )
            )
    where = f"container {name} on {host}: label {PORTS_LABEL}"
    if PORTS_LABEL in labels:
        ports = parse_ports_label(labels[PORTS_LABEL], where)
    else:
        exposed = sorted(_port_key(str(key)) for key in (config.get("ExposedPorts") or {}))
        ports = tuple(ContainerPort(port, proto.upper()) for port, proto in exposed)
    return DockerContainer(
        name=name,
        image=_text(config.get("Image")),
        networks=tuple(attachments),
        published=tuple(published),
        source=f"container {name} on {host}",
        host=host,
        ports=ports,
        id=ident,
    )


def _port_key(key: str) -> tuple[int, str]:
    number, _, proto = key.partition("/")
    return int(number), (proto or "tcp").lower()


def pools_of(info: Mapping[str, Any], host: str) -> list[AddressSpace]:
    """The daemon's default address pools and, on a manager, the swarm's."""
    spaces: list[AddressSpace] = []
    configured = info.get("DefaultAddressPools") or []
    bases = [str(pool.get("Base")) for pool in configured if pool.get("Base")]
    label = "default-address-pools" if bases else "default-address-pools (built-in)"
    for base in bases or BUILTIN_DEFAULT_POOLS:
        spaces.append(
            AddressSpace(
                label,
                Layer.DOCKER_DEFAULT_POOL,
                ipaddress.ip_network(base, strict=False),
                f"docker info on {host}",
                host=host,
                live=True,
            )
        )
    cluster = (info.get("Swarm") or {}).get("Cluster")
    if not cluster:  # not a swarm manager: the pool is the managers' to tell
        return spaces
    swarm_bases = [str(base) for base in cluster.get("DefaultAddrPool") or []]
    swarm_label = "default-addr-pool" if swarm_bases else "default-addr-pool (built-in)"
    for base in swarm_bases or [SWARM_BUILTIN_POOL]:
        spaces.append(
            AddressSpace(
                swarm_label,
                Layer.DOCKER_SWARM_POOL,
                ipaddress.ip_network(str(base), strict=False),
                f"docker info on {host} (swarm manager)",
                host=host,
                live=True,
            )
        )
    return spaces


def running_networks(
    engines: Iterable[DockerEngine], connect_to: Connect = connect
) -> tuple[list[AddressSpace], list[str]]:
    """The subnets of the networks already on `engines` (a stack's hosts), and a note for
    each engine that does not answer (skipped: the program names it before any resource)."""
    spaces: list[AddressSpace] = []
    notes: list[str] = []
    for engine in engines:
        try:
            model = load_engines([EngineRef(engine.name, engine.url)], connect_to)
        except NetkitError as error:
            notes.append(f"{error}; its networks were not compared")
            continue
        spaces.extend(
            s
            for s in model.address_spaces
            if s.layer in (Layer.DOCKER_BRIDGE, Layer.DOCKER_OVERLAY)
        )
    return spaces, notes
