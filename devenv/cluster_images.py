"""The images the cluster runs, built here: nothing is pulled.

The pause image (a static binary from a C source here) and the server image the dev
stack's Deployments run (Debian's busybox serving each declared port), as image archives
every node's containerd imports.
"""

from __future__ import annotations

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
    """images/pause.tar and images/server.tar, where missing."""
    images_dir.mkdir(parents=True, exist_ok=True)
    for name, build in (("pause", build_pause), ("server", build_server)):
        archive = images_dir / f"{name}.tar"
        if not (archive.exists() and archive.stat().st_size > 0):
            log.say(f"building the {name} image")
            build(archive)
