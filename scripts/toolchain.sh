#!/usr/bin/env bash
# Build the Pulumi toolchain netkit deploys with, from the Go module proxy (no
# registry reachable here ships these binaries):
#   pulumi                       the CLI (github.com/pulumi/pulumi/pkg/v3)
#   pulumi-language-python       netkit's Python language host (toolchain/pulumi)
#   pulumi-language-python-exec  its Python shim, from sdk/v3 of the same release
#   pulumi-resource-kubernetes   github.com/pulumi/pulumi-kubernetes/provider/v4
#   pulumi-resource-docker       bridged from the Terraform Docker provider (toolchain/docker)
# Versions: toolchain/versions.env. Go modules: toolchain/*/go.mod + go.sum.
# What is built: devenv/builds.py; how (keys, progress, NETKIT_BUILD_JOBS): devenv/gobuild.py.
#
# Output: ${XDG_CACHE_HOME:-$HOME/.cache}/netkit/toolchain/<key>/bin (the CLI and the
# language host; put it first on PATH) and .../<key>/providers (the two providers,
# installed as plugins into ${PULUMI_HOME:-~/.pulumi}/plugins), the bin path printed as
# the last line of stdout.
#
# Usage: scripts/toolchain.sh [--check | --print-bin]
#   --check      exit 0 if everything is built and installed, 1 otherwise; builds nothing
#   --print-bin  print the bin folder and exit (builds nothing)
# Cold build (empty Go build cache, 2 cores): about 15-20 minutes.
exec "$(dirname "$0")/devenv" toolchain "$@"
