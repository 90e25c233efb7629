"""The cluster's image archives are rebuilt when their sources change, and only then."""

from __future__ import annotations

from pathlib import Path

import pytest

from devenv import cluster_images
from devenv.log import Log


@pytest.fixture
def sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    files = {name: tmp_path / "src" / f"{name}.c" for name in ("pause", "server")}
    for path in files.values():
        path.parent.mkdir(exist_ok=True)
        path.write_text("int main(void) { return 0; }\n")
    monkeypatch.setattr(cluster_images, "IMAGE_SOURCES", {k: (v,) for k, v in files.items()})
    return files


def fake_builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    built: list[str] = []

    def build(name: str):  # type: ignore[no-untyped-def]
        def write(archive: Path) -> None:
            built.append(name)
            archive.write_bytes(b"archive of " + name.encode())

        return write

    monkeypatch.setattr(cluster_images, "build_pause", build("pause"))
    monkeypatch.setattr(cluster_images, "build_server", build("server"))
    return built


def test_archives_are_built_once_and_again_only_when_a_source_changes(
    tmp_path: Path, sources: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    built = fake_builds(monkeypatch)
    images = tmp_path / "images"
    cluster_images.make_images(Log("test"), images)
    assert built == ["pause", "server"]
    cluster_images.make_images(Log("test"), images)
    assert built == ["pause", "server"]
    sources["server"].write_text("int main(void) { return 1; }\n")
    cluster_images.make_images(Log("test"), images)
    assert built == ["pause", "server", "server"]
    assert cluster_images.archive_digest(images / "server.tar") == cluster_images.sources_digest(
        "server"
    )


def test_an_archive_without_its_sources_digest_or_empty_is_built_again(
    tmp_path: Path, sources: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    built = fake_builds(monkeypatch)
    images = tmp_path / "images"
    images.mkdir()
    (images / "pause.tar").write_bytes(b"made before digests were kept")
    (images / "server.tar").write_bytes(b"")
    (images / "server.tar.sources").write_text(cluster_images.sources_digest("server"))
    assert cluster_images.archive_digest(images / "pause.tar") is None
    assert cluster_images.archive_digest(images / "server.tar") is None
    cluster_images.make_images(Log("test"), images)
    assert built == ["pause", "server"]


def test_the_digest_covers_names_and_contents(sources: dict[str, Path]) -> None:
    before = cluster_images.sources_digest("pause")
    sources["pause"].write_text("int main(void) { return 0; } \n")
    assert cluster_images.sources_digest("pause") != before


def test_the_server_image_stops_on_sigterm() -> None:
    # As a container's first process, a shell without a TERM handler ignores the signal
    # and every pod's stop waits out its grace period.
    serve = (cluster_images.SOURCES / "server" / "serve.sh").read_text()
    assert "trap 'exit 0' TERM" in serve
