#!/usr/bin/env bash
# Debian packages the tests use beyond Python: Graphviz's `dot` (connlist --format svg) and
# Chromium (the HTML picture drawn in a real browser, tests/e2e/test_html_report.py).
# The Docker engine has its own script (scripts/docker-engine.sh).
set -euo pipefail
missing=()
command -v dot >/dev/null || missing+=(graphviz)
command -v chromium >/dev/null || missing+=(chromium)
((${#missing[@]} == 0)) && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages: install them (sudo apt-get install ${missing[*]}) and run again" >&2
  exit 1
fi
echo "installing ${missing[*]}" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
