#!/usr/bin/env bash
# Several Docker hosts on one machine: N engines (3 by default), each in a network namespace
# of its own, joined by a "LAN" bridge and by one swarm (devenv/docker_hosts.py, docker_host.py,
# swarm.py; docs/docker-hosts.md).
#
#   scripts/docker-hosts.sh start [N]    start or complete the hosts (idempotent)
#   scripts/docker-hosts.sh stop  [N]    remove their containers, leave the swarm, stop the
#                                        engines, delete the namespaces (data roots are kept,
#                                        so the next start skips the image load)
#   scripts/docker-hosts.sh status [N]   one line per host; exit 1 if one is not up
#
# N is 1-20; NETKIT_DOCKER_HOSTS_STATE overrides the state folder
# (${XDG_STATE_HOME:-~/.local/state}/netkit/docker-hosts), NETKIT_SWARM_READY_TIMEOUT the
# seconds a worker gets to become Ready (300).
exec "$(dirname "$0")/devenv" docker-hosts "$@"
