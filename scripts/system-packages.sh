#!/usr/bin/env bash
# Debian packages the tests use beyond Python: Graphviz's `dot` (connlist --format svg).
# The Docker engine has its own script (scripts/docker-engine.sh).
set -euo pipefail
command -v dot >/dev/null && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Graphviz is missing: install it (sudo apt-get install graphviz) and run again" >&2
  exit 1
fi
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
