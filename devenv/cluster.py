"""The local Kubernetes cluster the dev stack is applied to (`scripts/cluster.sh`).

From the binaries scripts/cluster-toolchain.sh builds, with Debian's containerd, runc and
CNI plugins for the nodes. Needs root: it makes network namespaces and runs containers.

  control plane  etcd, kube-apiserver, kube-controller-manager and kube-scheduler in this
                 machine's own network namespace. etcd and the controllers listen on
                 loopback; the API server listens on 10.213.255.1, this end of a veth pair
                 into the cluster's LAN (the nodes reach it there), and nowhere else.
  LAN            a network namespace `netkit-k8s-lan` holding one bridge that connects
                 the nodes (10.213.0.0/24) and routes to the API server.
  nodes          netkit-k8s-node-1 and -2, each a network namespace with containerd (its
                 own root, state and socket), kubelet, kube-proxy (iptables), kube-router
                 as the NetworkPolicy enforcer (firewall only) and the CNI bridge +
                 host-local plugins giving pods addresses from that node's /24 of the
                 stack's podCidr.

The layout of the state folder: devenv.cluster_layout. Usage: see `USAGE`.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from devenv import netns
from devenv.cluster_api import AdminClient, http_ok
from devenv.cluster_commands import (
    Proc,
    RemoveNetwork,
    RemoveNode,
    RemovePods,
    Settings,
    StopProcess,
    StopStep,
    containerd,
    ctr,
    etcd,
    kube_apiserver,
    kube_controller_manager,
    kube_proxy,
    kube_router,
    kube_router_healthy,
    kube_scheduler,
    kubelet,
    process_names,
    stop_plan,
)
from devenv.cluster_config import Kubeconfig, write_node_configs, write_once
from devenv.cluster_images import archive_digest, make_images
from devenv.cluster_layout import (
    API_IP,
    API_PORT,
    ETCD_PORT,
    IMAGES,
    NODE_NAMES,
    Layout,
    Node,
    PlanError,
    address_plan,
    image_ref,
    stack,
)
from devenv.cluster_network import make_network, remove_uplink_and_lan
from devenv.errors import EnvError
from devenv.log import Log
from devenv.paths import REPO
from devenv.pki import Pki, cluster_certs
from devenv.process import Supervised, wait_until
from devenv.run import run, succeeds
from devenv.system import Package, ensure_packages, need_root

USAGE = "usage: scripts/cluster.sh start|stop|status|kubeconfig|delete|stop-enforcer"
TOOLCHAIN = REPO / "scripts" / "cluster-toolchain.sh"
LOG = Log("cluster")

PACKAGES = (
    # Debian's containerd, runc, CNI plugins, ipset (kube-router) and gcc (the pause image).
    Package("containerd", "containerd"),
    Package("runc", "runc"),
    Package("containernetworking-plugins", "/usr/lib/cni/bridge"),
    Package("containernetworking-plugins", "/usr/lib/cni/host-local"),
    Package("ipset", "ipset"),
    Package("iptables", "iptables"),
    Package("gcc", "gcc"),
    Package("libc6-dev", "/usr/include/stdio.h"),
    Package("curl", "curl"),
)
CLIENTS = ("admin", "controller-manager", "scheduler", "kube-proxy", "kube-router")
"""The kubeconfigs besides the nodes': each client authenticates with its own certificate."""
KUBE_ROUTER_CHAINS = ("KUBE-ROUTER", "KUBE-POD-FW", "KUBE-NWPLCY", "KUBE-SRC", "KUBE-DST")


class Cluster:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.api = AdminClient(layout.pki)

    def proc(self, name: str) -> Supervised:
        return Supervised(name, self.layout.run, self.layout.logs)

    def wait(self, what: str, seconds: float, ready: Callable[[], bool]) -> None:
        wait_until(what, seconds, ready, hint=f"see {self.layout.logs}")

    def running(self) -> bool:
        """Every process alive, the API server ready and both nodes Ready."""
        return (
            all(self.proc(name).alive() for name in process_names(NODE_NAMES))
            and self.api.ready()
            and self.api.nodes_ready(NODE_NAMES)
        )

    # ------------------------------------------------------------------ start
    def start(self) -> None:
        need_root("scripts/cluster.sh start", "network namespaces, containers")
        ensure_packages(LOG, PACKAGES)
        if not succeeds([str(TOOLCHAIN), "--check"], timeout=300):
            raise EnvError(
                "the cluster's binaries are not built; run scripts/cluster-toolchain.sh (make cluster-toolchain)"
            )
        if self.running():
            LOG.say(f"already running (kubeconfig: {self.layout.admin_kubeconfig})")
            return
        t0 = time.monotonic()
        plan = address_plan(REPO, stack())
        bin_dir = run([str(TOOLCHAIN), "--print-bin"]).strip().splitlines()[-1]
        s = Settings(Path(bin_dir), self.layout, plan)
        nodes = plan.nodes()
        self.make_pki(plan.api_service_ip)
        make_images(LOG, self.layout.images)
        make_network(nodes)
        self.start_control_plane(s)
        for node in nodes:
            self.start_node(s, node)
        self.wait("the nodes", 120, lambda: self.api.nodes_ready(NODE_NAMES))
        for node in nodes:
            self.start_enforcer(s, node)
        self.install_policy_crds()
        elapsed = round(time.monotonic() - t0)
        LOG.say(f"running in {elapsed}s (kubeconfig: {self.layout.admin_kubeconfig})")

    def install_policy_crds(self) -> None:
        """The network-policy API's and Calico's CRDs (`crds/`), so that the API server
        takes the cluster-wide and tiered policies a stack declares (staging's), as a
        cluster with those projects installed would. Nothing here enforces them: `netkit
        probe` says so."""
        from netkit.crds import install_crds, policy_crd_files
        from netkit.errors import NetkitError

        try:
            install_crds(policy_crd_files(REPO), kubeconfig=str(self.layout.admin_kubeconfig))
        except NetkitError as err:
            raise EnvError(f"installing the policy CRDs: {err}") from err

    def make_pki(self, api_service_ip: str) -> None:
        pki = self.layout.pki
        Pki(pki).ensure(LOG, cluster_certs(API_IP, api_service_ip, NODE_NAMES))
        for client in (*NODE_NAMES, *CLIENTS):
            write_once(self.layout.kubeconfig(client), Kubeconfig(client, client, pki).render())

    def launch(self, proc: Proc) -> None:
        # `python -m devenv in-netns` finds this package wherever the process starts.
        self.proc(proc.name).launch(proc.argv, env={"PYTHONPATH": str(REPO)})

    def start_control_plane(self, s: Settings) -> None:
        self.layout.etcd.mkdir(parents=True, exist_ok=True)
        self.layout.etcd.chmod(0o700)
        self.launch(etcd(s))
        self.wait("etcd", 30, lambda: http_ok("127.0.0.1", ETCD_PORT, "/readyz") is not None)
        self.launch(kube_apiserver(s))
        self.wait("kube-apiserver", 120, self.api.ready)
        for proc in (kube_controller_manager(s), kube_scheduler(s)):
            self.launch(proc)

    def start_node(self, s: Settings, node: Node) -> None:
        node_dir = self.layout.node_dir(node.name)
        write_node_configs(node_dir, node.pods, node.address, self.layout.pki / "ca.crt")
        self.launch(containerd(s, node))
        version = ctr(self.layout, node.name, "version")
        self.wait(f"{node.name}'s containerd", 30, lambda: succeeds(version, timeout=5))
        images = run(ctr(self.layout, node.name, "images", "ls", "-q")).split()
        for image in IMAGES:
            archive = self.layout.images / f"{image}.tar"
            built_from = archive_digest(archive)
            imported = node_dir / f"imported-{image}"
            known = imported.read_text().strip() if imported.exists() else None
            if image_ref(image) not in images or known != built_from:
                run(ctr(self.layout, node.name, "images", "import", str(archive)))
                imported.write_text(f"{built_from}\n")
        for proc in (kubelet(s, node), kube_proxy(s, node)):
            self.launch(proc)

    def start_enforcer(self, s: Settings, node: Node) -> None:
        """kube-router exits unless its node is registered already, so it starts once
        the nodes are Ready."""
        self.launch(kube_router(s, node))
        healthy = kube_router_healthy(node)
        self.wait(f"{node.name}'s kube-router", 60, lambda: succeeds(healthy, timeout=5))

    # ------------------------------------------------------------------ stop
    def stop(self) -> None:
        for step in stop_plan(NODE_NAMES):
            self.do(step)
        LOG.say("stopped")

    def do(self, step: StopStep) -> None:
        match step:
            case StopProcess(name):
                self.proc(name).stop()
            case RemovePods(node):
                if self.proc(f"{node}-containerd").alive():
                    self.remove_pods(node)
            case RemoveNode(node):
                netns.delete(node)
                shutil.rmtree(self.layout.node_dir(node) / "ipam", ignore_errors=True)
            case RemoveNetwork():
                remove_uplink_and_lan()

    def ids(self, node: str, kind: str) -> list[str]:
        argv = ctr(self.layout, node, kind, "ls", "-q")
        try:
            return run(argv, timeout=30).split()
        except EnvError:
            return []

    def remove_pods(self, node: str) -> None:
        """The pods' shims outlive containerd: kill and remove them through it first."""
        for task in self.ids(node, "tasks"):
            succeeds(ctr(self.layout, node, "tasks", "kill", "-s", "SIGKILL", task))
        time.sleep(0.5)
        for task in self.ids(node, "tasks"):
            succeeds(ctr(self.layout, node, "tasks", "rm", "-f", task))
        for container in self.ids(node, "containers"):
            succeeds(ctr(self.layout, node, "containers", "rm", container))

    def stop_enforcer(self) -> None:
        """For the tests that prove `netkit probe` notices: NetworkPolicies stay in the API
        and nothing applies them until the next start. (kube-router's own
        --cleanup-config crashes in its proxy clean-up before it gets to the firewall, so
        its chains are dropped from the filter table here.)"""
        for node in NODE_NAMES:
            self.proc(f"{node}-kube-router").stop()
            rules = run(netns.in_ns(node, ["iptables-save", "-t", "filter"]))
            run(
                netns.in_ns(node, ["iptables-restore", "-T", "filter"]),
                input=without_kube_router(rules),
            )
        LOG.say("kube-router stopped and its rules removed; `scripts/cluster.sh start` restores it")

    def delete(self) -> None:
        self.stop()
        try:
            shutil.rmtree(self.layout.root)
        except FileNotFoundError:
            pass
        except OSError as err:
            raise EnvError(f"removing {self.layout.root} failed: {err}") from err


def without_kube_router(rules: str) -> str:
    """`iptables-save` output without a line naming one of kube-router's chains."""
    kept = [line for line in rules.splitlines() if not any(c in line for c in KUBE_ROUTER_CHAINS)]
    return "".join(f"{line}\n" for line in kept)


def status_line(up: bool) -> str:
    if up:
        return (
            f"running: API server https://{API_IP}:{API_PORT}, nodes {' '.join(NODE_NAMES)} Ready"
        )
    return "not running"


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    cluster = Cluster(Layout.default())
    match command:
        case "start":
            try:
                cluster.start()
            except PlanError as err:
                print(err, file=sys.stderr)
                return 2
        case "stop":
            cluster.stop()
        case "status":
            up = cluster.running()
            print(status_line(up))
            return 0 if up else 1
        case "kubeconfig":
            print(cluster.layout.admin_kubeconfig)
        case "stop-enforcer":
            cluster.stop_enforcer()
        case "delete":
            cluster.delete()
        case _:
            print(USAGE, file=sys.stderr)
            return 2
    return 0
