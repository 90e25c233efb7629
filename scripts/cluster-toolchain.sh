#!/usr/bin/env bash
# Build the local Kubernetes cluster's binaries from the Go module proxy (no
# registry reachable here ships them):
#   etcd                     go.etcd.io/etcd/server/v3 (toolchain/cluster/etcd)
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy,
#   kubectl                  k8s.io/kubernetes (toolchain/cluster/kubernetes)
#   kube-router              github.com/cloudnativelabs/kube-router/v2, the
#                            NetworkPolicy enforcer (toolchain/cluster/kube-router)
# Versions: toolchain/cluster/versions.env.
#
# Output: ${XDG_CACHE_HOME:-$HOME/.cache}/netkit/cluster/<key>/bin, printed as
# the last line of stdout. <key> names the versions plus a hash of
# toolchain/cluster, so a change to a pin or a go.sum builds into a new folder.
# Each binary is built only when missing, into a temporary name, then moved
# into place; a run with everything in place only checks.
#
# Usage: scripts/cluster-toolchain.sh [--check | --print-bin]
#   --check      exit 0 if every binary is built, 1 otherwise; builds nothing
#   --print-bin  print the bin folder and exit (builds nothing)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tc="$root/toolchain/cluster"
# shellcheck source=/dev/null
source "$tc/versions.env"

mode=build
case "${1:-}" in
"") ;;
--check) mode=check ;;
--print-bin) mode=print ;;
*)
    echo "usage: $0 [--check | --print-bin]" >&2
    exit 2
    ;;
esac

src_hash=$(cd "$tc" && find . -type f ! -name '*.md' -print0 | LC_ALL=C sort -z |
    xargs -0 sha256sum | sha256sum | cut -c1-10)
key="k8s-${CLUSTER_KUBERNETES_VERSION}_etcd-${CLUSTER_ETCD_VERSION}_kube-router-${CLUSTER_KUBE_ROUTER_VERSION}_${src_hash}"
bin="${XDG_CACHE_HOME:-$HOME/.cache}/netkit/cluster/$key/bin"

k8s_cmds=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
names=(etcd "${k8s_cmds[@]}" kube-router)

missing() {
    local n
    for n in "${names[@]}"; do
        [[ -x "$bin/$n" ]] || return 0
    done
    return 1
}

if [[ $mode == print ]]; then
    echo "$bin"
    exit 0
fi
if [[ $mode == check ]]; then
    if missing; then
        echo "cluster-toolchain: not built yet: $bin (run scripts/cluster-toolchain.sh)" >&2
        exit 1
    fi
    echo "$bin"
    exit 0
fi
if ! missing; then
    echo "$bin"
    exit 0
fi

command -v go >/dev/null || {
    echo "cluster-toolchain: needs Go (1.26) on PATH" >&2
    exit 1
}

log() { echo "cluster-toolchain: $*" >&2; }

# A go.mod must pin what versions.env says.
require_pin() { # go.mod module version
    grep -Eq "^[[:space:]]*(require[[:space:]]+)?$2 $3( |$)" "$1" || {
        log "$1 does not require $2 $3 (toolchain/cluster/versions.env says so); fix one of them"
        exit 1
    }
}
require_pin "$tc/kubernetes/go.mod" k8s.io/kubernetes "$CLUSTER_KUBERNETES_VERSION"
require_pin "$tc/etcd/go.mod" go.etcd.io/etcd/server/v3 "$CLUSTER_ETCD_VERSION"
require_pin "$tc/kube-router/go.mod" github.com/cloudnativelabs/kube-router/v2 "$CLUSTER_KUBE_ROUTER_VERSION"
grep -q "k8s.io/api => k8s.io/api $CLUSTER_STAGING_VERSION" "$tc/kubernetes/go.mod" || {
    log "$tc/kubernetes/go.mod does not replace the staging modules with $CLUSTER_STAGING_VERSION"
    exit 1
}

# Builds use the committed go.sum files only (no module resolution at build time).
export GOFLAGS="-mod=readonly -trimpath -buildvcs=false"
export GOTOOLCHAIN=local CGO_ENABLED=0
mkdir -p "$bin"
trap 'rm -f "$bin"/.*.tmp.$$' EXIT

# build NAME MODULE_DIR PACKAGE [LDFLAGS]: unless bin/NAME exists, build it
# into a temporary name, then move it into place.
build() {
    local name=$1 dir=$2 pkg=$3 ldflags="-s -w ${4:-}"
    local dst="$bin/$name" tmp="$bin/.$name.tmp.$$" start=$SECONDS
    [[ -x "$dst" ]] && return 0
    log "building $name ..."
    go build -C "$dir" -ldflags "$ldflags" -o "$tmp" "$pkg"
    mv -f "$tmp" "$dst"
    log "built $name in $((SECONDS - start))s"
}

build etcd "$tc/etcd" .
# The version the binaries report (kubelet registers its node with it, and
# clients compare it); a build outside Kubernetes' tree would say v0.0.0.
vpkg=k8s.io/component-base/version
kver="-X $vpkg.gitVersion=$CLUSTER_KUBERNETES_VERSION -X $vpkg.gitMajor=1"
kver+=" -X $vpkg.gitMinor=$(cut -d. -f2 <<<"$CLUSTER_KUBERNETES_VERSION")"
kver+=" -X $vpkg.gitTreeState=clean"
for cmd in "${k8s_cmds[@]}"; do
    build "$cmd" "$tc/kubernetes" "k8s.io/kubernetes/cmd/$cmd" "$kver"
done
build kube-router "$tc/kube-router" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router

log "ready: $bin"
echo "$bin"
