#!/usr/bin/env bash
# The local Kubernetes cluster the dev stack is applied to, from the binaries
# scripts/cluster-toolchain.sh builds (Debian's containerd, runc and CNI plugins
# for the nodes). Needs root: it makes network namespaces and runs containers.
#
#   control plane  etcd, kube-apiserver, kube-controller-manager and kube-scheduler
#                  in this machine's own network namespace. etcd and the
#                  controllers listen on loopback; the API server listens on
#                  10.213.255.1, this end of a veth pair into the cluster's LAN
#                  (the nodes reach it there), and nowhere else.
#   LAN            a network namespace `netkit-k8s-lan` holding one bridge that
#                  connects the nodes (10.213.0.0/24) and routes to the API server.
#   nodes          netkit-k8s-node-1 and -2, each a network namespace with
#                  containerd (its own root, state and socket), kubelet, kube-proxy
#                  (iptables), kube-router as the NetworkPolicy enforcer (firewall
#                  only) and the CNI bridge + host-local plugins giving pods
#                  addresses from that node's /24 of the stack's podCidr.
# No namespace has a default route, so nothing the cluster runs can reach beyond
# the namespaces made here and this machine's loopback.
#
# Certificates (own CA, openssl), logs, etcd's data and the nodes' state live under
# ${XDG_STATE_HOME:-$HOME/.local/state}/netkit/cluster. The Service range and the pod
# range come from the stack's spec (STACK, default dev): kubernetes.serviceCidr and
# kubernetes.podCidr.
#
# Usage: scripts/cluster.sh start|stop|status|kubeconfig|delete|stop-enforcer
#   start       start whatever is not running (a running cluster is left alone)
#   stop        stop every process, remove the namespaces; keep etcd's data and images
#   status      exit 0 if the API server answers and both nodes are Ready
#   kubeconfig  print the admin kubeconfig's path (it exists once started)
#   delete      stop, then remove all state (the next start is a cold one)
#   stop-enforcer  stop kube-router and remove its rules (tests break enforcement so)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="${XDG_STATE_HOME:-$HOME/.local/state}/netkit/cluster"
pki="$state/pki"
logs="$state/logs"
run="$state/run"
kubeconfig="$state/admin.kubeconfig"
STACK="${STACK:-dev}"

NODES=(netkit-k8s-node-1 netkit-k8s-node-2)
LAN_NS=netkit-k8s-lan
LAN_NET=10.213.0
HOST_IF=netkit-k8s      # this namespace's end of the uplink
API_IP=10.213.255.1     # the API server, on HOST_IF
UPLINK_IP=10.213.255.2  # the LAN's end of the uplink
API_PORT=6443
ETCD_PORT=23790 ETCD_PEER_PORT=23800
CM_PORT=10357 SCHED_PORT=10359
IMAGES=(netkit.local/pause:1 netkit.local/server:1)

log() { echo "cluster: $*" >&2; }
die() {
    log "$*"
    exit 1
}

# ---------------------------------------------------------------- in a node
# `ip netns exec` gives the command a fresh /sys, which hides the cgroup
# hierarchies runc and kubelet need: mount the same v1 hierarchies again.
if [[ "${1:-}" == __in-node ]]; then
    shift
    mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
    while read -r _ target fstype options _; do
        [[ $fstype == cgroup && $target == /sys/fs/cgroup/* ]] || continue
        controllers=$(tr , '\n' <<<"$options" | grep -Ev '^(rw|ro|relatime|nosuid|nodev|noexec)$' | paste -sd,)
        mkdir -p "$target"
        mount -t cgroup -o "$controllers" cgroup "$target"
    done </proc/1/mounts
    exec "$@"
fi

bin_dir() { "$root/scripts/cluster-toolchain.sh" --print-bin; }

alive() { # NAME: its recorded process is running
    local pid
    pid=$(cat "$run/$1.pid" 2>/dev/null) || return 1
    kill -0 "$pid" 2>/dev/null
}

# launch NAME CMD...: run CMD in the background, in a session of its own, logging
# to logs/NAME.log, unless the process recorded for NAME is alive.
launch() {
    local name=$1
    shift
    alive "$name" && return 0
    mkdir -p "$logs" "$run"
    setsid "$@" >>"$logs/$name.log" 2>&1 </dev/null &
    echo $! >"$run/$name.pid"
}

# wait_for WHAT SECONDS CMD...: poll CMD until it succeeds.
wait_for() {
    local what=$1 limit=$2 start=$SECONDS
    shift 2
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS - start > limit)); then
            die "$what did not come up within ${limit}s; see $logs"
        fi
        sleep 0.5
    done
}

kubectl_get() { # PATH: GET an API path as the admin
    curl -sf --max-time 5 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
        "https://$API_IP:$API_PORT$1"
}

# ---------------------------------------------------------------- certificates
# cert NAME SUBJECT [SANS] [USAGE]: a key and a certificate signed by the CA.
cert() {
    local name=$1 subject=$2 sans=${3:-} usage=${4:-clientAuth}
    [[ -s "$pki/$name.crt" ]] && return 0
    local ext="$pki/$name.ext"
    {
        echo "basicConstraints=CA:FALSE"
        echo "keyUsage=critical,digitalSignature,keyEncipherment"
        echo "extendedKeyUsage=$usage"
        [[ -n $sans ]] && echo "subjectAltName=$sans"
    } >"$ext"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$pki/$name.key" -subj "$subject" \
        -out "$pki/$name.csr" 2>/dev/null
    openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
        -CAcreateserial -days 3650 -extfile "$ext" -out "$pki/$name.crt" 2>/dev/null
    rm -f "$pki/$name.csr" "$ext"
}

kubeconfig_for() { # NAME CERT: a kubeconfig authenticating with CERT
    local file="$state/$1.kubeconfig"
    [[ -s "$file" ]] && return 0
    cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: netkit-local
  cluster:
    server: https://$API_IP:$API_PORT
    certificate-authority: $pki/ca.crt
users:
- name: $1
  user:
    client-certificate: $pki/$2.crt
    client-key: $pki/$2.key
contexts:
- name: netkit-local
  context: {cluster: netkit-local, user: $1}
current-context: netkit-local
EOF
}

make_pki() {
    mkdir -p "$pki"
    chmod 700 "$pki"
    if [[ ! -s "$pki/ca.crt" ]]; then
        log "making the cluster's CA and certificates"
        openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$pki/ca.key" -days 3650 \
            -subj "/CN=netkit-local-ca" -out "$pki/ca.crt" 2>/dev/null
    fi
    cert apiserver "/CN=kube-apiserver" \
        "IP:$API_IP,IP:127.0.0.1,IP:$API_SERVICE_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc" \
        serverAuth
    cert admin "/O=system:masters/CN=netkit-admin"
    cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
    cert controller-manager "/CN=system:kube-controller-manager"
    cert scheduler "/CN=system:kube-scheduler"
    cert kube-proxy "/CN=system:kube-proxy"
    # kube-router reads pods, namespaces, nodes and NetworkPolicies cluster-wide.
    cert kube-router "/O=system:masters/CN=kube-router"
    local node
    for node in "${NODES[@]}"; do
        cert "$node" "/O=system:nodes/CN=system:node:$node"
        kubeconfig_for "$node" "$node"
    done
    [[ -s "$pki/sa.key" ]] || {
        openssl ecparam -name prime256v1 -genkey -noout -out "$pki/sa.key" 2>/dev/null
        openssl ec -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
    }
    kubeconfig_for admin admin
    kubeconfig_for controller-manager controller-manager
    kubeconfig_for scheduler scheduler
    kubeconfig_for kube-proxy kube-proxy
    kubeconfig_for kube-router kube-router
}

# ---------------------------------------------------------------- network
netns_exists() { ip netns list | grep -qw "^$1"; }

make_network() {
    if ! netns_exists $LAN_NS; then
        ip netns add $LAN_NS
        ip -n $LAN_NS link set lo up
        ip -n $LAN_NS link add br0 type bridge
        ip -n $LAN_NS addr add $LAN_NET.1/24 dev br0
        ip -n $LAN_NS link set br0 up
        ip netns exec $LAN_NS sysctl -qw net.ipv4.ip_forward=1
    fi
    if ! ip link show $HOST_IF >/dev/null 2>&1; then
        ip link add $HOST_IF type veth peer name uplink netns $LAN_NS
        ip addr add $API_IP/30 dev $HOST_IF
        ip link set $HOST_IF up
        ip -n $LAN_NS addr add $UPLINK_IP/30 dev uplink
        ip -n $LAN_NS link set uplink up
    fi
    ip route replace $LAN_NET.0/24 via $UPLINK_IP dev $HOST_IF
    local i node pods
    for i in "${!NODES[@]}"; do
        node=${NODES[$i]}
        netns_exists "$node" && continue
        ip netns add "$node"
        ip -n "$node" link set lo up
        ip link add "n$((i + 1))" netns $LAN_NS type veth peer name eth0 netns "$node"
        ip -n $LAN_NS link set "n$((i + 1))" master br0 up
        ip -n "$node" addr add "$LAN_NET.$((11 + i))/24" dev eth0
        ip -n "$node" link set eth0 up
        ip -n "$node" route add $API_IP/32 via $LAN_NET.1
        ip netns exec "$node" sysctl -qw net.ipv4.ip_forward=1
        ip netns exec "$node" sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null || true
    done
    # Each node reaches the others' pods through their node address.
    local j
    for i in "${!NODES[@]}"; do
        for j in "${!NODES[@]}"; do
            ((i == j)) && continue
            pods=$(cut -d' ' -f$((j + 1)) <<<"$NODE_POD_CIDRS")
            ip -n "${NODES[$i]}" route replace "$pods" via "$LAN_NET.$((11 + j))"
        done
    done
}

# ---------------------------------------------------------------- images
# The pause image (a static binary from a C source here) and the server image
# the dev stack's Deployments run (Debian's busybox serving each declared port),
# as image archives every node's containerd imports; nothing is pulled.
make_images() {
    local dir="$state/images"
    mkdir -p "$dir"
    if [[ ! -s "$dir/pause.tar" ]]; then
        log "building the pause image"
        local work
        work=$(mktemp -d)
        gcc -static -Os -o "$work/pause" "$root/scripts/cluster/pause.c"
        strip "$work/pause"
        tar -C "$work" -c pause | docker import -c 'ENTRYPOINT ["/pause"]' - netkit.local/pause:1 >/dev/null
        docker save netkit.local/pause:1 -o "$dir/.pause.tar.$$"
        mv "$dir/.pause.tar.$$" "$dir/pause.tar"
        rm -rf "$work"
    fi
    if [[ ! -s "$dir/server.tar" ]]; then
        log "building the server image"
        "$root/scripts/docker-image.sh"
        local work
        work=$(mktemp -d)
        cp "$root/scripts/cluster/server/Dockerfile" "$root/scripts/cluster/server/serve.sh" "$work/"
        gcc -static -Os -o "$work/netkit-probe" "$root/scripts/cluster/server/netkit-probe.c"
        strip "$work/netkit-probe"
        docker build -q -t netkit.local/server:1 "$work" >"$dir/build.log" 2>&1 ||
            die "building the server image failed: $(cat "$dir/build.log")"
        rm -rf "$work"
        docker save netkit.local/server:1 -o "$dir/.server.tar.$$"
        mv "$dir/.server.tar.$$" "$dir/server.tar"
    fi
}

# ---------------------------------------------------------------- nodes
node_dir() { echo "$state/nodes/$1"; }
ctr_of() { ctr -a "$(node_dir "$1")/containerd.sock" -n k8s.io "${@:2}"; }

write_node_config() { # NODE INDEX
    local node=$1 i=$2 dir pods
    dir=$(node_dir "$node")
    pods=$(cut -d' ' -f$((i + 1)) <<<"$NODE_POD_CIDRS")
    mkdir -p "$dir/cni" "$dir/kubelet"
    cat >"$dir/containerd.toml" <<EOF
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$dir/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "netkit.local/pause:1"
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
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni"
EOF
    cat >"$dir/cni/10-netkit.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "netkit",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$pods"}]],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dataDir": "$dir/ipam"
      }
    }
  ]
}
EOF
    : >"$dir/resolv.conf"
    cat >"$dir/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
# Both nodes share this machine's cgroup hierarchy: no QoS tree of their own.
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
containerRuntimeEndpoint: unix://$dir/containerd.sock
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: Webhook}
address: $LAN_NET.$((11 + i))
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
resolvConf: $dir/resolv.conf
clusterDomain: cluster.local
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "1Mi", nodefs.available: "1%", imagefs.available: "1%"}
maxPods: 30
serializeImagePulls: false
EOF
}

start_node() { # NODE INDEX
    local node=$1 i=$2 dir bin
    dir=$(node_dir "$node")
    bin=$(bin_dir)
    write_node_config "$node" "$i"
    launch "$node-containerd" ip netns exec "$node" "$root/scripts/cluster.sh" __in-node \
        containerd --config "$dir/containerd.toml"
    wait_for "$node's containerd" 30 ctr_of "$node" version
    local image
    for image in pause server; do
        ctr_of "$node" images ls -q | grep -qx "netkit.local/$image:1" ||
            ctr_of "$node" images import "$state/images/$image.tar" >/dev/null
    done
    launch "$node-kubelet" ip netns exec "$node" "$root/scripts/cluster.sh" __in-node "$bin/kubelet" \
        --config "$dir/kubelet.yaml" --kubeconfig "$state/$node.kubeconfig" \
        --root-dir "$dir/kubelet" --cert-dir "$dir/kubelet/pki" \
        --hostname-override "$node" --node-ip "$LAN_NET.$((11 + i))" --v=1
    launch "$node-kube-proxy" ip netns exec "$node" "$bin/kube-proxy" \
        --kubeconfig "$state/kube-proxy.kubeconfig" --hostname-override "$node" \
        --proxy-mode iptables --cluster-cidr "$POD_CIDR" \
        --metrics-bind-address 127.0.0.1:10249 --healthz-bind-address 127.0.0.1:10256 \
        --conntrack-max-per-core 0 --conntrack-tcp-timeout-established 0 \
        --conntrack-tcp-timeout-close-wait 0
}

# The NetworkPolicy enforcer: kube-router's firewall alone (iptables + ipset in the
# node's namespace); routes and Services stay with the bridge and kube-proxy. It exits
# unless its node is registered already, so it starts once the nodes are Ready.
start_enforcer() { # NODE
    local node=$1
    launch "$node-kube-router" ip netns exec "$node" "$(bin_dir)/kube-router" \
        --kubeconfig "$state/kube-router.kubeconfig" --hostname-override "$node" \
        --run-firewall=true --run-router=false --run-service-proxy=false \
        --service-cluster-ip-range "$SERVICE_CIDR" --metrics-port 0 --health-port 20244
    wait_for "$node's kube-router" 60 ip netns exec "$node" curl -sf --max-time 2 http://127.0.0.1:20244/healthz
}

# ---------------------------------------------------------------- control plane
start_control_plane() {
    local bin
    bin=$(bin_dir)
    mkdir -p "$state/etcd"
    chmod 700 "$state/etcd"
    launch etcd "$bin/etcd" --name netkit --data-dir "$state/etcd" \
        --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
        --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
        --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-cluster "netkit=http://127.0.0.1:$ETCD_PEER_PORT" \
        --listen-metrics-urls "" --log-level warn
    wait_for etcd 30 curl -sf "http://127.0.0.1:$ETCD_PORT/readyz"
    launch kube-apiserver "$bin/kube-apiserver" \
        --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
        --bind-address $API_IP --advertise-address $API_IP --secure-port $API_PORT \
        --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
        --client-ca-file "$pki/ca.crt" \
        --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
        --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
        --kubelet-preferred-address-types InternalIP \
        --service-account-key-file "$pki/sa.pub" \
        --service-account-signing-key-file "$pki/sa.key" \
        --service-account-issuer https://kubernetes.default.svc \
        --service-cluster-ip-range "$SERVICE_CIDR" \
        --authorization-mode Node,RBAC --allow-privileged=true \
        --enable-admission-plugins NodeRestriction --profiling=false
    wait_for kube-apiserver 120 kubectl_get /readyz
    launch kube-controller-manager "$bin/kube-controller-manager" \
        --kubeconfig "$state/controller-manager.kubeconfig" \
        --authentication-kubeconfig "$state/controller-manager.kubeconfig" \
        --authorization-kubeconfig "$state/controller-manager.kubeconfig" \
        --bind-address 127.0.0.1 --secure-port $CM_PORT \
        --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
        --use-service-account-credentials --service-cluster-ip-range "$SERVICE_CIDR" \
        --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
        --leader-elect=false --profiling=false
    launch kube-scheduler "$bin/kube-scheduler" --kubeconfig "$state/scheduler.kubeconfig" \
        --authentication-kubeconfig "$state/scheduler.kubeconfig" \
        --authorization-kubeconfig "$state/scheduler.kubeconfig" \
        --bind-address 127.0.0.1 --secure-port $SCHED_PORT --leader-elect=false --profiling=false
}

nodes_ready() {
    local node
    for node in "${NODES[@]}"; do
        kubectl_get "/api/v1/nodes/$node" |
            python3 -c 'import json,sys; c={x["type"]:x["status"] for x in json.load(sys.stdin)["status"]["conditions"]}; sys.exit(c.get("Ready")!="True")' ||
            return 1
    done
}

running() { # every process alive and the API server ready
    local name
    for name in etcd kube-apiserver kube-controller-manager kube-scheduler; do
        alive $name || return 1
    done
    for node in "${NODES[@]}"; do
        for name in containerd kubelet kube-proxy kube-router; do
            alive "$node-$name" || return 1
        done
    done
    kubectl_get /readyz >/dev/null
}

address_plan() {
    local py="$root/.venv/bin/python"
    [[ -x $py ]] || py=python3
    local plan
    plan=$(cd "$root" && "$py" -m netkit.local_cluster --stack "$STACK" --nodes ${#NODES[@]}) || exit 2
    eval "$plan"
}

# Debian's containerd, runc, CNI plugins, ipset (kube-router) and gcc (the pause image).
packages() {
    local missing=()
    command -v containerd >/dev/null || missing+=(containerd)
    command -v runc >/dev/null || missing+=(runc)
    [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local ]] || missing+=(containernetworking-plugins)
    command -v ipset >/dev/null || missing+=(ipset)
    command -v iptables >/dev/null || missing+=(iptables)
    command -v gcc >/dev/null || missing+=(gcc libc6-dev)
    command -v curl >/dev/null || missing+=(curl)
    ((${#missing[@]} == 0)) && return 0
    log "installing ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

start() {
    [[ $(id -u) == 0 ]] || die "needs root (network namespaces, containers); run it as root"
    packages
    "$root/scripts/cluster-toolchain.sh" --check >/dev/null 2>&1 ||
        die "the cluster's binaries are not built; run scripts/cluster-toolchain.sh (make cluster-toolchain)"
    if running && nodes_ready; then
        log "already running (kubeconfig: $kubeconfig)"
        return 0
    fi
    local t0=$SECONDS
    address_plan
    make_pki
    make_images
    make_network
    start_control_plane
    local i
    for i in "${!NODES[@]}"; do
        start_node "${NODES[$i]}" "$i"
    done
    wait_for "the nodes" 120 nodes_ready
    local node
    for node in "${NODES[@]}"; do
        start_enforcer "$node"
    done
    log "running in $((SECONDS - t0))s (kubeconfig: $kubeconfig)"
}

# stop_process NAME: SIGTERM, then SIGKILL after 10 s, of NAME's session.
stop_process() {
    local pid
    pid=$(cat "$run/$1.pid" 2>/dev/null) || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        local n=0
        while kill -0 "$pid" 2>/dev/null && ((n < 100)); do
            sleep 0.1
            n=$((n + 1))
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$run/$1.pid"
}

stop_node() {
    local node=$1 id
    stop_process "$node-kubelet"
    stop_process "$node-kube-proxy"
    stop_process "$node-kube-router"
    if alive "$node-containerd"; then
        # The pods' shims outlive containerd: kill and remove them through it first.
        for id in $(ctr_of "$node" tasks ls -q 2>/dev/null); do
            ctr_of "$node" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
        done
        sleep 0.5
        for id in $(ctr_of "$node" tasks ls -q 2>/dev/null); do
            ctr_of "$node" tasks rm -f "$id" >/dev/null 2>&1 || true
        done
        for id in $(ctr_of "$node" containers ls -q 2>/dev/null); do
            ctr_of "$node" containers rm "$id" >/dev/null 2>&1 || true
        done
    fi
    stop_process "$node-containerd"
    netns_exists "$node" && ip netns delete "$node"
    rm -rf "$(node_dir "$node")/ipam"
}

stop() {
    local node
    for node in "${NODES[@]}"; do
        stop_node "$node"
    done
    stop_process kube-scheduler
    stop_process kube-controller-manager
    stop_process kube-apiserver
    stop_process etcd
    ip link show $HOST_IF >/dev/null 2>&1 && ip link delete $HOST_IF
    netns_exists $LAN_NS && ip netns delete $LAN_NS
    log "stopped"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status)
    if running && nodes_ready; then
        echo "running: API server https://$API_IP:$API_PORT, nodes ${NODES[*]} Ready"
    else
        echo "not running"
        exit 1
    fi
    ;;
kubeconfig) echo "$kubeconfig" ;;
stop-enforcer)
    # For the tests that prove `netkit probe` notices: NetworkPolicies stay in the API
    # and nothing applies them until the next start.
    # (kube-router's own --cleanup-config crashes in its proxy clean-up before it
    # gets to the firewall, so its chains are dropped from the filter table here.)
    for node in "${NODES[@]}"; do
        stop_process "$node-kube-router"
        ip netns exec "$node" sh -c 'iptables-save -t filter |
            grep -Ev "KUBE-ROUTER|KUBE-POD-FW|KUBE-NWPLCY|KUBE-SRC|KUBE-DST" | iptables-restore -T filter'
    done
    log "kube-router stopped and its rules removed; \`$0 start\` restores it"
    ;;
delete)
    stop
    rm -rf "$state"
    ;;
*)
    echo "usage: $0 start|stop|status|kubeconfig|delete|stop-enforcer" >&2
    exit 2
    ;;
esac
