"""The files the cluster's programs read: containerd's TOML, the CNI conflist, the
KubeletConfiguration and the kubeconfigs, each a typed value rendered to text.

Strings are written with `json.dumps`: a JSON string is a valid TOML basic string and a
valid YAML double-quoted scalar, so a path with odd characters cannot break a file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from devenv.cluster_layout import API_IP, API_PORT, image_ref

CNI_BIN_DIR = "/usr/lib/cni"
"""Debian's containernetworking-plugins."""
CLUSTER_NAME = "netkit-local"


def q(value: str | Path) -> str:
    """`value` quoted for TOML and YAML alike."""
    return json.dumps(str(value))


@dataclass(frozen=True)
class ContainerdConfig:
    """A node's containerd: its own root, state and socket under the node's folder."""

    node_dir: Path

    @property
    def socket(self) -> Path:
        return self.node_dir / "containerd.sock"

    @property
    def cni_dir(self) -> Path:
        return self.node_dir / "cni"

    def render(self) -> str:
        d = self.node_dir
        return f"""version = 2
root = {q(d / "containerd" / "root")}
state = {q(d / "containerd" / "state")}
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = {q(self.socket)}
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = {q(image_ref("pause"))}
  # No process here may lower its OOM score (no CAP_SYS_RESOURCE); kubelet asks
  # -998 for every sandbox, so clamp it instead of failing.
  restrict_oom_score_adj = true
  # Pod network namespaces under the state folder, not /var/run/netns.
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = {q(CNI_BIN_DIR)}
    conf_dir = {q(self.cni_dir)}
"""


@dataclass(frozen=True)
class CniConflist:
    """The CNI `bridge` + `host-local` plugins giving pods addresses from the node's /24."""

    pods: str
    ipam_dir: Path

    FILE_NAME = "10-netkit.conflist"

    def render(self) -> str:
        conflist = {
            "cniVersion": "1.0.0",
            "name": "netkit",
            "plugins": [
                {
                    "type": "bridge",
                    "bridge": "cni0",
                    "isGateway": True,
                    "ipMasq": False,
                    "hairpinMode": True,
                    "ipam": {
                        "type": "host-local",
                        "ranges": [[{"subnet": self.pods}]],
                        "routes": [{"dst": "0.0.0.0/0"}],
                        "dataDir": str(self.ipam_dir),
                    },
                }
            ],
        }
        return json.dumps(conflist, indent=2) + "\n"


@dataclass(frozen=True)
class KubeletConfig:
    """A node's KubeletConfiguration."""

    node_dir: Path
    address: str
    client_ca: Path

    def render(self) -> str:
        d = self.node_dir
        return f"""apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
# Both nodes share this machine's cgroup hierarchy: no QoS tree of their own.
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
containerRuntimeEndpoint: {q(f"unix://{d / 'containerd.sock'}")}
authentication:
  anonymous: {{enabled: false}}
  webhook: {{enabled: true}}
  x509: {{clientCAFile: {q(self.client_ca)}}}
authorization: {{mode: Webhook}}
address: {q(self.address)}
port: 10250
readOnlyPort: 0
healthzBindAddress: "127.0.0.1"
healthzPort: 10248
resolvConf: {q(d / "resolv.conf")}
clusterDomain: cluster.local
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {{memory.available: "1Mi", nodefs.available: "1%", imagefs.available: "1%"}}
maxPods: 30
serializeImagePulls: false
"""


@dataclass(frozen=True)
class Kubeconfig:
    """A kubeconfig authenticating `user` with a client certificate and key from `pki`."""

    user: str
    cert: str
    """The certificate's name in `pki` (NAME.crt, NAME.key)."""
    pki: Path
    server: str = f"https://{API_IP}:{API_PORT}"

    def render(self) -> str:
        return f"""apiVersion: v1
kind: Config
clusters:
- name: {CLUSTER_NAME}
  cluster:
    server: {q(self.server)}
    certificate-authority: {q(self.pki / "ca.crt")}
users:
- name: {q(self.user)}
  user:
    client-certificate: {q(self.pki / f"{self.cert}.crt")}
    client-key: {q(self.pki / f"{self.cert}.key")}
contexts:
- name: {CLUSTER_NAME}
  context: {{cluster: {CLUSTER_NAME}, user: {q(self.user)}}}
current-context: {CLUSTER_NAME}
"""


def write_once(path: Path, text: str) -> None:
    """Write `path` unless it has content already (certificates' kubeconfigs are kept)."""
    if path.exists() and path.stat().st_size > 0:
        return
    path.write_text(text)


def write_node_configs(node_dir: Path, pods: str, address: str, client_ca: Path) -> None:
    """containerd.toml, cni/10-netkit.conflist, an empty resolv.conf and kubelet.yaml."""
    containerd = ContainerdConfig(node_dir)
    containerd.cni_dir.mkdir(parents=True, exist_ok=True)
    (node_dir / "kubelet").mkdir(parents=True, exist_ok=True)
    (node_dir / "containerd.toml").write_text(containerd.render())
    (containerd.cni_dir / CniConflist.FILE_NAME).write_text(
        CniConflist(pods, node_dir / "ipam").render()
    )
    (node_dir / "resolv.conf").write_text("")
    (node_dir / "kubelet.yaml").write_text(KubeletConfig(node_dir, address, client_ca).render())
