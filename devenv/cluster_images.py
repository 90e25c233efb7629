"""The images the cluster runs, built here: nothing is pulled.

The pause image (a static binary from a C source here) and the server image the dev
stack's Deployments run (Debian's busybox serving each declared port), as image archives
every node's containerd imports.

Each archive is kept beside a digest of its sources (`NAME.tar.sources`): a change to a
source (say, the server's script) rebuilds the archive on the next start, and each node
imports an archive whose digest it has not imported yet (`imported-NAME` in the node's
folder), under the same image name, so the stacks' manifests stay as they are.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from devenv.cluster_layout import image_ref
from devenv.errors import CommandFailed, EnvError
from devenv.log import Log
from devenv.paths import REPO
from devenv.run import run

SOURCES = REPO / "scripts" / "cluster"
IMAGE_SOURCES = {
    "pause": (SOURCES / "pause.c",),
    "server": tuple(
        SOURCES / "server" / name for name in ("Dockerfile", "serve.sh", "netkit-probe.c")
    ),
}
"""The files each image is built from: its archive is rebuilt when their digest changes."""


def sources_digest(image: str) -> str:
    """A digest of the files `image` is built from, names and contents."""
    digest = hashlib.sha256()
    for path in IMAGE_SOURCES[image]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def archive_digest(archive: Path) -> str | None:
    """The sources digest an archive was built from (None: unknown, or no archive)."""
    try:
        if archive.stat().st_size == 0:
            return None
        return archive.with_name(archive.name + ".sources").read_text().strip() or None
    except OSError:
        return None


def static_binary(source: Path, out: Path) -> None:
    run(["gcc", "-static", "-Os", "-o", str(out), str(source)])
    run(["strip", str(out)])


def save(ref: str, archive: Path) -> None:
    """`docker save` into a temporary name, then moved into place."""
    partial = archive.with_name(f".{archive.name}.{os.getpid()}")
    run(["docker", "save", ref, "-o", str(partial)])
    partial.replace(archive)


def build_pause(archive: Path) -> None:
    with tempfile.TemporaryDirectory() as work:
        static_binary(SOURCES / "pause.c", Path(work) / "pause")
        tar = str(Path(work) / "pause.tar")
        run(["tar", "-C", work, "-cf", tar, "pause"])
        run(["docker", "import", "-c", 'ENTRYPOINT ["/pause"]', tar, image_ref("pause")])
    save(image_ref("pause"), archive)


def build_server(archive: Path) -> None:
    run([str(REPO / "scripts" / "docker-image.sh")])
    server = SOURCES / "server"
    with tempfile.TemporaryDirectory() as work:
        for name in ("Dockerfile", "serve.sh"):
            shutil.copy(server / name, work)
        static_binary(server / "netkit-probe.c", Path(work) / "netkit-probe")
        try:
            run(["docker", "build", "-q", "-t", image_ref("server"), work])
        except CommandFailed as failed:
            (archive.parent / "build.log").write_text(failed.output)
            raise EnvError(f"building the server image failed: {failed.output.strip()}") from failed
    save(image_ref("server"), archive)


def make_images(log: Log, images_dir: Path) -> None:
    """images/pause.tar and images/server.tar, where missing or built from other sources."""
    images_dir.mkdir(parents=True, exist_ok=True)
    for name, build in (("pause", build_pause), ("server", build_server)):
        archive = images_dir / f"{name}.tar"
        wanted = sources_digest(name)
        if archive_digest(archive) != wanted:
            log.say(f"building the {name} image")
            build(archive)
            archive.with_name(archive.name + ".sources").write_text(wanted + "\n")
