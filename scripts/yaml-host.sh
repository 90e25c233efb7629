#!/usr/bin/env bash
# Build the Pulumi YAML language host (pulumi-language-yaml) from the Go module
# proxy, for Pulumi YAML programs that use netkit's component package, at the
# version toolchain/yaml/go.mod requires (go.sum pins every module).
# What is built: devenv/builds.py; how (keys, progress): devenv/gobuild.py.
#
# Output: ${XDG_CACHE_HOME:-$HOME/.cache}/netkit/toolchain/<key>/bin, with
# <key> = yaml-<version>_<hash of toolchain/yaml/>; the bin path is printed as
# the last line of stdout. The engine finds language hosts on PATH: put it there
# (the Makefile does).
#
# Usage: scripts/yaml-host.sh [--check | --print-bin]
#   --check      exit 0 if the host is built, 1 otherwise; builds nothing
#   --print-bin  print the bin folder and exit (builds nothing)
exec "$(dirname "$0")/devenv" yaml-host "$@"
