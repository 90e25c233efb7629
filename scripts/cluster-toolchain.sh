#!/usr/bin/env bash
# Build the local Kubernetes cluster's binaries from the Go module proxy (no
# registry reachable here ships them):
#   etcd                     go.etcd.io/etcd/server/v3 (toolchain/cluster/etcd)
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy,
#   kubectl                  k8s.io/kubernetes (toolchain/cluster/kubernetes)
#   kube-router              github.com/cloudnativelabs/kube-router/v2, the
#                            NetworkPolicy enforcer (toolchain/cluster/kube-router)
# Versions: toolchain/cluster/versions.env.
# What is built: devenv/builds.py; how (keys, progress, NETKIT_BUILD_JOBS): devenv/gobuild.py.
#
# Output: ${XDG_CACHE_HOME:-$HOME/.cache}/netkit/cluster/<key>/bin, printed as
# the last line of stdout.
#
# Usage: scripts/cluster-toolchain.sh [--check | --print-bin]
#   --check      exit 0 if every binary is built, 1 otherwise; builds nothing
#   --print-bin  print the bin folder and exit (builds nothing)
exec "$(dirname "$0")/devenv" cluster-toolchain "$@"
