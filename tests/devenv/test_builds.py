"""The table of what is built: keys, folders, flags and the plugin check, read from the
checkout without building anything (no network, no real caches)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devenv import builds
from devenv.errors import EnvError
from devenv.gobuild import GoBuild, read_env_file, source_hash
from devenv.paths import REPO


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path / "pulumi"))
    monkeypatch.delenv("NETPOL_ANALYZER_VERSION", raising=False)


def test_the_toolchains_folder_is_named_by_its_versions_and_inputs(tmp_path: Path) -> None:
    env = read_env_file(REPO / "toolchain/versions.env")
    inputs = ("./versions.env", "./pulumi", "./kubernetes", "./docker", "./docker-upstream-shim")
    key = (
        f"pulumi-{env['PULUMI_VERSION']}_k8s-{env['KUBERNETES_VERSION']}"
        f"_docker-{env['DOCKER_VERSION']}_{source_hash(REPO / 'toolchain', inputs)}"
    )
    tc = builds.toolchain()
    assert tc.result == tmp_path / "cache/netkit/toolchain" / key / "bin"
    assert [b.path.parent.name for b in tc.binaries] == ["bin"] * 3 + ["providers"] * 2
    assert [p.name for p in tc.finish if isinstance(p, builds.Plugin)] == ["kubernetes", "docker"]
    pulumi = tc.binaries[0].recipe
    assert isinstance(pulumi, GoBuild)
    assert pulumi.ldflags == (
        "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version="
        f"v{env['PULUMI_VERSION']}"
    )


def test_the_clusters_binaries_report_their_version(tmp_path: Path) -> None:
    tc = builds.cluster_toolchain()
    assert tc.result.parent.parent == tmp_path / "cache/netkit/cluster"
    assert tc.result.parent.name.startswith("k8s-v1.")
    names = [b.name for b in tc.binaries]
    assert names == ["etcd", *builds.K8S_COMMANDS, "kube-router"]
    assert builds.kubernetes_version_flags("v1.34.4") == (
        "-X k8s.io/component-base/version.gitVersion=v1.34.4"
        " -X k8s.io/component-base/version.gitMajor=1"
        " -X k8s.io/component-base/version.gitMinor=34"
        " -X k8s.io/component-base/version.gitTreeState=clean"
    )


def test_the_yaml_hosts_version_comes_from_its_go_mod(tmp_path: Path) -> None:
    go_mod = tmp_path / "go.mod"
    go_mod.write_text(
        "module x\n\n// pulumi-yaml v9 is not a pin\nrequire github.com/pulumi/pulumi-yaml v1.25.0\n"
    )
    assert builds.yaml_version(go_mod) == "v1.25.0"
    go_mod.write_text(
        "module x\n\nrequire (\n\tgithub.com/pulumi/pulumi-yaml v1.2.0 // indirect\n)\n"
    )
    assert builds.yaml_version(go_mod) == "v1.2.0"
    go_mod.write_text("module x\n")
    with pytest.raises(EnvError, match=r"does not require github\.com/pulumi/pulumi-yaml"):
        builds.yaml_version(go_mod)


def test_netpol_analyzer_is_one_binary_whose_path_is_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tools = tmp_path / "cache/netkit/tools"
    default = builds.NETPOL_ANALYZER_VERSION
    assert builds.netpol_analyzer().result == tools / f"netpol-analyzer-{default}/bin/netpolicy"
    monkeypatch.setenv("NETPOL_ANALYZER_VERSION", "v1.0.0")
    assert builds.netpol_analyzer().result == tools / "netpol-analyzer-v1.0.0/bin/netpolicy"


def test_every_binary_has_a_fresh_machine_estimate() -> None:
    for make in (
        builds.toolchain,
        builds.cluster_toolchain,
        builds.yaml_host,
        builds.netpol_analyzer,
    ):
        for binary in make().binaries:
            assert binary.name in builds.FRESH_SECONDS, binary.name
    cluster = sum(builds.FRESH_SECONDS[b.name] for b in builds.cluster_toolchain().binaries)
    assert cluster == 457  # the measured total on a fresh clone with empty caches


def plugin(tmp_path: Path) -> builds.Plugin:
    built = tmp_path / "providers" / "pulumi-resource-docker"
    built.parent.mkdir()
    built.write_text("provider")
    built.chmod(0o755)
    return builds.Plugin("docker", "5.1.0", built, tmp_path / "pulumi", tmp_path / "plugins")


def test_a_plugin_is_current_when_it_is_the_built_file(tmp_path: Path) -> None:
    p = plugin(tmp_path)
    assert not p.current()
    p.folder.mkdir(parents=True)
    os.link(p.built, p.installed)
    assert p.current()


def test_a_plugin_copy_with_the_same_bytes_is_current(tmp_path: Path) -> None:
    p = plugin(tmp_path)
    p.folder.mkdir(parents=True)
    p.installed.write_text("provider")
    p.installed.chmod(0o755)
    assert p.current()
    p.installed.write_text("another provider")
    assert not p.current()


def test_a_half_done_plugin_install_is_not_current(tmp_path: Path) -> None:
    p = plugin(tmp_path)
    p.folder.mkdir(parents=True)
    os.link(p.built, p.installed)
    (tmp_path / "plugins" / "resource-docker-v5.1.0.partial").touch()
    assert not p.current()
