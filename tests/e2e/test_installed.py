"""netkit installed from its wheel, used by projects of other teams, on the real engines.

One wheel, built from the checkout, installed into a new virtualenv. Two projects outside
the checkout use it: a Python program with a `components/` package of its own (the name
netkit's components used to install under), and a Pulumi YAML program using the
component package. Both deploy on the Docker engine with the installed policy pack; the
Python program then applies its Kubernetes half to the local cluster (the pack refuses it
until the team names the cluster's enforcer); `destroy` leaves nothing on either. Docker
names start with `netkit-e2efresh-` and `netkit-e2eyaml-`, subnets are in 10.231.0.0/16 and
10.232.0.0/16, the namespace is `e2efresh-payments`: nothing here touches another run's
objects.
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
import textwrap
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.e2e.harness import (
    REPO,
    containers_named,
    force_clean,
    free_port,
    inspect,
    missing_prerequisites,
    networks_named,
    subnets_in_use,
)
from tests.e2e.installed import Fresh, Install, build_distribution, install_wheel
from tests.e2e.kube import Api, kubeconfig_path, local_cluster

pytestmark = pytest.mark.e2e

FRESH, YAML = "e2efresh", "e2eyaml"
PREFIX = {FRESH: f"netkit-{FRESH}-", YAML: f"netkit-{YAML}-"}
NET = {FRESH: "10.231", YAML: "10.232"}


@pytest.fixture(scope="module")
def dist_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dist")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, dist_dir: Path) -> Iterator[Install]:
    problems = missing_prerequisites()
    if subprocess.run(
        [REPO / "scripts" / "yaml-host.sh", "--check"], capture_output=True
    ).returncode:
        problems.append("the YAML language host is not built: run `make yaml-host`")
    if problems:
        pytest.fail("these tests need:\n  " + "\n  ".join(problems), pytrace=False)
    for prefix in PREFIX.values():
        force_clean(prefix)
    planned = [ipaddress.ip_network(f"{net}.0.0/16") for net in NET.values()]
    taken = [
        f"{s} ({n})" for s, n in subnets_in_use().items() if any(s.overlaps(p) for p in planned)
    ]
    if taken:
        pytest.fail(f"{', '.join(map(str, planned))} are in use: {', '.join(taken)}", pytrace=False)
    dist = build_distribution(dist_dir)
    root = tmp_path_factory.mktemp("payments")
    try:
        yield install_wheel(root / "venv", dist.wheel)
    finally:
        for prefix in PREFIX.values():
            force_clean(prefix)


# --------------------------------------------------------------------------- the wheel


def test_the_wheel_installs_only_import_names_of_ours(installed: Install, dist_dir: Path):
    (wheel,) = dist_dir.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    top = {
        n.split("/", 1)[0]
        for n in names
        if not n.split("/", 1)[0].endswith((".dist-info", ".data"))
    }
    assert top == {"netkit", "netkit_cli", "netkit_components", "netkit_policies"}
    data = sorted(n.split(".data/data/", 1)[1] for n in names if ".data/data/" in n)
    assert data == [
        "share/netkit/component-package/PulumiPlugin.yaml",
        "share/netkit/component-package/__main__.py",
        "share/netkit/policy-pack/PulumiPolicy.yaml",
        "share/netkit/policy-pack/__main__.py",
    ]


def test_the_installed_netkit_runs_and_names_its_folders(installed: Install):
    import netkit

    assert installed.netkit("--version") == f"netkit {netkit.__version__}"
    pack = Path(installed.netkit("policy-pack-path"))
    assert pack == installed.venv / "share" / "netkit" / "policy-pack"
    assert yaml.safe_load((pack / "PulumiPolicy.yaml").read_text())["version"] == netkit.__version__
    package = Path(installed.netkit("component-package-path"))
    assert (package / "PulumiPlugin.yaml").is_file()
    # The public API imports from the install, not from a checkout.
    where = installed.python(
        "import netkit_components, netkit_policies.registry, netkit.model; "
        "print(netkit_components.__file__)",
        cwd=installed.venv,
    )
    assert where.startswith(str(installed.venv))


# --------------------------------------------------------------------------- Python


TEAM_COMPONENT = '''
"""The payments team's own component: a private bridge and the ledger on it."""

import pulumi

from netkit_components import BridgeNetwork, BridgeNetworkArgs, ServiceContainer, ServiceContainerArgs


class LedgerTier(pulumi.ComponentResource):
    def __init__(self, name: str, prefix: str, subnet: str, host_ip: str, host_port: int) -> None:
        super().__init__("payments:ledger:LedgerTier", name, None, None)
        child = pulumi.ResourceOptions(parent=self)
        net = BridgeNetwork(f"{name}-net", BridgeNetworkArgs.model_validate(
            {"name": f"{prefix}ledger", "subnets": [{"subnet": subnet}], "internal": False}
        ), opts=child)
        ServiceContainer(f"{name}-app", ServiceContainerArgs.model_validate(
            {"name": f"{prefix}app", "networks": [{"network": f"{prefix}ledger", "aliases": ["ledger"]}],
             "publish": [{"port": 8080, "hostPort": host_port, "hostIp": host_ip}]}
        ), networks={f"{prefix}ledger": net.network_name}, image="netkit/busybox:local", opts=child)
        self.network_name = net.network_name
        self.register_outputs({"network_name": net.network_name})
'''

TEAM_PROGRAM = """
import pulumi

import components
import netkit_components
from components.ledger import LedgerTier

config = pulumi.Config()
tier = LedgerTier(
    "ledger",
    config.require("prefix"),
    config.require("subnet"),
    config.get("hostIp") or "127.0.0.1",
    config.require_int("hostPort"),
)
pulumi.export("network", tier.network_name)
pulumi.export("team_components", components.__file__)
pulumi.export("netkit_components", netkit_components.__file__)

# The Kubernetes half, on the cluster the team names: a namespace behind a default deny,
# two services, and the one connection between them.
namespace = config.get("namespace")
if namespace:
    import pulumi_kubernetes as k8s

    from netkit.model import Endpoint, PolicyPort
    from netkit_components import AppService, AppServiceArgs, NamespaceIsolation, allow

    cluster = pulumi.ResourceOptions(
        provider=k8s.Provider("cluster", kubeconfig=config.require("kubeconfig"))
    )
    ns = k8s.core.v1.Namespace("ns", metadata={"name": namespace}, opts=cluster)
    in_ns = pulumi.ResourceOptions.merge(cluster, pulumi.ResourceOptions(depends_on=[ns]))
    NamespaceIsolation("isolation", namespace, opts=in_ns)
    image = config.require("image")
    for service in ("gateway", "ledger"):
        AppService(service, namespace, AppServiceArgs.model_validate(
            {"name": service, "image": image, "ports": [{"name": "http", "port": 8080}]}
        ), opts=in_ns)
    allow(
        "gateway-to-ledger",
        Endpoint(namespace=namespace, workload="gateway"),
        Endpoint(namespace=namespace, workload="ledger"),
        [PolicyPort("TCP", 8080)],
        opts=in_ns,
    )
"""


@pytest.fixture(scope="module")
def team(installed: Install) -> Fresh:
    root = installed.venv.parent
    (root / "components").mkdir()
    (root / "components" / "__init__.py").write_text('"""The payments team\'s components."""\n')
    (root / "components" / "ledger.py").write_text(textwrap.dedent(TEAM_COMPONENT))
    (root / "__main__.py").write_text(textwrap.dedent(TEAM_PROGRAM))
    project = {
        "name": "payments",
        "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}},
    }
    (root / "Pulumi.yaml").write_text(yaml.safe_dump(project))
    config = {
        "payments:prefix": PREFIX[FRESH],
        "payments:subnet": f"{NET[FRESH]}.1.0/24",
        "payments:hostPort": str(free_port()),
    }
    (root / f"Pulumi.{FRESH}.yaml").write_text(yaml.safe_dump({"config": config}))
    fresh = Fresh.create(root, installed)
    fresh.ok("stack", "init", FRESH)
    return fresh


def test_a_team_program_with_its_own_components_deploys_with_ours_and_our_pack(
    installed: Install, team: Fresh
):
    pack = installed.netkit("policy-pack-path")
    up = team.pulumi("up", "--stack", FRESH, "--yes", "--skip-preview", "--policy-pack", pack)
    assert up.returncode == 0, up.stdout
    outputs = team.outputs(FRESH)
    assert outputs["team_components"] == str(team.root / "components" / "__init__.py")
    assert outputs["netkit_components"].startswith(str(installed.venv))
    assert outputs["network"] == f"{PREFIX[FRESH]}ledger"
    types = team.resource_types(FRESH)
    assert {"payments:ledger:LedgerTier", "netkit:docker:BridgeNetwork"} <= set(types)
    network = inspect("network", f"{PREFIX[FRESH]}ledger")
    assert network["IPAM"]["Config"][0]["Subnet"] == f"{NET[FRESH]}.1.0/24"
    container = inspect("container", f"{PREFIX[FRESH]}app")
    assert container["State"]["Running"]
    assert "ledger" in container["NetworkSettings"]["Networks"][f"{PREFIX[FRESH]}ledger"]["Aliases"]


def test_the_installed_pack_stops_a_port_published_on_every_interface(
    installed: Install, team: Fresh
):
    pack = installed.netkit("policy-pack-path")
    team.ok("config", "set", "--stack", FRESH, "hostIp", "0.0.0.0")
    try:
        preview = team.pulumi("preview", "--stack", FRESH, "--policy-pack", pack)
    finally:
        team.ok("config", "rm", "--stack", FRESH, "hostIp")
    assert preview.returncode != 0, preview.stdout
    assert re.search(r"\[mandatory\] \[severity: critical\]\s+docker-container-disallow-public-publish", preview.stdout), (
        preview.stdout
    )
    assert f"container '{PREFIX[FRESH]}app' publishes tcp port 8080 on 0.0.0.0:" in preview.stdout


TEAM_NAMESPACE = "e2efresh-payments"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Api]:
    """The local cluster (started if it is not running, and then stopped again)."""
    with local_cluster(TEAM_NAMESPACE) as api:
        yield api


def test_the_team_program_applies_its_kubernetes_half_to_the_local_cluster(
    installed: Install, team: Fresh, cluster: Api
):
    server_image = yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())["config"][
        "netkit:kubernetes"
    ]["namespaces"][0]["services"][0]["image"]
    team.ok("config", "set", "--stack", FRESH, "namespace", TEAM_NAMESPACE)
    team.ok("config", "set", "--stack", FRESH, "kubeconfig", str(kubeconfig_path()))
    team.ok("config", "set", "--stack", FRESH, "image", server_image)
    pack = installed.netkit("policy-pack-path")
    # Nothing in the program says what enforces its NetworkPolicies: the pack refuses it...
    refused = team.pulumi("preview", "--stack", FRESH, "--policy-pack", pack)
    assert refused.returncode != 0, refused.stdout
    assert re.search(r"\[mandatory\] \[severity: critical\]\s+k8s-cni-require-policy-enforcement", refused.stdout)
    # ...until the team names the enforcer its cluster runs, in the pack's config.
    config = team.root / "policy-config.json"
    config.write_text(
        json.dumps({"k8s-cni-require-policy-enforcement": {"clusterCni": "kube-router"}})
    )

    up = team.pulumi(
        "up",
        "--stack",
        FRESH,
        "--yes",
        "--skip-preview",
        "--policy-pack",
        pack,
        "--policy-pack-config",
        str(config),
    )

    assert up.returncode == 0, up.stdout
    deployments = cluster.items(f"/apis/apps/v1/namespaces/{TEAM_NAMESPACE}/deployments")
    ready = {d["metadata"]["name"]: d["status"].get("readyReplicas", 0) for d in deployments}
    assert ready == {d["metadata"]["name"]: d["spec"]["replicas"] for d in deployments}
    assert set(ready) == {"gateway", "ledger"} and min(ready.values()) >= 1
    policies = {
        p["metadata"]["name"]
        for p in cluster.items(
            f"/apis/networking.k8s.io/v1/namespaces/{TEAM_NAMESPACE}/networkpolicies"
        )
    }
    assert any("default-deny" in name for name in policies), policies
    assert any("gateway" in name and "ledger" in name for name in policies), policies


def test_destroying_the_team_program_leaves_nothing(team: Fresh, cluster: Api):
    team.ok("destroy", "--stack", FRESH, "--yes", "--skip-preview")
    assert networks_named(PREFIX[FRESH]) == {}
    assert containers_named(PREFIX[FRESH]) == {}
    names = {n["metadata"]["name"] for n in cluster.items("/api/v1/namespaces")}
    assert TEAM_NAMESPACE not in names


# --------------------------------------------------------------------------- YAML


def yaml_program(package: str, subnet_prefix: str) -> dict[str, object]:
    prefix = PREFIX[YAML]
    return {
        "name": "payments-yaml",
        "runtime": "yaml",
        "packages": {"netkit": package},
        "resources": {
            "backend": {
                "type": "netkit:index:BridgeNetwork",
                "properties": {
                    "name": f"{prefix}backend",
                    "subnets": [{"subnet": f"{subnet_prefix}.1.0/24"}],
                },
            },
            "api": {
                "type": "netkit:index:ServiceContainer",
                "properties": {
                    "name": f"{prefix}api",
                    "networks": [{"network": "${backend.networkName}", "aliases": ["api"]}],
                },
            },
            "edge": {
                "type": "netkit:index:NetworkStack",
                "properties": {
                    "reserved": [{"name": "corp-vpn", "cidr": "10.8.0.0/16"}],
                    "docker": {
                        "bridges": [
                            {
                                "name": f"{prefix}edge",
                                "subnets": [{"subnet": f"{subnet_prefix}.2.0/24"}],
                                "internal": False,
                            }
                        ],
                        "containers": [
                            {"name": f"{prefix}web", "networks": [{"network": f"{prefix}edge"}]}
                        ],
                    },
                },
            },
        },
        "outputs": {
            "backend": "${backend.networkName}",
            "apiNames": "${api.names}",
            "edgeNetworks": "${edge.networks}",
        },
    }


@pytest.fixture(scope="module")
def yaml_project(installed: Install, tmp_path_factory: pytest.TempPathFactory) -> Fresh:
    root = tmp_path_factory.mktemp("payments-yaml")
    program = yaml_program(installed.netkit("component-package-path"), NET[YAML])
    (root / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
    fresh = Fresh.create(root, installed)
    fresh.ok("stack", "init", YAML)
    return fresh


def test_a_yaml_program_deploys_our_components_with_our_pack(
    installed: Install, yaml_project: Fresh
):
    pack = installed.netkit("policy-pack-path")
    start = time.monotonic()
    up = yaml_project.pulumi(
        "up", "--stack", YAML, "--yes", "--skip-preview", "--policy-pack", pack
    )
    seconds = time.monotonic() - start
    assert up.returncode == 0, up.stdout
    print(f"\nYAML program: pulumi up took {seconds:.1f} s")
    outputs = yaml_project.outputs(YAML)
    backend, edge = f"{PREFIX[YAML]}backend", f"{PREFIX[YAML]}edge"
    assert outputs["backend"] == backend
    assert outputs["apiNames"] == {backend: sorted([f"{PREFIX[YAML]}api", "api"])}
    assert list(outputs["edgeNetworks"]) == [edge]
    assert inspect("network", backend)["Internal"] is True
    assert inspect("network", edge)["Internal"] is False
    api = inspect("container", f"{PREFIX[YAML]}api")
    assert "api" in api["NetworkSettings"]["Networks"][backend]["Aliases"]
    assert inspect("container", f"{PREFIX[YAML]}web")["State"]["Running"]
    types = set(yaml_project.resource_types(YAML))
    assert {"netkit:index:NetworkStack", "netkit:stack:NetworkStack"} <= types


def test_a_yaml_mistake_is_one_line_without_a_traceback(
    installed: Install, yaml_project: Fresh, tmp_path_factory: pytest.TempPathFactory
):
    root = tmp_path_factory.mktemp("payments-yaml-bad")
    program = yaml_program(installed.netkit("component-package-path"), NET[YAML])
    program["resources"]["backend"]["properties"]["subnets"] = [{"subnet": "10.232.1.0/33"}]  # type: ignore[index]
    (root / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
    bad = Fresh.create(root, installed)
    bad.ok("stack", "init", YAML)
    preview = bad.pulumi("preview", "--stack", YAML)
    assert preview.returncode != 0
    assert (
        "netkit:index:BridgeNetwork 'backend': subnets[0].subnet: subnet '10.232.1.0/33': "
        "prefix must be 0-32"
    ) in preview.stdout, preview.stdout
    assert "Traceback" not in preview.stdout


def test_destroying_the_yaml_program_leaves_nothing(yaml_project: Fresh):
    yaml_project.ok("destroy", "--stack", YAML, "--yes", "--skip-preview")
    assert networks_named(PREFIX[YAML]) == {}
    assert containers_named(PREFIX[YAML]) == {}
