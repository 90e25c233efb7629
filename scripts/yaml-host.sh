#!/usr/bin/env bash
# Build the Pulumi YAML language host (pulumi-language-yaml) from the Go module
# proxy, for Pulumi YAML programs that use netkit's component package.
#
# Built from github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml at the
# version toolchain/yaml/go.mod requires (go.sum pins every module). It has a
# key of its own, so adding or bumping it never rebuilds the toolchain of
# scripts/toolchain.sh (the CLI and the providers, 15 minutes cold).
#
# Output: ${XDG_CACHE_HOME:-$HOME/.cache}/netkit/toolchain/<key>/bin, with
# <key> = yaml-<version>_<hash of toolchain/yaml/>; the bin path is printed as
# the last line of stdout. The engine finds language hosts on PATH: put it there
# (the Makefile does).
#
# Usage: scripts/yaml-host.sh [--check | --print-bin]
#   --check      exit 0 if the host is built, 1 otherwise; builds nothing
#   --print-bin  print the bin folder and exit (builds nothing)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src="$root/toolchain/yaml"

mode=build
case "${1:-}" in
"") ;;
--check) mode=check ;;
--print-bin) mode=print ;;
*)
    echo "usage: $0 [--check | --print-bin]" >&2
    exit 2
    ;;
esac

version=$(sed -n 's/^[[:space:]]*\(require[[:space:]]\+\)\{0,1\}github\.com\/pulumi\/pulumi-yaml \(v[^ ]*\).*/\2/p' "$src/go.mod")
if [[ -z "$version" ]]; then
    echo "yaml-host: toolchain/yaml/go.mod does not require github.com/pulumi/pulumi-yaml" >&2
    exit 1
fi
src_hash=$(cd "$src" && find . -type f ! -name '*.md' -print0 | LC_ALL=C sort -z |
    xargs -0 sha256sum | sha256sum | cut -c1-10)
bin="${XDG_CACHE_HOME:-$HOME/.cache}/netkit/toolchain/yaml-${version}_${src_hash}/bin"
host="$bin/pulumi-language-yaml"

case $mode in
print)
    echo "$bin"
    exit 0
    ;;
check)
    if [[ ! -x "$host" ]]; then
        echo "yaml-host: not built yet: $host (run scripts/yaml-host.sh)" >&2
        exit 1
    fi
    echo "$bin"
    exit 0
    ;;
esac
if [[ -x "$host" ]]; then
    echo "$bin"
    exit 0
fi

command -v go >/dev/null || {
    echo "yaml-host: needs Go on PATH" >&2
    exit 1
}
# The committed go.sum only (no module resolution at build time), as toolchain.sh.
export GOFLAGS="-mod=readonly -trimpath -buildvcs=false"
export GOTOOLCHAIN=local CGO_ENABLED=0
mkdir -p "$bin"
tmp="$bin/.pulumi-language-yaml.tmp.$$"
trap 'rm -f "$tmp"' EXIT
start=$SECONDS
echo "yaml-host: building pulumi-language-yaml $version ..." >&2
go build -C "$src" -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$version" \
    -o "$tmp" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
chmod 755 "$tmp"
mv -f "$tmp" "$host"
echo "yaml-host: built in $((SECONDS - start))s: $bin" >&2
echo "$bin"
