#!/usr/bin/env bash
# Several Docker hosts on one machine: N engines (3 by default), each in a network namespace
# of its own, joined by a "LAN" bridge and by one swarm (host1 the manager, the others
# workers), so that overlays really cross hosts (VXLAN between the namespaces).
#
#   scripts/docker-hosts.sh start [N]    start or complete the hosts (idempotent)
#   scripts/docker-hosts.sh stop  [N]    remove their containers, leave the swarm, stop the
#                                        engines, delete the namespaces (data roots are kept,
#                                        so the next start skips the image load)
#   scripts/docker-hosts.sh status [N]   one line per host; exit 1 if one is not up
#
# Layout (state folder: ${XDG_STATE_HOME:-$HOME/.local/state}/netkit/docker-hosts):
#   netns netkit-lan      a bridge `lan`, no address, no route anywhere
#   netns netkit-hostK    eth0 = 10.199.0.K/24 (veth to the bridge), no default route:
#                         nothing leaves the machine, swarm and container traffic stays
#                         between addresses in namespaces made here
#   engine hostK          <state>/hostK.sock, data root <state>/hostK/data, exec root
#                         <state>/hostK/exec, pid file <state>/hostK/dockerd.pid, log
#                         <state>/hostK/dockerd.log, cgroup parent /netkit-hostK
# The stack file names these engines `netkit-hosts://hostK` (netkit resolves the URL to the
# socket above), and `docker -H unix://<state>/hostK.sock` talks to one by hand.
#
# Why the cgroup mounts: `ip netns exec` mounts a fresh /sys in a new mount namespace, which
# hides the cgroup v1 hierarchies, and runc then fails with "no cgroup mount found". They are
# mounted again in the same `ip netns exec` that execs dockerd (each `ip netns exec` makes a
# new mount namespace, so mounting them in an earlier one would not help).
#
# What this kernel lacks: ESP (encrypted overlays cannot carry traffic) and IPVS (no swarm
# VIPs or ingress routing mesh): use attachable overlays with DNS round robin.
set -euo pipefail
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

cmd="${1:-}"
count="${2:-3}"
state="${NETKIT_DOCKER_HOSTS_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/netkit/docker-hosts}"
image="netkit/busybox:local"
lan_ns="netkit-lan"
lan_prefix="10.199.0"
here="$(cd "$(dirname "$0")" && pwd)"
# Seconds a worker gets to become Ready in the swarm after its engine starts (a loaded
# machine can take more than a minute).
READY_TIMEOUT="${NETKIT_SWARM_READY_TIMEOUT:-300}"

usage() {
  echo "usage: scripts/docker-hosts.sh start|stop|status [N]   (N hosts, default 3, 1-20)" >&2
  exit 2
}
case "$count" in ''|*[!0-9]*) usage ;; esac
[ "$count" -ge 1 ] && [ "$count" -le 20 ] || usage

ns_of() { echo "netkit-host$1"; }
addr_of() { echo "$lan_prefix.$1"; }
sock_of() { echo "$state/host$1.sock"; }
dk() { local k="$1"; shift; docker -H "unix://$(sock_of "$k")" "$@"; }
answers() { dk "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1; }
has_ns() { ip netns list | grep -qw "^$1"; }

need_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "scripts/docker-hosts.sh needs root (network namespaces, dockerd); run it with sudo" >&2
    exit 1
  fi
}

lan_up() {
  if ! has_ns "$lan_ns"; then ip netns add "$lan_ns"; fi
  ip -n "$lan_ns" link set lo up
  if ! ip -n "$lan_ns" link show lan >/dev/null 2>&1; then
    ip -n "$lan_ns" link add lan type bridge
  fi
  ip -n "$lan_ns" link set lan up
}

host_ns_up() {
  local k="$1" ns
  ns="$(ns_of "$k")"
  if ! has_ns "$ns"; then ip netns add "$ns"; fi
  ip -n "$ns" link set lo up
  if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
    # Both ends are created straight in their namespaces: no name ever appears in the root
    # namespace, where it could collide with the machine's own interfaces.
    ip link add eth0 netns "$ns" type veth peer name "host$k" netns "$lan_ns"
  fi
  ip -n "$lan_ns" link set "host$k" master lan up
  if ! ip -n "$ns" -4 addr show dev eth0 | grep -q "$(addr_of "$k")/24"; then
    ip -n "$ns" addr add "$(addr_of "$k")/24" dev eth0
  fi
  ip -n "$ns" link set eth0 up
  # As on the root engine (scripts/docker-engine.sh): netkit's internal bridges (nkint-*)
  # keep an address on the host, so new connections from them to the host are dropped.
  local rule=(INPUT -i nkint+ -m conntrack --ctstate NEW -j DROP)
  ip netns exec "$ns" iptables -C "${rule[@]}" 2>/dev/null || ip netns exec "$ns" iptables -I "${rule[@]}"
}

# The mount commands that give a namespace's dockerd the machine's cgroup hierarchies back.
cgroup_mounts() {
  echo "mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup"
  awk '$3 == "cgroup" || $3 == "cgroup2" {print $3, $2, $4}' /proc/mounts |
    while read -r type dir opts; do
      case "$dir" in /sys/fs/cgroup/*) ;; *) continue ;; esac
      if [ "$type" = cgroup2 ]; then
        echo "mkdir -p $dir && mount -t cgroup2 cgroup2 $dir"
      else
        # Keep the controllers (and name=) only; rw/relatime are mount flags.
        sub=$(echo "$opts" | tr ',' '\n' | grep -vxE 'rw|ro|relatime|noatime|nosuid|nodev|noexec' | paste -sd, -)
        echo "mkdir -p $dir && mount -t cgroup -o $sub cgroup $dir"
      fi
    done
}

engine_up() {
  local k="$1" ns dir
  ns="$(ns_of "$k")"
  dir="$state/host$k"
  if answers "$k"; then return 0; fi
  mkdir -p "$dir/data" "$dir/exec"
  # An engine still shutting down holds the pid file: wait for it to go (30 s or more on a
  # loaded machine). A pid file left by a killed engine would stop the new one ("pid file
  # found").
  local i old
  if [ -f "$dir/dockerd.pid" ]; then
    old="$(cat "$dir/dockerd.pid")"
    for i in $(seq 1 120); do
      kill -0 "$old" 2>/dev/null || break
      answers "$k" && return 0
      sleep 0.5
    done
    if kill -0 "$old" 2>/dev/null; then
      echo "host$k: dockerd $old neither answers nor exits; stop it (kill $old) and start again" >&2
      exit 1
    fi
    rm -f "$dir/dockerd.pid"
  fi
  # An empty config file: the machine's /etc/docker/daemon.json belongs to the root engine.
  echo '{}' >"$dir/daemon.json"
  local script
  script="hostname netkit-host$k; $(cgroup_mounts | paste -sd';' -); exec dockerd \
    --config-file $dir/daemon.json \
    --data-root $dir/data --exec-root $dir/exec \
    -H unix://$(sock_of "$k") --pidfile $dir/dockerd.pid \
    --cgroup-parent /netkit-host$k --bridge=none --shutdown-timeout 3"
  echo "host$k: starting dockerd in $ns (log: $dir/dockerd.log)" >&2
  # A UTS namespace of its own, so that `docker node ls` tells the hosts apart.
  setsid ip netns exec "$ns" unshare --uts sh -ec "$script" >>"$dir/dockerd.log" 2>&1 </dev/null &
  for i in $(seq 1 60); do
    answers "$k" && return 0
    sleep 0.5
  done
  echo "host$k: dockerd did not answer in 30 s; last lines of $dir/dockerd.log:" >&2
  tail -20 "$dir/dockerd.log" >&2
  exit 1
}

swarm_state() { dk "$1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unknown; }

# Whether the manager knows worker K's node (K may be a member that is still down).
known_to_manager() {
  local id
  id="$(dk "$1" info --format '{{.Swarm.NodeID}}' 2>/dev/null || true)"
  [ -n "$id" ] && dk 1 node inspect "$id" >/dev/null 2>&1
}

# Wait until worker K is an active member that the manager lists Ready: only then does its
# engine attach containers to overlays (before, it answers "network ... not found").
wait_ready() {
  local k="$1" id _
  for _ in $(seq 1 "$READY_TIMEOUT"); do
    id="$(dk "$k" info --format '{{.Swarm.LocalNodeState}} {{.Swarm.NodeID}}' 2>/dev/null || true)"
    if [ "${id%% *}" = active ] &&
       dk 1 node inspect "${id#* }" --format '{{.Status.State}}' 2>/dev/null | grep -qx ready; then
      return 0
    fi
    sleep 1
  done
  echo "host$k: not Ready in the swarm within ${READY_TIMEOUT} s (state ${id%% *}); see $state/host$k/dockerd.log" >&2
  exit 1
}

swarm_up() {
  local k="$1" st token
  st="$(swarm_state "$k")"
  if [ "$k" = 1 ]; then
    if [ "$st" != active ]; then
      [ "$st" = inactive ] || dk 1 swarm leave --force >/dev/null 2>&1 || true
      dk 1 swarm init --advertise-addr "$(addr_of 1)" --listen-addr "$(addr_of 1):2377" >/dev/null
      echo "host1: swarm initialised (manager, $(addr_of 1))" >&2
    fi
    return 0
  fi
  # A member of this swarm (the manager knows its node) comes back by itself once its
  # engine reaches the manager, however long a loaded machine takes: wait for that. Leaving
  # and joining anew would drop the overlay attachments of the containers it runs. Only a
  # worker outside this swarm (never joined, or the manager was initialised anew) joins.
  if { [ "$st" = active ] || [ "$st" = pending ]; } && known_to_manager "$k"; then
    wait_ready "$k"
    return 0
  fi
  [ "$st" = inactive ] || dk "$k" swarm leave --force >/dev/null 2>&1 || true
  token="$(dk 1 swarm join-token -q worker)"
  dk "$k" swarm join --token "$token" --advertise-addr "$(addr_of "$k")" \
    --listen-addr "$(addr_of "$k"):2377" "$(addr_of 1):2377" >/dev/null
  wait_ready "$k"
  echo "host$k: joined the swarm (worker, $(addr_of "$k"))" >&2
}

# Start the containers Docker itself restarts when its engine starts (restart policy
# `always`, or `unless-stopped` and not stopped by hand; the engine's own record of that is
# in the container's config.v2.json) that are not running. The engine starts a container
# on an overlay only after its node reached the manager, once, and an attachment asked too
# early fails for good ("network ... not found"); `up --refresh` would then meet it stopped.
# Start container ID on worker K. A worker the manager lists Ready may still not know an
# overlay its container joins (measured under load: "network ... not found" for a few
# seconds after Ready): retry while that is the reason, up to READY_TIMEOUT seconds.
start_container() {
  local k="$1" id="$2" _
  for _ in $(seq 1 "$READY_TIMEOUT"); do
    dk "$k" start "$id" >/dev/null 2>"$state/host$k/start.err" && return 0
    grep -q "network .* not found" "$state/host$k/start.err" || return 1
    sleep 1
  done
  return 1
}

containers_up() {
  local k="$1" id policy manual
  for id in $(dk "$k" ps -a --filter status=exited --filter status=created -q --no-trunc); do
    policy="$(dk "$k" inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$id")"
    manual="$(grep -o '"HasBeenManuallyStopped":[a-z]*' "$state/host$k/data/containers/$id/config.v2.json" 2>/dev/null || true)"
    case "$policy/$manual" in
      always/* | unless-stopped/*:false) ;;
      *) continue ;;
    esac
    if ! start_container "$k" "$id"; then
      echo "host$k: container ${id:0:12} does not start: $(head -1 "$state/host$k/start.err")" >&2
      exit 1
    fi
    echo "host$k: started container ${id:0:12} (its engine's restart had failed)" >&2
  done
}

image_up() {
  local k="$1"
  if dk "$k" image inspect "$image" >/dev/null 2>&1; then return 0; fi
  "$here/docker-image.sh" "$image"
  docker save "$image" | dk "$k" load >/dev/null
  echo "host$k: loaded $image" >&2
}

# Drop swarm nodes the manager still lists as down (workers that left or were re-created).
prune_nodes() {
  local id
  for id in $(dk 1 node ls --filter role=worker -q 2>/dev/null); do
    if dk 1 node inspect "$id" --format '{{.Status.State}}' 2>/dev/null | grep -q down; then
      dk 1 node rm --force "$id" >/dev/null 2>&1 || true
    fi
  done
}

start() {
  need_root
  command -v dockerd >/dev/null || { echo "dockerd is not installed; run scripts/docker-engine.sh first" >&2; exit 1; }
  docker info >/dev/null 2>&1 || { echo "the root Docker engine does not answer (it holds $image); run scripts/docker-engine.sh" >&2; exit 1; }
  mkdir -p "$state"
  lan_up
  local k
  for k in $(seq 1 "$count"); do host_ns_up "$k"; done
  # The engines start in parallel: each waits mostly on its own containerd.
  for k in $(seq 1 "$count"); do engine_up "$k" & done
  wait_all
  for k in $(seq 1 "$count"); do swarm_up "$k"; done
  prune_nodes
  for k in $(seq 1 "$count"); do containers_up "$k"; done
  for k in $(seq 1 "$count"); do image_up "$k" & done
  wait_all
  status
}

# `wait` on each background job so that one failed start fails the script.
wait_all() {
  local failed=0 pid
  for pid in $(jobs -p); do wait "$pid" || failed=1; done
  [ "$failed" = 0 ] || exit 1
}

engine_down() {
  local k="$1" ns dir pid
  ns="$(ns_of "$k")"
  dir="$state/host$k"
  if [ -f "$dir/dockerd.pid" ]; then
    pid="$(cat "$dir/dockerd.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      # dockerd gives each container 10 s (busybox httpd as PID 1 ignores SIGTERM) and
      # forces its own shutdown after 30 s or so on a loaded machine.
      for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$dir/dockerd.pid"
  fi
  # Whatever still runs in the namespace (a containerd or shim left by a killed engine) was
  # started here: the namespace is this script's own.
  if has_ns "$ns"; then
    for pid in $(ip netns pids "$ns"); do kill -KILL "$pid" 2>/dev/null || true; done
  fi
}

stop() {
  need_root
  local k ids
  # Workers leave first, the manager last (its leave ends the swarm).
  for k in $(seq "$count" -1 1); do
    if answers "$k"; then
      ids="$(dk "$k" ps -aq)"
      [ -z "$ids" ] || dk "$k" rm -f $ids >/dev/null
      dk "$k" swarm leave --force >/dev/null 2>&1 || true
    fi
  done
  for k in $(seq 1 "$count"); do engine_down "$k" & done
  wait_all
  for k in $(seq 1 "$count"); do
    if has_ns "$(ns_of "$k")"; then ip netns del "$(ns_of "$k")"; fi
    rm -rf "$state/host$k/exec" "$(sock_of "$k")"
  done
  # The LAN goes once no host namespace is left on it (hosts beyond N may still run).
  if has_ns "$lan_ns" && ! ip netns list | grep -q '^netkit-host'; then ip netns del "$lan_ns"; fi
  echo "stopped $count Docker hosts" >&2
}

status() {
  local k ok=0 pid rss
  for k in $(seq 1 "$count"); do
    if ! has_ns "$(ns_of "$k")"; then
      echo "host$k  down (no namespace $(ns_of "$k"))"; ok=1; continue
    fi
    if ! answers "$k"; then
      echo "host$k  $(addr_of "$k")  engine down (unix://$(sock_of "$k"))"; ok=1; continue
    fi
    pid="$(cat "$state/host$k/dockerd.pid" 2>/dev/null || echo 0)"
    # Resident memory of the engine and its containerd (the shims belong to containers).
    rss=$(ps -o rss= -p "$pid" --ppid "$pid" 2>/dev/null | awk '{s+=$1} END {printf "%d", s/1024}')
    echo "host$k  $(addr_of "$k")  swarm $(swarm_state "$k")  $(dk "$k" ps -q | wc -l) containers  ${rss} MiB  unix://$(sock_of "$k")"
  done
  return "$ok"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
