"""The local image `netkit/busybox:local`, built from Debian's busybox-static package.

There is no image registry to pull from: the image is a one-binary root filesystem
imported with `docker import`. Nothing is done when the image already exists.

    scripts/docker-image.sh [IMAGE]   (default: the stack spec's default image)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from devenv.errors import CommandFailed, EnvError
from devenv.run import run, succeeds
from netkit.spec import DEFAULT_IMAGE

APPLETS = (
    *("sh", "httpd", "wget", "nc", "nslookup", "sleep", "ping"),
    *("cat", "echo", "ls", "ip", "hostname", "true"),
)
"""The busybox commands the image offers by name, each a link to /bin/busybox."""

IMPORT_CHANGES = ("ENV PATH=/bin", "WORKDIR /www", 'CMD ["/bin/sh"]')
INDEX_PAGE = "netkit\n"
"""What `httpd` serves from /www: the end-to-end tests read it back through the networks."""


def exists(image: str) -> bool:
    """Whether the machine's engine holds `image`."""
    return succeeds(["docker", "image", "inspect", image])


def root_filesystem(busybox: Path, rootfs: Path) -> None:
    """Lay out the image's files under `rootfs`, with `busybox` as its one binary."""
    for folder in ("bin", "etc", "tmp", "www"):
        (rootfs / folder).mkdir(parents=True, exist_ok=True)
    (rootfs / "bin" / "busybox").write_bytes(busybox.read_bytes())
    (rootfs / "bin" / "busybox").chmod(0o755)
    for applet in APPLETS:
        (rootfs / "bin" / applet).symlink_to("busybox")
    (rootfs / "etc" / "passwd").write_text("root:x:0:0:root:/:/bin/sh\n")
    (rootfs / "www" / "index.html").write_text(INDEX_PAGE)


def import_argv(tarball: Path, image: str) -> list[str]:
    """`docker import` of the root filesystem's tarball, with the image's settings."""
    changes = [arg for change in IMPORT_CHANGES for arg in ("-c", change)]
    return ["docker", "import", *changes, str(tarball), image]


def build(image: str = DEFAULT_IMAGE) -> None:
    """Build `image` in the machine's engine unless it holds it already."""
    if exists(image):
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        download = ["apt-get", "download", "busybox-static"]
        try:
            run(download, cwd=work)
        except CommandFailed:
            # The package lists may be missing or stale (a fresh machine): fetch them once.
            run(["apt-get", "update", "-qq"])
            run(download, cwd=work)
        debs = sorted(work.glob("busybox-static_*.deb"))
        if not debs:
            raise EnvError(
                "apt-get download busybox-static left no .deb; see `apt-cache policy busybox-static`"
            )
        run(["dpkg-deb", "-x", str(debs[0]), str(work / "pkg")])
        root_filesystem(work / "pkg" / "bin" / "busybox", work / "rootfs")
        run(["tar", "-C", str(work / "rootfs"), "-cf", str(work / "rootfs.tar"), "."])
        run(import_argv(work / "rootfs.tar", image))
    print(f"built {image}", file=sys.stderr)


def main(argv: list[str]) -> int:
    build(argv[0] if argv else DEFAULT_IMAGE)
    return 0
