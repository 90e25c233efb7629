"""The local busybox image's root filesystem and import, without an engine."""

from __future__ import annotations

from pathlib import Path

from devenv import docker_image


def test_the_root_filesystem_is_one_binary_its_applets_a_user_and_a_page(tmp_path: Path) -> None:
    busybox = tmp_path / "busybox"
    busybox.write_bytes(b"\x7fELF")
    rootfs = tmp_path / "rootfs"
    docker_image.root_filesystem(busybox, rootfs)
    assert (rootfs / "bin" / "busybox").read_bytes() == b"\x7fELF"
    assert (rootfs / "bin" / "busybox").stat().st_mode & 0o111
    for applet in ("sh", "httpd", "nc", "ping", "hostname", "true"):
        assert (rootfs / "bin" / applet).readlink() == Path("busybox")
    assert (rootfs / "etc" / "passwd").read_text() == "root:x:0:0:root:/:/bin/sh\n"
    assert (rootfs / "www" / "index.html").read_text() == "netkit\n"
    assert (rootfs / "tmp").is_dir()


def test_the_import_sets_path_folder_and_command(tmp_path: Path) -> None:
    assert docker_image.import_argv(tmp_path / "r.tar", "netkit/busybox:local") == [
        "docker", "import",
        "-c", "ENV PATH=/bin", "-c", "WORKDIR /www", "-c", 'CMD ["/bin/sh"]',
        str(tmp_path / "r.tar"), "netkit/busybox:local",
    ]  # fmt: skip
