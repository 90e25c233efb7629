#!/usr/bin/env bash
# Build np-guard's netpol-analyzer CLI (`netpolicy`), the reference that `make bench`
# compares `netkit connlist` against. Built once per version from the Go module proxy into a
# per-user cache outside the checkout; later runs reuse it. The binary's path is the last
# line of stdout, so callers can do: NETPOLICY="$(scripts/netpol-analyzer.sh | tail -n1)".
#
# The version is pinned so reruns are reproducible. To move it, change NETPOL_ANALYZER_VERSION
# (or export it for a one-off build); the old build stays in its own folder.
set -euo pipefail

MODULE="github.com/np-guard/netpol-analyzer"
VERSION="${NETPOL_ANALYZER_VERSION:-v1.4.4}"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/netkit/tools"
BIN_DIR="${CACHE_ROOT}/netpol-analyzer-${VERSION}/bin"
BIN="${BIN_DIR}/netpolicy"

if [[ -x "${BIN}" ]]; then
    echo "${BIN}"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    echo "netpol-analyzer.sh: error: 'go' is not on PATH; install Go >= 1.22 to build ${MODULE}@${VERSION}" >&2
    exit 1
fi

mkdir -p "${CACHE_ROOT}"
# Build into a temporary GOBIN next to the final folder (same filesystem, so the final `mv`
# is atomic); an interrupted build leaves only the temp folder, which the trap removes.
TMP_BIN_DIR="$(mktemp -d "${CACHE_ROOT}/.netpol-analyzer-${VERSION}.XXXXXX")"
trap 'rm -rf "${TMP_BIN_DIR}"' EXIT

echo "netpol-analyzer.sh: building ${MODULE}/cmd/netpolicy@${VERSION} (first run only)..." >&2
export GOFLAGS="${GOFLAGS:-} -trimpath"
# Run outside any module so the checkout's files cannot influence the build.
if ! (cd "${TMP_BIN_DIR}" && GOBIN="${TMP_BIN_DIR}" \
        go install "${MODULE}/cmd/netpolicy@${VERSION}"); then
    # `go install pkg@version` also reads the module's version list (to report a deprecation)
    # and gives up when the proxy refuses it, as some filtering mirrors do (403 on /@v/list).
    # Fallback: fetch the same pinned module (checked against the checksum database), then
    # build it inside a copy of its own source tree, so its own go.mod and go.sum pick and
    # verify every dependency: the same versions `go install` would have used.
    echo "netpol-analyzer.sh: 'go install' failed; building the module's own source tree instead" >&2
    SRC_DIR="$(cd "${TMP_BIN_DIR}" && go mod download -json "${MODULE}@${VERSION}" \
        | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
    if [[ -z "${SRC_DIR}" || ! -f "${SRC_DIR}/go.mod" ]]; then
        echo "netpol-analyzer.sh: error: could not download ${MODULE}@${VERSION}" >&2
        exit 1
    fi
    cp -R "${SRC_DIR}" "${TMP_BIN_DIR}/src"
    chmod -R u+w "${TMP_BIN_DIR}/src"
    (cd "${TMP_BIN_DIR}/src" && GOTOOLCHAIN=local \
        go build -mod=readonly -o "${TMP_BIN_DIR}/netpolicy" ./cmd/netpolicy)
fi

mkdir -p "${BIN_DIR}"
mv -f "${TMP_BIN_DIR}/netpolicy" "${BIN}.tmp.$$"
mv -f "${BIN}.tmp.$$" "${BIN}"
echo "${BIN}"
