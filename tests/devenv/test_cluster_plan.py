"""The cluster's processes: their command lines, start and stop order, readiness and state."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from devenv import cluster
from devenv.cluster_api import node_ready
from devenv.cluster_commands import (
    RemoveNetwork,
    RemoveNode,
    RemovePods,
    Settings,
    StopProcess,
    containerd,
    ctr,
    etcd,
    kube_apiserver,
    kube_controller_manager,
    kube_proxy,
    kube_router,
    kube_scheduler,
    kubelet,
    process_names,
    stop_plan,
)
from devenv.cluster_layout import NODE_NAMES, AddressPlan, Layout, Node, address_plan
from devenv.cluster_network import peer_routes
from devenv.paths import REPO
from devenv.pki import Cert, cluster_certs

PLAN = AddressPlan("10.96.0.0/12", "10.244.0.0/16", "10.96.0.1", ("10.244.1.0/24", "10.244.2.0/24"))
STATE = Path("/state/cluster")
S = Settings(Path("/bin-dir"), Layout(STATE), PLAN, python="/venv/python")
NODE_2 = PLAN.nodes()[1]


def flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_the_layout_is_the_one_earlier_versions_wrote() -> None:
    layout = Layout(STATE)
    assert layout.pki == STATE / "pki"
    assert layout.logs == STATE / "logs"
    assert layout.run == STATE / "run"
    assert layout.admin_kubeconfig == STATE / "admin.kubeconfig"
    assert layout.node_dir("netkit-k8s-node-1") == STATE / "nodes" / "netkit-k8s-node-1"
    assert layout.images == STATE / "images"


def test_the_nodes_get_their_addresses_and_pod_ranges_from_the_plan() -> None:
    assert PLAN.nodes() == [
        Node("netkit-k8s-node-1", 0, "10.244.1.0/24"),
        Node("netkit-k8s-node-2", 1, "10.244.2.0/24"),
    ]
    assert [n.address for n in PLAN.nodes()] == ["10.213.0.11", "10.213.0.12"]
    assert peer_routes(PLAN.nodes()) == [
        ("netkit-k8s-node-1", "10.244.2.0/24", "10.213.0.12"),
        ("netkit-k8s-node-2", "10.244.1.0/24", "10.213.0.11"),
    ]


def test_the_dev_stack_plan_is_read_from_its_stack_file() -> None:
    assert address_plan(REPO, "dev") == PLAN


def test_a_stack_mistake_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.x.yaml").write_text(
        "config:\n  netkit:kubernetes:\n    podCidr: 10.50.0.0/23\n"
    )
    monkeypatch.setattr(cluster, "REPO", tmp_path)
    monkeypatch.setenv("STACK", "x")
    monkeypatch.setattr(cluster, "need_root", lambda who, why: None)
    monkeypatch.setattr(cluster, "ensure_packages", lambda log, pkgs: None)
    monkeypatch.setattr(cluster, "succeeds", lambda argv, timeout=30: True)
    monkeypatch.setattr(cluster.Cluster, "running", lambda self: False)
    assert cluster.main(["start"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "Pulumi.x.yaml: netkit:kubernetes.podCidr: '10.50.0.0/23' is too small for the local "
        "cluster's 2 nodes (one /24 each); use an IPv4 /21 or larger"
    )


def test_the_control_plane_argv() -> None:
    store = etcd(S)
    assert store.argv[0] == "/bin-dir/etcd"
    assert flag(store.argv, "--data-dir") == "/state/cluster/etcd"
    assert flag(store.argv, "--listen-client-urls") == "http://127.0.0.1:23790"
    assert flag(store.argv, "--listen-metrics-urls") == ""
    api = kube_apiserver(S).argv
    assert flag(api, "--bind-address") == "10.213.255.1"
    assert flag(api, "--secure-port") == "6443"
    assert flag(api, "--service-cluster-ip-range") == "10.96.0.0/12"
    assert flag(api, "--client-ca-file") == "/state/cluster/pki/ca.crt"
    assert flag(api, "--etcd-servers") == "http://127.0.0.1:23790"
    cm = kube_controller_manager(S).argv
    assert flag(cm, "--kubeconfig") == "/state/cluster/controller-manager.kubeconfig"
    assert flag(cm, "--cluster-signing-key-file") == "/state/cluster/pki/ca.key"
    sched = kube_scheduler(S).argv
    assert flag(sched, "--secure-port") == "10359"
    assert "--leader-elect=false" in sched


def test_runtimes_run_in_the_node_namespace_with_cgroups_mounted_again() -> None:
    prefix = [
        "ip",
        "netns",
        "exec",
        "netkit-k8s-node-2",
        "/venv/python",
        "-m",
        "devenv",
        "in-netns",
    ]
    runtime = containerd(S, NODE_2)
    assert runtime.name == "netkit-k8s-node-2-containerd"
    assert runtime.argv == [
        *prefix,
        "containerd",
        "--config",
        "/state/cluster/nodes/netkit-k8s-node-2/containerd.toml",
    ]
    k = kubelet(S, NODE_2).argv
    assert k[: len(prefix)] == prefix and k[len(prefix)] == "/bin-dir/kubelet"
    assert flag(k, "--node-ip") == "10.213.0.12"
    assert flag(k, "--hostname-override") == "netkit-k8s-node-2"
    assert flag(k, "--kubeconfig") == "/state/cluster/netkit-k8s-node-2.kubeconfig"


def test_proxy_and_enforcer_run_in_the_node_namespace() -> None:
    proxy = kube_proxy(S, NODE_2).argv
    assert proxy[:5] == ["ip", "netns", "exec", "netkit-k8s-node-2", "/bin-dir/kube-proxy"]
    assert flag(proxy, "--cluster-cidr") == "10.244.0.0/16"
    assert flag(proxy, "--proxy-mode") == "iptables"
    router = kube_router(S, NODE_2).argv
    assert router[:5] == ["ip", "netns", "exec", "netkit-k8s-node-2", "/bin-dir/kube-router"]
    assert {"--run-firewall=true", "--run-router=false", "--run-service-proxy=false"} <= set(router)
    assert flag(router, "--service-cluster-ip-range") == "10.96.0.0/12"
    assert flag(router, "--health-port") == "20244"


def test_ctr_talks_to_the_node_socket() -> None:
    assert ctr(Layout(STATE), "netkit-k8s-node-1", "version") == [
        "ctr", "-a", "/state/cluster/nodes/netkit-k8s-node-1/containerd.sock", "-n", "k8s.io", "version",
    ]  # fmt: skip


def test_the_processes_in_start_order() -> None:
    assert process_names(NODE_NAMES) == [
        "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
        "netkit-k8s-node-1-containerd", "netkit-k8s-node-1-kubelet",
        "netkit-k8s-node-1-kube-proxy", "netkit-k8s-node-1-kube-router",
        "netkit-k8s-node-2-containerd", "netkit-k8s-node-2-kubelet",
        "netkit-k8s-node-2-kube-proxy", "netkit-k8s-node-2-kube-router",
    ]  # fmt: skip


def test_stop_ends_the_clients_then_the_pods_then_containerd_then_the_control_plane() -> None:
    n1 = "netkit-k8s-node-1"
    assert stop_plan([n1]) == [
        StopProcess(f"{n1}-kubelet"),
        StopProcess(f"{n1}-kube-proxy"),
        StopProcess(f"{n1}-kube-router"),
        RemovePods(n1),
        StopProcess(f"{n1}-containerd"),
        RemoveNode(n1),
        StopProcess("kube-scheduler"),
        StopProcess("kube-controller-manager"),
        StopProcess("kube-apiserver"),
        StopProcess("etcd"),
        RemoveNetwork(),
    ]


def node_json(ready: str) -> str:
    conditions = [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": ready}]
    return json.dumps({"kind": "Node", "status": {"conditions": conditions}})


def test_node_ready_reads_the_ready_condition() -> None:
    assert node_ready(node_json("True"))
    assert not node_ready(node_json("False"))
    assert not node_ready(node_json("Unknown"))
    assert not node_ready(json.dumps({"kind": "Node", "status": {}}))
    assert not node_ready("not json")
    assert not node_ready(None)


def test_the_certificates_name_the_api_addresses_and_each_node() -> None:
    certs = {c.name: c for c in cluster_certs("10.213.255.1", "10.96.0.1", NODE_NAMES)}
    api = certs["apiserver"]
    assert api.usage == "serverAuth"
    assert "IP:10.96.0.1" in api.sans and "IP:10.213.255.1" in api.sans
    assert certs["netkit-k8s-node-2"].subject == "/O=system:nodes/CN=system:node:netkit-k8s-node-2"
    assert certs["admin"].subject == "/O=system:masters/CN=netkit-admin"
    assert Cert("x", "/CN=x").extensions() == (
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=clientAuth\n"
    )


def test_stop_enforcer_drops_only_kube_router_rules() -> None:
    rules = "\n".join([
        "*filter",
        ":INPUT ACCEPT [0:0]",
        ":KUBE-ROUTER-INPUT - [0:0]",
        ":KUBE-SERVICES - [0:0]",
        "-A INPUT -j KUBE-ROUTER-INPUT",
        "-A KUBE-POD-FW-ABC -j ACCEPT",
        "-A KUBE-NWPLCY-X -j DROP",
        "-A FORWARD -j KUBE-SERVICES",
        "COMMIT",
    ])  # fmt: skip
    assert cluster.without_kube_router(rules) == (
        "*filter\n:INPUT ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n-A FORWARD -j KUBE-SERVICES\nCOMMIT\n"
    )


def test_status_and_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert cluster.status_line(True) == (
        "running: API server https://10.213.255.1:6443, nodes netkit-k8s-node-1 netkit-k8s-node-2 Ready"
    )
    assert cluster.status_line(False) == "not running"
    assert cluster.main(["bogus"]) == 2
    assert capsys.readouterr().err.strip() == (
        "usage: scripts/cluster.sh start|stop|status|kubeconfig|delete|stop-enforcer"
    )


def test_the_entry_script_prints_the_kubeconfig_path(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(REPO / "scripts" / "cluster.sh"), "kubeconfig"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "XDG_STATE_HOME": str(tmp_path)},
        check=True,
    )
    assert done.stdout == f"{tmp_path}/netkit/cluster/admin.kubeconfig\n"


def test_the_policy_crds_of_crds_go_to_the_cluster_through_its_admin_kubeconfig(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The end-to-end test of the CRDs passes on any cluster whose etcd already holds them;
    # this one fails if the install stops sending every file of crds/ to this cluster, or
    # its failure stops being one line.
    import netkit.crds
    from devenv.errors import EnvError
    from netkit.errors import NetkitError

    sent: list[tuple[list[Path], str | None]] = []

    def install(files: list[Path], *, kubeconfig: str | None = None) -> list[str]:
        sent.append((list(files), kubeconfig))
        return []

    monkeypatch.setattr(netkit.crds, "install_crds", install)
    layout = Layout(tmp_path)
    cluster.Cluster(layout).install_policy_crds()
    assert sent == [(netkit.crds.policy_crd_files(REPO), str(layout.admin_kubeconfig))]
    assert len(sent[0][0]) == 11

    def refuse(files: list[Path], *, kubeconfig: str | None = None) -> list[str]:
        raise NetkitError("tiers.projectcalico.org: not Established within 60 s")

    monkeypatch.setattr(netkit.crds, "install_crds", refuse)
    with pytest.raises(EnvError, match=r"^installing the policy CRDs: tiers\.projectcalico"):
        cluster.Cluster(layout).install_policy_crds()
