#!/usr/bin/env bash
# Build np-guard's netpol-analyzer CLI (`netpolicy`), the reference that `make bench`
# compares `netkit connlist` against. Built once per version from the Go module proxy into
# ${XDG_CACHE_HOME:-$HOME/.cache}/netkit/tools/netpol-analyzer-<version>/bin; later runs
# reuse it. The binary's path is the last line of stdout, so callers can do:
# NETPOLICY="$(scripts/netpol-analyzer.sh | tail -n1)".
# The version is pinned in devenv/builds.py (NETPOL_ANALYZER_VERSION; export it for a
# one-off build of another version); how it is built: devenv/gobuild.py.
#
# Usage: scripts/netpol-analyzer.sh [--check | --print-bin]
#   --check      exit 0 if it is built, 1 otherwise; builds nothing
#   --print-bin  print the binary's path and exit (builds nothing)
exec "$(dirname "$0")/devenv" netpol-analyzer "$@"
