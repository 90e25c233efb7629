"""`scripts/devenv link-kubectl`: the cluster's kubectl on PATH.

`make cluster-toolchain` builds kubectl with the cluster's other binaries, from the same
pinned module. Linked into /usr/local/bin (or ~/.local/bin where that is not writable),
a plain `kubectl get nodes` answers after `export KUBECONFIG=$(make -s kubeconfig)`. A
kubectl that is not ours is left alone, with a note saying where ours is.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from devenv.builds import cluster_toolchain
from devenv.errors import EnvError
from devenv.log import Log

LOG = Log("link-kubectl")


def is_ours(link: Path) -> bool:
    """Whether `link` is free to (re)point: absent, or a link to a cluster build's kubectl."""
    if not link.is_symlink():
        return not link.exists()
    target = link.readlink()
    return target.name == "kubectl" and target.parent.parent.parent.name == "cluster"


def link_folder() -> Path:
    system = Path("/usr/local/bin")
    return system if os.access(system, os.W_OK) else Path.home() / ".local" / "bin"


def link(ours: Path, folder: Path, path: str) -> None:
    if not ours.is_file():
        raise EnvError(f"{ours} is not built (make cluster-toolchain)")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "kubectl"
    if not is_ours(target):
        LOG.say(f"{target} is another kubectl, left as it is; the cluster's is {ours}")
        return
    partial = folder / f".kubectl.{os.getpid()}"
    partial.unlink(missing_ok=True)
    partial.symlink_to(ours)
    partial.replace(target)
    if str(folder) not in path.split(":"):
        LOG.say(f"{folder} is not on PATH; add it to use kubectl")


def main(argv: list[str]) -> int:
    if argv:
        print("usage: scripts/link-kubectl.sh", file=sys.stderr)
        return 2
    link(cluster_toolchain().result / "kubectl", link_folder(), os.environ.get("PATH", ""))
    return 0
