#!/usr/bin/env bash
# Make sure a Docker engine answers, with swarm mode on for overlay networks, and netkit's
# internal bridges (nkint-*) kept off the host (devenv/docker_engine.py).
#   scripts/docker-engine.sh          start one if needed (installs docker.io from Debian when root)
#   scripts/docker-engine.sh --check  only say whether one answers (exit 1 with the fix if not)
exec "$(dirname "$0")/devenv" docker-engine "$@"
