"""The cluster's config files, rendered from typed values, parse to what the programs read."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import yaml

from devenv.cluster_config import (
    CniConflist,
    ContainerdConfig,
    Kubeconfig,
    KubeletConfig,
    write_node_configs,
    write_once,
)

NODE = Path("/state/nodes/netkit-k8s-node-1")


def test_containerd_has_its_own_root_state_socket_and_the_cni_folders() -> None:
    config = tomllib.loads(ContainerdConfig(NODE).render())
    assert config["version"] == 2
    assert config["root"] == f"{NODE}/containerd/root"
    assert config["state"] == f"{NODE}/containerd/state"
    assert config["grpc"] == {"address": f"{NODE}/containerd.sock"}
    cri = config["plugins"]["io.containerd.grpc.v1.cri"]
    assert cri["sandbox_image"] == "netkit.local/pause:1"
    assert cri["restrict_oom_score_adj"] is True
    assert cri["netns_mounts_under_state_dir"] is True
    assert cri["cni"] == {"bin_dir": "/usr/lib/cni", "conf_dir": f"{NODE}/cni"}
    assert cri["containerd"]["runtimes"]["runc"] == {"runtime_type": "io.containerd.runc.v2"}
    assert "io.containerd.snapshotter.v1.btrfs" in config["disabled_plugins"]


def test_a_path_with_quotes_stays_one_toml_string() -> None:
    odd = Path('/tmp/a "b"\\c')
    assert tomllib.loads(ContainerdConfig(odd).render())["root"] == f"{odd}/containerd/root"


def test_the_cni_conflist_gives_the_node_its_pod_range() -> None:
    conflist = json.loads(CniConflist("10.244.2.0/24", NODE / "ipam").render())
    (bridge,) = conflist["plugins"]
    assert bridge["type"] == "bridge" and bridge["isGateway"] is True
    assert bridge["ipam"]["ranges"] == [[{"subnet": "10.244.2.0/24"}]]
    assert bridge["ipam"]["dataDir"] == f"{NODE}/ipam"


def test_the_kubelet_config_names_the_node_address_socket_and_ca() -> None:
    config = yaml.safe_load(KubeletConfig(NODE, "10.213.0.12", Path("/pki/ca.crt")).render())
    assert config["kind"] == "KubeletConfiguration"
    assert config["address"] == "10.213.0.12"
    assert config["containerRuntimeEndpoint"] == f"unix://{NODE}/containerd.sock"
    assert config["authentication"]["x509"] == {"clientCAFile": "/pki/ca.crt"}
    assert config["authentication"]["anonymous"] == {"enabled": False}
    assert config["cgroupsPerQOS"] is False
    assert config["healthzBindAddress"] == "127.0.0.1"
    assert config["resolvConf"] == f"{NODE}/resolv.conf"
    assert config["evictionHard"]["memory.available"] == "1Mi"


def test_a_kubeconfig_names_server_ca_certificate_and_key() -> None:
    config = yaml.safe_load(Kubeconfig("kube-proxy", "kube-proxy", Path("/pki")).render())
    assert config["clusters"] == [
        {
            "name": "netkit-local",
            "cluster": {
                "server": "https://10.213.255.1:6443",
                "certificate-authority": "/pki/ca.crt",
            },
        }
    ]
    assert config["users"] == [
        {
            "name": "kube-proxy",
            "user": {
                "client-certificate": "/pki/kube-proxy.crt",
                "client-key": "/pki/kube-proxy.key",
            },
        }
    ]
    assert config["contexts"][0]["context"] == {"cluster": "netkit-local", "user": "kube-proxy"}
    assert config["current-context"] == "netkit-local"


def test_write_node_configs_makes_the_node_folder(tmp_path: Path) -> None:
    write_node_configs(tmp_path, "10.244.1.0/24", "10.213.0.11", tmp_path / "ca.crt")
    names = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert names == [
        "cni",
        "cni/10-netkit.conflist",
        "containerd.toml",
        "kubelet",
        "kubelet.yaml",
        "resolv.conf",
    ]
    assert (tmp_path / "resolv.conf").read_text() == ""


def test_write_once_keeps_a_file_with_content(tmp_path: Path) -> None:
    path = tmp_path / "admin.kubeconfig"
    write_once(path, "first")
    write_once(path, "second")
    assert path.read_text() == "first"
    path.write_text("")
    write_once(path, "third")
    assert path.read_text() == "third"
