#!/usr/bin/env bash
# Build the Pulumi toolchain netkit deploys with, from the Go module proxy (no
# registry reachable here ships these binaries):
#   pulumi                       the CLI (github.com/pulumi/pulumi/pkg/v3)
#   pulumi-language-python       netkit's Python language host (toolchain/pulumi)
#   pulumi-language-python-exec  its Python shim, from sdk/v3 of the same release
#   pulumi-resource-kubernetes   github.com/pulumi/pulumi-kubernetes/provider/v4
#   pulumi-resource-docker       bridged from the Terraform Docker provider (toolchain/docker)
# Versions: toolchain/versions.env. Go modules: toolchain/*/go.mod + go.sum.
#
# Output: ${XDG_CACHE_HOME:-$HOME/.cache}/netkit/toolchain/<key>/bin (the CLI
# and the language host; put it first on PATH) and .../<key>/providers (the two
# providers), the bin path printed as the last line of stdout. <key> names the
# versions plus a hash of its inputs under toolchain/, so any change to a pin or
# to netkit's Go sources builds into a new folder. Each binary is built only when missing,
# into a temporary name, then moved into place. The providers are then
# installed as plugins (`pulumi plugin install resource NAME VERSION --file`)
# into ${PULUMI_HOME:-~/.pulumi}/plugins, hard-linked to the built file where
# possible, so the engine finds the exact versions the SDKs ask for and never
# tries a download (also set PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true).
# The providers stay off PATH: a provider found on PATH works too, but the
# engine then warns about it on every run. A run with everything in place only
# checks (about a second).
#
# Usage: scripts/toolchain.sh [--check | --print-bin]
#   --check      exit 0 if everything is built and installed, 1 otherwise; builds nothing
#   --print-bin  print the bin folder and exit (builds nothing)
# Go's module cache (~/go/pkg/mod) and build cache (~/.cache/go-build) are used
# as usual. Cold build (empty Go build cache, 2 cores): about 15-20 minutes.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tc="$root/toolchain"
# shellcheck source=/dev/null
source "$tc/versions.env"

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

# The key: pinned versions + a short hash of this build's inputs under toolchain/
# (paths kept as `./x`, so the key is the one all of toolchain/ used to give).
# Other folders there (toolchain/yaml: scripts/yaml-host.sh; toolchain/cluster:
# scripts/cluster-toolchain.sh) have keys of their own.
inputs=(./versions.env ./pulumi ./kubernetes ./docker ./docker-upstream-shim)
src_hash=$(cd "$tc" && find "${inputs[@]}" -type f ! -name '*.md' -print0 | LC_ALL=C sort -z |
    xargs -0 sha256sum | sha256sum | cut -c1-10)
key="pulumi-${PULUMI_VERSION}_k8s-${KUBERNETES_VERSION}_docker-${DOCKER_VERSION}_${src_hash}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/netkit/toolchain"
out="$cache/$key"
bin="$out/bin"

prov="$out/providers"
plugins="${PULUMI_HOME:-$HOME/.pulumi}/plugins"
binaries=("$bin/pulumi" "$bin/pulumi-language-python" "$bin/pulumi-language-python-exec"
    "$prov/pulumi-resource-kubernetes" "$prov/pulumi-resource-docker")
providers=("kubernetes $KUBERNETES_VERSION" "docker $DOCKER_VERSION")

# plugin_current NAME VERSION: the installed plugin is the one built here.
plugin_current() {
    local file="$prov/pulumi-resource-$1" dst="$plugins/resource-$1-v$2/pulumi-resource-$1"
    [[ -x "$dst" && ! -e "$plugins/resource-$1-v$2.partial" ]] &&
        { [[ "$file" -ef "$dst" ]] || cmp -s "$file" "$dst"; }
}

missing() {
    local b p
    for b in "${binaries[@]}"; do
        [[ -x "$b" ]] || return 0
    done
    for p in "${providers[@]}"; do
        # shellcheck disable=SC2086
        plugin_current $p || return 0
    done
    return 1
}

if [[ $mode == print ]]; then
    echo "$bin"
    exit 0
fi
if [[ $mode == check ]]; then
    if missing; then
        echo "toolchain: not built or not installed yet: $out (run scripts/toolchain.sh)" >&2
        exit 1
    fi
    echo "$bin"
    exit 0
fi
if ! missing; then
    echo "$bin"
    exit 0
fi

command -v go >/dev/null || {
    echo "toolchain: needs Go (1.26) on PATH" >&2
    exit 1
}
command -v python3 >/dev/null || {
    echo "toolchain: needs python3 on PATH" >&2
    exit 1
}

# Builds use the committed go.sum files only (no module resolution at build time).
export GOFLAGS="-mod=readonly -trimpath -buildvcs=false"
export GOTOOLCHAIN=local CGO_ENABLED=0
mkdir -p "$bin" "$prov"
work="$cache/.work/$key"
log() { echo "toolchain: $*" >&2; }

# Check that a go.mod pins what versions.env says.
require_pin() { # go.mod module version
    grep -Eq "^[[:space:]]*(require[[:space:]]+)?$2 $3( |$)" "$1" || {
        log "$1 does not require $2 $3 (toolchain/versions.env says so); fix one of them"
        exit 1
    }
}
require_pin "$tc/pulumi/go.mod" github.com/pulumi/pulumi/pkg/v3 "v$PULUMI_VERSION"
require_pin "$tc/kubernetes/go.mod" github.com/pulumi/pulumi-kubernetes/provider/v4 "$KUBERNETES_PROVIDER_MODULE"

# install_bin PATH CMD...: unless PATH exists, run CMD with a temporary output
# path as its last argument, then move the result to PATH.
install_bin() {
    local dst=$1
    shift
    [[ -x "$dst" ]] && return 0
    local name tmp start=$SECONDS
    name=$(basename "$dst")
    tmp="$(dirname "$dst")/.$name.tmp.$$"
    log "building $name ..."
    rm -f "$tmp"
    "$@" "$tmp"
    chmod 755 "$tmp"
    mv -f "$tmp" "$dst"
    log "built $name in $((SECONDS - start))s"
}
trap 'rm -f "$bin"/.*.tmp.$$ "$prov"/.*.tmp.$$' EXIT

# --- pulumi CLI and the Python language host ---------------------------------
build_pulumi() {
    go build -C "$tc/pulumi" -ldflags "-s -w \
        -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
        -o "$1" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}
build_language_host() {
    go build -C "$tc/pulumi" -ldflags "-s -w \
        -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
        -o "$1" ./cmd/pulumi-language-python
}
copy_exec_shim() {
    local sdk
    sdk=$(go list -C "$tc/pulumi" -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
    if [[ -z "$sdk" || ! -d "$sdk" ]]; then
        go mod download -C "$tc/pulumi" github.com/pulumi/pulumi/sdk/v3
        sdk=$(go list -C "$tc/pulumi" -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
    fi
    cp "$sdk/python/cmd/pulumi-language-python-exec" "$1"
}
install_bin "$bin/pulumi" build_pulumi
install_bin "$bin/pulumi-language-python" build_language_host
install_bin "$bin/pulumi-language-python-exec" copy_exec_shim

# --- pulumi-resource-kubernetes ------------------------------------------------
# A scratch copy of toolchain/kubernetes gets the provider's schema (with its
# version set) and Terraform mapping to embed, as upstream's `go generate` does.
build_kubernetes() {
    local dir="$work/kubernetes" provider
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$tc/kubernetes/go.mod" "$tc/kubernetes/go.sum" "$tc/kubernetes/main.go" "$dir/"
    go mod download -C "$dir" github.com/pulumi/pulumi-kubernetes/provider/v4
    provider=$(go list -C "$dir" -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)
    python3 - "$provider/cmd/pulumi-resource-kubernetes" "$dir" "$KUBERNETES_VERSION" <<'EOF'
import json, sys
src, dst, version = sys.argv[1:]
schema = json.load(open(f"{src}/schema.json"))
schema["version"] = version
json.dump(schema, open(f"{dst}/schema-embed.json", "w"), separators=(",", ":"))
mapping = json.load(open(f"{src}/terraform-mapping.json"))
json.dump(mapping, open(f"{dst}/terraform-mapping-embed.json", "w"), separators=(",", ":"))
EOF
    go build -C "$dir" -ldflags "-s -w \
        -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_VERSION" \
        -o "$1" .
    rm -rf "$dir"
}
install_bin "$prov/pulumi-resource-kubernetes" build_kubernetes

# --- pulumi-resource-docker ----------------------------------------------------
# The Terraform provider's module (it declares the path
# github.com/terraform-providers/terraform-provider-docker) is copied out of the
# module cache into ./upstream of a scratch copy of toolchain/docker, plus
# toolchain/docker-upstream-shim as upstream/shim. Only its SDKv2 provider is
# bridged (the surface of pulumi-docker's SDKs), so the files built on the
# plugin framework are left out, which lets the build use the SDKv2 fork and the
# terraform-plugin-go that pulumi-terraform-bridge requires.
assemble_docker() {
    local dir=$1 json upstream sum
    rm -rf "$dir"
    mkdir -p "$dir"
    cp -R "$tc/docker/." "$dir/"
    # Outside any module; the hash is checked against versions.env instead of sumdb.
    json=$(cd "$cache" && GOFLAGS='' GOWORK=off GOSUMDB=off go mod download -json \
        "github.com/kreuzwerker/terraform-provider-docker@$DOCKER_UPSTREAM_MODULE")
    upstream=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")
    sum=$(sed -n 's/^[[:space:]]*"Sum": "\(.*\)",$/\1/p' <<<"$json")
    if [[ "$sum" != "$DOCKER_UPSTREAM_SUM" ]]; then
        log "terraform-provider-docker@$DOCKER_UPSTREAM_MODULE has hash '$sum', expected $DOCKER_UPSTREAM_SUM"
        exit 1
    fi
    cp -R "$upstream" "$dir/upstream"
    chmod -R u+w "$dir/upstream"
    mkdir -p "$dir/upstream/shim"
    cp "$tc/docker-upstream-shim/shim.go" "$dir/upstream/shim/"
    rm -f "$dir/upstream/main.go"
    (
        cd "$dir/upstream/internal/provider"
        rm -f action_docker_*.go compose_resources_*.go framework_provider.go \
            data_source_docker_containers_framework.go data_source_docker_registry_image_tags.go \
            resource_docker_compose.go
    )
    go mod edit -C "$dir/upstream" \
        -droprequire=github.com/hashicorp/terraform-plugin-framework \
        -droprequire=github.com/hashicorp/terraform-plugin-mux \
        -droprequire=github.com/hashicorp/terraform-plugin-testing \
        -droprequire=github.com/hashicorp/terraform-plugin-docs \
        -require=github.com/hashicorp/terraform-plugin-go@v0.29.0
}
build_docker() {
    local dir="$work/docker" ldflags
    ldflags="-X netkit.local/toolchain/docker/version.Version=$DOCKER_VERSION"
    assemble_docker "$dir"
    go build -C "$dir" -ldflags "$ldflags" -o "$dir/pulumi-tfgen-docker" ./cmd/pulumi-tfgen-docker
    # Examples stay out: converting them needs `pulumi convert` with the terraform
    # converter plugin. tfgen's (noisy) log is shown only if it fails.
    (cd "$dir" && ./pulumi-tfgen-docker schema --skip-examples --out cmd/pulumi-resource-docker \
        >tfgen.log 2>&1) || {
        cat "$dir/tfgen.log" >&2
        exit 1
    }
    go build -C "$dir" -ldflags "-s -w $ldflags" -o "$1" ./cmd/pulumi-resource-docker
    rm -rf "$dir"
}
install_bin "$prov/pulumi-resource-docker" build_docker

rm -rf "$work"

# --- plugins -------------------------------------------------------------------
for p in "${providers[@]}"; do
    read -r name version <<<"$p"
    plugin_current "$name" "$version" && continue
    log "installing plugin $name $version into $plugins"
    PULUMI_SKIP_UPDATE_CHECK=true "$bin/pulumi" plugin install resource "$name" "$version" \
        --file "$prov/pulumi-resource-$name" --reinstall >&2
    # Share the file instead of keeping a second copy (same file system only).
    ln -f "$prov/pulumi-resource-$name" "$plugins/resource-$name-v$version/pulumi-resource-$name" 2>/dev/null || true
done

log "ready: $bin"
echo "$bin"
