#!/usr/bin/env bash
# Make sure a Docker engine answers, with swarm mode on for overlay networks.
#   scripts/docker-engine.sh          start one if needed (installs docker.io from Debian when root)
#   scripts/docker-engine.sh --check  only say whether one answers (exit 1 with the fix if not)
set -euo pipefail
# dockerd and iptables live in the sbin folders, which a non-login PATH may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

if [ "${1:-}" = "--check" ]; then
  if docker info >/dev/null 2>&1; then exit 0; fi
  cat >&2 <<'MSG'
No Docker engine answers. Start one:
  sudo scripts/docker-engine.sh        (installs Debian's docker.io if needed and starts dockerd)
or point DOCKER_HOST at a running engine.
MSG
  exit 1
fi

if ! docker info >/dev/null 2>&1; then
  if ! command -v dockerd >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
      echo "dockerd is not installed; run as root or install docker.io" >&2
      exit 1
    fi
    echo "installing docker.io from Debian" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  log="${XDG_STATE_HOME:-$HOME/.local/state}/netkit/dockerd.log"
  mkdir -p "$(dirname "$log")"
  echo "starting dockerd (log: $log)" >&2
  nohup dockerd >"$log" 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see $log" >&2; tail -20 "$log" >&2; exit 1; }
fi

if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != "active" ]; then
  echo "initialising swarm mode (overlay networks need it)" >&2
  docker swarm init --advertise-addr 127.0.0.1 >/dev/null
fi

# Docker's `internal` only stops forwarding off the host: the bridge keeps an address on
# the host, so containers on an internal network still reach every service of the host
# (moby/libnetwork#1151). netkit names internal bridges nkint-* (components/docker/
# bridge_network.py); new connections from them to the host itself are dropped here.
rule=(INPUT -i nkint+ -m conntrack --ctstate NEW -j DROP)
if ! iptables -C "${rule[@]}" 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    iptables -I "${rule[@]}"
  else
    echo "warning: run as root to keep internal networks off the host (iptables ${rule[*]})" >&2
  fi
fi
