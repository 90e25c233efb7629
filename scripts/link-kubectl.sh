#!/usr/bin/env bash
# Put the cluster's kubectl (scripts/cluster-toolchain.sh builds it with the cluster's
# other binaries, from the same pinned module) on PATH, so that after
# `export KUBECONFIG=$(make -s kubeconfig)` a plain `kubectl get nodes` answers.
# A kubectl that is not ours is left alone, with a note saying where ours is.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ours="$("$root/scripts/cluster-toolchain.sh" --print-bin)/kubectl"
[[ -x $ours ]] || {
    echo "link-kubectl: $ours is not built (make cluster-toolchain)" >&2
    exit 1
}
if [[ -w /usr/local/bin ]]; then dir=/usr/local/bin; else dir="$HOME/.local/bin"; fi
mkdir -p "$dir"
link="$dir/kubectl"
if [[ -e $link && ! -L $link ]] || { [[ -L $link ]] && [[ $(readlink "$link") != */netkit/cluster/*/bin/kubectl ]]; }; then
    echo "link-kubectl: $link is another kubectl, left as it is; the cluster's is $ours" >&2
    exit 0
fi
ln -sfn "$ours" "$link"
case ":$PATH:" in
*":$dir:"*) ;;
*) echo "link-kubectl: $dir is not on PATH; add it to use kubectl" >&2 ;;
esac
