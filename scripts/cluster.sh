#!/usr/bin/env bash
# The local Kubernetes cluster the dev stack is applied to, from the binaries
# scripts/cluster-toolchain.sh builds (Debian's containerd, runc and CNI plugins
# for the nodes). Needs root: it makes network namespaces and runs containers.
# The code: devenv/cluster.py (docs/cluster.md).
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
exec "$(dirname "${BASH_SOURCE[0]}")/devenv" cluster "$@"
