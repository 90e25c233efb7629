"""The Go build driver: keys equal to the shell's, builds only of what is missing, the
modes' exit statuses, estimates, pins and versions.env, without network or real caches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devenv import gobuild
from devenv.__main__ import main as devenv_main
from devenv.errors import EnvError
from devenv.gobuild import (
    Binary,
    BuildTimes,
    GoBuild,
    Pin,
    Toolchain,
    Versions,
    about,
    clock,
    drive,
    jobs_from_env,
    read_env_file,
    require_pin,
    source_hash,
    time_left,
)
from devenv.paths import REPO


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("NETKIT_BUILD_JOBS", raising=False)


def shell_hash(root: Path, inputs: str = ".") -> str:
    """What the scripts computed, by their own pipeline."""
    return subprocess.run(
        ["bash", "-c", f"cd \"$1\" && find {inputs} -type f ! -name '*.md' -print0 | "
         "LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-10", "-", str(root)],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


# ---- the key -----------------------------------------------------------------------------
def test_the_hash_is_the_shell_pipelines(tmp_path: Path) -> None:
    root = tmp_path / "src"
    (root / "cmd" / "x").mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/x\n")
    (root / "cmd" / "x" / "main.go").write_text("package main\n")
    (root / ".hidden").write_text("dot files count\n")
    (root / "README.md").write_text("left out\n")
    (root / "cmd" / "notes.md").write_text("left out too\n")
    (root / "B upper").write_text("C order: upper case first\n")
    (root / "back\\slash").write_text("escaped by sha256sum\n")
    (root / "link").symlink_to("go.mod")  # find -type f: links are left out
    assert source_hash(root) == shell_hash(root)


def test_the_hash_of_named_inputs_is_the_shell_pipelines(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f").write_text("1\n")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "g").write_text("2\n")
    (tmp_path / "versions.env").write_text("X=1\n")
    inputs = ("./versions.env", "./a", "./b")
    assert source_hash(tmp_path, inputs) == shell_hash(tmp_path, " ".join(inputs))


def test_an_empty_folder_hashes_as_xargs_does(tmp_path: Path) -> None:
    assert source_hash(tmp_path) == shell_hash(tmp_path)


def test_the_hash_changes_with_any_input(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module a\n")
    before = source_hash(tmp_path)
    (tmp_path / "go.mod").write_text("module b\n")
    assert source_hash(tmp_path) != before


@pytest.mark.parametrize(
    ("folder", "inputs"),
    [
        ("toolchain", "./versions.env ./pulumi ./kubernetes ./docker ./docker-upstream-shim"),
        ("toolchain/cluster", "."),
        ("toolchain/yaml", "."),
    ],
)
def test_the_checkouts_keys_are_the_shell_pipelines(folder: str, inputs: str) -> None:
    root = REPO / folder
    assert source_hash(root, tuple(inputs.split())) == shell_hash(root, inputs)


# ---- building ----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def go_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Go build cache for these tests (a cold one costs a few seconds, once)."""
    return tmp_path_factory.mktemp("go-build")


@pytest.fixture
def hello(tmp_path: Path, go_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Toolchain:
    """A tiny local Go module (no dependencies) as a one-binary toolchain."""
    monkeypatch.setenv("GOCACHE", str(go_cache))
    module = tmp_path / "hello"
    module.mkdir()
    (module / "go.mod").write_text("module example.com/hello\n\ngo 1.22\n")
    (module / "main.go").write_text('package main\n\nfunc main() { println("hello") }\n')
    bin_ = tmp_path / "out" / "bin"
    built = Binary("hello", bin_, GoBuild(module, "."), seconds=90)
    return Toolchain(result=bin_, missing=f"not built yet: {bin_}", binaries=(built,))


def test_a_missing_binary_is_built_then_left_alone(
    hello: Toolchain, capsys: pytest.CaptureFixture[str]
) -> None:
    target = hello.binaries[0].path
    assert drive(hello, "build", "test") == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[-1] == str(hello.result)
    assert "test: step 1/1: building hello (0 s elapsed, about 2 min left)" in err
    assert "test: built hello in" in err
    assert subprocess.run([target], capture_output=True, text=True).stderr == "hello\n"
    assert list(target.parent.iterdir()) == [target]  # no temporary file left
    times = json.loads((Path(os.environ["XDG_CACHE_HOME"]) / "netkit/build-times.json").read_text())
    assert set(times) == {"hello"}

    first = target.stat()
    assert drive(hello, "build", "test") == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[-1] == str(hello.result)
    assert err == ""  # nothing to do: not even a progress line
    assert (target.stat().st_ino, target.stat().st_mtime_ns) == (first.st_ino, first.st_mtime_ns)


def test_check_and_print_bin_build_nothing(
    hello: Toolchain, capsys: pytest.CaptureFixture[str]
) -> None:
    assert drive(hello, "print", "test") == 0
    assert capsys.readouterr().out == f"{hello.result}\n"
    with pytest.raises(EnvError, match=r"^not built yet: .* \(run scripts/test\.sh\)$"):
        drive(hello, "check", "test")
    assert not hello.binaries[0].path.exists()
    drive(hello, "build", "test")
    capsys.readouterr()
    assert drive(hello, "check", "test") == 0
    assert capsys.readouterr().out == f"{hello.result}\n"


def test_without_go_the_build_is_one_line(
    hello: Toolchain, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(EnvError, match=r"^needs Go on PATH$"):
        drive(hello, "build", "test")


def fake(name: str, folder: Path, seconds: float, fail: bool = False) -> Binary:
    def recipe(out: Path) -> None:
        if fail:
            out.write_text("half")
            raise EnvError(f"{name} failed")
        out.write_text("#!/bin/sh\n")

    return Binary(name, folder, recipe, seconds)


def test_progress_counts_steps_and_what_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(gobuild.shutil, "which", lambda _: "/usr/bin/go")
    folder = tmp_path / "bin"
    tc = Toolchain(folder, "missing", (fake("a", folder, 600), fake("b", folder, 300)))
    drive(tc, "build", "test")
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "test: 2 to build (a, b), about 15 min left"
    assert err[1] == "test: step 1/2: building a (0 s elapsed, about 15 min left)"
    assert err[3] == "test: step 2/2: building b (0 s elapsed, about 5 min left)"
    assert err[-1] == f"test: ready: {folder}"


def test_several_at_once_build_them_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(gobuild.shutil, "which", lambda _: "/usr/bin/go")
    folder = tmp_path / "bin"
    tc = Toolchain(folder, "missing", tuple(fake(n, folder, 120) for n in "abcd"))
    drive(tc, "build", "test", jobs=3)
    assert sorted(p.name for p in folder.iterdir()) == ["a", "b", "c", "d"]
    assert "4 to build (a, b, c, d), 3 at once, about 4 min left" in capsys.readouterr().err


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failed_build_leaves_nothing_under_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    monkeypatch.setattr(gobuild.shutil, "which", lambda _: "/usr/bin/go")
    folder, scratch = tmp_path / "bin", tmp_path / "work"
    scratch.mkdir()
    binaries = (fake("good", folder, 1), fake("bad", folder, 1, fail=True))
    tc = Toolchain(folder, "missing", binaries, scratch=scratch)
    with pytest.raises(EnvError, match="bad failed"):
        drive(tc, "build", "test", jobs=jobs)
    assert [p.name for p in folder.iterdir()] == ["good"]
    assert not scratch.exists()


# ---- estimates ---------------------------------------------------------------------------
def test_time_left_one_at_a_time_is_the_sum() -> None:
    assert time_left([255, 658, 151], 1) == 1064


def test_time_left_at_once_starts_each_when_a_job_is_free() -> None:
    assert time_left([255, 658, 151], 2) == 658
    assert time_left([100, 100, 100, 100], 2) == 200
    assert time_left([120, 120, 120, 120], 3) == 240
    assert time_left([], 4) == 0


def test_minutes_and_clock_read_as_people_say_them() -> None:
    assert about(1064) == "about 18 min left"
    assert about(10) == "about 1 min left"
    assert clock(42.4) == "42 s"
    assert clock(255) == "4 min 15 s"


def test_the_last_build_here_replaces_the_default(tmp_path: Path) -> None:
    path = tmp_path / "build-times.json"
    binary = fake("pulumi", tmp_path, 255)
    assert BuildTimes(path).expected(binary) == 255
    BuildTimes(path).record("pulumi", 101.26)
    assert BuildTimes(path).expected(binary) == 101.3
    assert BuildTimes(path).expected(fake("other", tmp_path, 7)) == 7


def test_an_unreadable_record_only_loses_estimates(tmp_path: Path) -> None:
    path = tmp_path / "build-times.json"
    path.write_text("{not json")
    assert BuildTimes(path).expected(fake("a", tmp_path, 5)) == 5
    path.write_text('{"a": "soon", "b": -1, "c": 3}')
    assert BuildTimes(path).recorded == {"c": 3.0}


def test_jobs_default_to_one_and_must_be_whole_numbers() -> None:
    assert jobs_from_env({}) == 1
    assert jobs_from_env({"NETKIT_BUILD_JOBS": "3"}) == 3
    for bad in ("0", "two", "-1"):
        with pytest.raises(EnvError, match="NETKIT_BUILD_JOBS"):
            jobs_from_env({"NETKIT_BUILD_JOBS": bad})


# ---- pins and versions.env ---------------------------------------------------------------
GO_MOD = """module example.com/wrapper

replace (
\tk8s.io/api => k8s.io/api v0.34.4
)

require k8s.io/kubernetes v1.34.4

require (
\tgithub.com/pulumi/pulumi/pkg/v3 v3.274.1
\tgithub.com/x/y v1.2.30 // indirect
)
"""


@pytest.mark.parametrize(
    ("module", "version", "replace"),
    [
        ("k8s.io/kubernetes", "v1.34.4", False),
        ("github.com/pulumi/pulumi/pkg/v3", "v3.274.1", False),
        ("k8s.io/api", "v0.34.4", True),
    ],
)
def test_a_pin_that_holds(tmp_path: Path, module: str, version: str, replace: bool) -> None:
    (tmp_path / "go.mod").write_text(GO_MOD)
    require_pin(Pin(tmp_path / "go.mod", module, version, "versions.env says so", replace))


def test_a_pin_mismatch_is_one_line_naming_the_file_and_the_fix(tmp_path: Path) -> None:
    go_mod = tmp_path / "go.mod"
    go_mod.write_text(GO_MOD)
    with pytest.raises(EnvError) as caught:
        require_pin(Pin(go_mod, "github.com/x/y", "v1.2.3", "x.env says Y=v1.2.3"))
    assert str(caught.value) == (
        f"{go_mod} does not require github.com/x/y v1.2.3 (x.env says Y=v1.2.3); fix one of them"
    )
    with pytest.raises(EnvError, match=r"does not replace k8s.io/api with v0\.34\.5 .*fix one"):
        require_pin(Pin(go_mod, "k8s.io/api", "v0.34.5", "x.env says S=v0.34.5", replace=True))


def test_the_checkouts_pins_hold() -> None:
    from devenv import builds

    for make in (builds.toolchain, builds.cluster_toolchain, builds.yaml_host):
        for pin in make().pins:
            require_pin(pin)


def test_versions_env_is_read_as_key_value_lines(tmp_path: Path) -> None:
    path = tmp_path / "versions.env"
    path.write_text('# comment\n\nA=1.2.3\n  B=h1:x+y=\nC="quoted"\n')
    assert read_env_file(path) == {"A": "1.2.3", "B": "h1:x+y=", "C": "quoted"}
    versions = Versions.read(path)
    assert versions["A"] == "1.2.3"
    with pytest.raises(EnvError, match=r"versions.env sets no D; add a line D=VALUE there"):
        versions["D"]
    pin = versions.pin(tmp_path / "go.mod", "m", "A", v="v")
    assert (pin.version, pin.told_by) == ("v1.2.3", f"{path} says A=1.2.3")


def test_a_line_that_is_not_key_value_is_named(tmp_path: Path) -> None:
    path = tmp_path / "versions.env"
    path.write_text("A=1\nexport B=2\n")
    with pytest.raises(EnvError, match=r"versions.env:2 is not a KEY=VALUE line"):
        read_env_file(path)


def test_the_checkouts_versions_env_files_are_read() -> None:
    assert read_env_file(REPO / "toolchain/versions.env")["DOCKER_UPSTREAM_SUM"].startswith("h1:")
    cluster = read_env_file(REPO / "toolchain/cluster/versions.env")
    assert cluster["CLUSTER_KUBERNETES_VERSION"].startswith("v1.")


# ---- the entries -------------------------------------------------------------------------
def test_the_entry_scripts_modes_exit_statuses(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "empty")}
    script = str(REPO / "scripts" / "yaml-host.sh")
    printed = subprocess.run([script, "--print-bin"], capture_output=True, text=True, env=env)
    assert printed.returncode == 0
    assert printed.stdout.startswith(str(tmp_path / "empty" / "netkit" / "toolchain" / "yaml-v"))
    checked = subprocess.run([script, "--check"], capture_output=True, text=True, env=env)
    assert checked.returncode == 1
    assert checked.stdout == ""
    assert checked.stderr.startswith("yaml-host: not built yet: ")
    assert checked.stderr.endswith("(run scripts/yaml-host.sh)\n")
    assert checked.stderr.count("\n") == 1
    wrong = subprocess.run([script, "--bogus"], capture_output=True, text=True, env=env)
    assert wrong.returncode == 2
    assert wrong.stderr == "usage: scripts/yaml-host.sh [--check | --print-bin]\n"


def test_an_error_through_the_entry_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NETKIT_BUILD_JOBS", "many")
    monkeypatch.setenv("NETPOL_ANALYZER_VERSION", "v0.0.0-never-built")
    assert devenv_main(["netpol-analyzer"]) == 1
    assert capsys.readouterr().err == (
        "netpol-analyzer: NETKIT_BUILD_JOBS='many' is not a whole number >= 1; unset it or fix it\n"
    )


def test_the_build_modules_use_the_standard_library_only() -> None:
    """They run before the virtualenv exists: with python3 -I, nothing of netkit."""
    code = (
        "import sys; import devenv.builds, devenv.gobuild; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('netkit', 'pulumi')]; "
        "sys.exit(bool(bad))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(REPO)!r}); {code}"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
