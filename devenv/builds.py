"""What the local environment builds from the Go module proxy: four toolchains, each the
binaries of one entry script, their pins, keys, ldflags and special steps.

  scripts/toolchain.sh          the Pulumi CLI, netkit's Python language host and its
                                exec shim, the Kubernetes and Docker providers (installed
                                as plugins); pinned in toolchain/versions.env
  scripts/cluster-toolchain.sh  the local cluster's etcd, Kubernetes binaries, kube-router;
                                pinned in toolchain/cluster/versions.env
  scripts/yaml-host.sh          the Pulumi YAML language host; pinned in toolchain/yaml/go.mod
  scripts/netpol-analyzer.sh    np-guard's `netpolicy`, the reference `make bench` compares
                                `netkit connlist` against

The versions.env files are read here (plain KEY=VALUE lines); devenv/gobuild.py builds.
Each key string and hash is the one the shell scripts computed, so their folders are
reused. Standard library only: this runs before the project's virtualenv exists.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from devenv import gobuild
from devenv.errors import CommandFailed, EnvError
from devenv.gobuild import GO_ENV, Binary, GoBuild, Toolchain, Versions, go, source_hash
from devenv.log import Log
from devenv.paths import REPO, cache_home
from devenv.run import run, run_shown

TOOLCHAIN = REPO / "toolchain"

# Seconds each build took within `make up` and `make test` on a fresh clone, every cache
# empty (Go's too), 2 cores, beside a few short commands: the estimates until a build on this
# machine records its own (cache_home()/build-times.json).
FRESH_SECONDS = {
    "pulumi": 209,
    # The language hosts reuse the packages the CLI compiled.
    "pulumi-language-python": 2,
    "pulumi-language-python-exec": 1,
    "pulumi-resource-kubernetes": 458,
    "pulumi-resource-docker": 152,
    # The cluster's 457 s in all: kube-apiserver pays for the packages the others share.
    "etcd": 47,
    "kube-apiserver": 203,
    "kube-controller-manager": 55,
    "kube-scheduler": 5,
    "kubelet": 18,
    "kube-proxy": 8,
    "kubectl": 24,
    "kube-router": 97,
    "pulumi-language-yaml": 37,
    "netpolicy": 66,
}


def binary(name: str, folder: Path, recipe: gobuild.Recipe) -> Binary:
    return Binary(name, folder, recipe, FRESH_SECONDS.get(name, gobuild.UNKNOWN_SECONDS))


def go_dir(module_dir: Path, module: str, env: dict[str, str] = GO_ENV) -> str:
    """Where the module cache holds `module` at the version `module_dir`'s go.mod requires
    (empty when it is not downloaded)."""
    return run(
        ["go", "list", "-C", str(module_dir), "-m", "-f", "{{.Dir}}", module], env=env
    ).strip()


def make_writable(folder: Path) -> None:
    """`chmod -R u+w`: the module cache's copies are read-only."""
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)


# ---- scripts/toolchain.sh ----------------------------------------------------------------
PULUMI_VERSION_VAR = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3"
K8S_PROVIDER_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4"
DOCKER_UPSTREAM = "github.com/kreuzwerker/terraform-provider-docker"
# The SDKv2 fork and terraform-plugin-go pulumi-terraform-bridge requires, once the files
# built on the plugin framework are left out of the Terraform provider.
DOCKER_PLUGIN_GO = "github.com/hashicorp/terraform-plugin-go@v0.29.0"
DOCKER_DROPPED_REQUIRES = (
    "github.com/hashicorp/terraform-plugin-framework",
    "github.com/hashicorp/terraform-plugin-mux",
    "github.com/hashicorp/terraform-plugin-testing",
    "github.com/hashicorp/terraform-plugin-docs",
)
DOCKER_FRAMEWORK_FILES = (
    "action_docker_*.go",
    "compose_resources_*.go",
    "framework_provider.go",
    "data_source_docker_containers_framework.go",
    "data_source_docker_registry_image_tags.go",
    "resource_docker_compose.go",
)


@dataclass(frozen=True)
class ExecShim:
    """pulumi-language-python-exec, the language host's Python shim: a file of sdk/v3 of
    the release toolchain/pulumi requires, copied out of the module cache."""

    module_dir: Path

    def __call__(self, out: Path) -> None:
        sdk = go_dir(self.module_dir, SDK_MODULE)
        if not sdk or not Path(sdk).is_dir():
            go("mod", "download", "-C", self.module_dir, SDK_MODULE)
            sdk = go_dir(self.module_dir, SDK_MODULE)
        shutil.copyfile(Path(sdk) / "python" / "cmd" / "pulumi-language-python-exec", out)


@dataclass(frozen=True)
class KubernetesProvider:
    """pulumi-resource-kubernetes: a scratch copy of toolchain/kubernetes gets the
    provider's schema (with its version set) and Terraform mapping to embed, as upstream's
    `go generate` does."""

    source: Path
    scratch: Path
    version: str

    def __call__(self, out: Path) -> None:
        work = self.scratch
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        for name in ("go.mod", "go.sum", "main.go"):
            shutil.copy2(self.source / name, work / name)
        go("mod", "download", "-C", work, K8S_PROVIDER_MODULE)
        cmd = Path(go_dir(work, K8S_PROVIDER_MODULE)) / "cmd" / "pulumi-resource-kubernetes"
        schema = json.loads((cmd / "schema.json").read_text(encoding="utf-8"))
        schema["version"] = self.version
        compact = (",", ":")
        (work / "schema-embed.json").write_text(json.dumps(schema, separators=compact), "utf-8")
        mapping = json.loads((cmd / "terraform-mapping.json").read_text(encoding="utf-8"))
        (work / "terraform-mapping-embed.json").write_text(
            json.dumps(mapping, separators=compact), "utf-8"
        )
        ldflags = f"-s -w -X {K8S_PROVIDER_MODULE}/pkg/version.Version={self.version}"
        go("build", "-C", work, "-ldflags", ldflags, "-o", out, ".")
        shutil.rmtree(work)


@dataclass(frozen=True)
class DockerProvider:
    """pulumi-resource-docker, bridged from the Terraform Docker provider.

    The Terraform provider's module (it declares the path
    github.com/terraform-providers/terraform-provider-docker) is copied out of the module
    cache into ./upstream of a scratch copy of toolchain/docker, plus
    toolchain/docker-upstream-shim as upstream/shim. Only its SDKv2 provider is bridged
    (the surface of pulumi-docker's SDKs), so the files built on the plugin framework are
    left out, which lets the build use the SDKv2 fork and the terraform-plugin-go that
    pulumi-terraform-bridge requires.
    """

    toolchain: Path
    cache: Path
    scratch: Path
    version: str
    upstream_version: str
    upstream_sum: str

    def assemble(self) -> None:
        work = self.scratch
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(self.toolchain / "docker", work, symlinks=True)
        # Outside any module; the hash is checked against versions.env instead of sumdb.
        env = {**GO_ENV, "GOFLAGS": "", "GOWORK": "off", "GOSUMDB": "off"}
        self.cache.mkdir(parents=True, exist_ok=True)
        module = f"{DOCKER_UPSTREAM}@{self.upstream_version}"
        found = json.loads(run(["go", "mod", "download", "-json", module], env=env, cwd=self.cache))
        if found.get("Sum") != self.upstream_sum:
            raise EnvError(
                f"{module} has hash {found.get('Sum')!r}, expected {self.upstream_sum} "
                "(DOCKER_UPSTREAM_SUM in toolchain/versions.env); fix one of them"
            )
        upstream = work / "upstream"
        shutil.copytree(found["Dir"], upstream, symlinks=True)
        make_writable(upstream)
        (upstream / "shim").mkdir()
        shutil.copy2(self.toolchain / "docker-upstream-shim" / "shim.go", upstream / "shim")
        (upstream / "main.go").unlink(missing_ok=True)
        provider = upstream / "internal" / "provider"
        for pattern in DOCKER_FRAMEWORK_FILES:
            for path in provider.glob(pattern):
                path.unlink()
        dropped = [f"-droprequire={m}" for m in DOCKER_DROPPED_REQUIRES]
        go("mod", "edit", "-C", upstream, *dropped, f"-require={DOCKER_PLUGIN_GO}")

    def __call__(self, out: Path) -> None:
        work = self.scratch
        ldflags = f"-X netkit.local/toolchain/docker/version.Version={self.version}"
        self.assemble()
        tfgen = work / "pulumi-tfgen-docker"
        go("build", "-C", work, "-ldflags", ldflags, "-o", tfgen, "./cmd/pulumi-tfgen-docker")
        # Examples stay out: converting them needs `pulumi convert` with the terraform
        # converter plugin. tfgen's (noisy) log is shown only if it fails.
        try:
            run(
                [str(tfgen), "schema", "--skip-examples", "--out", "cmd/pulumi-resource-docker"],
                env=GO_ENV,
                cwd=work,
            )
        except CommandFailed as failed:
            print(failed.output, file=sys.stderr, end="")
            raise EnvError("pulumi-tfgen-docker schema failed (its log is above)") from failed
        go(
            "build",
            "-C",
            work,
            "-ldflags",
            f"-s -w {ldflags}",
            "-o",
            out,
            "./cmd/pulumi-resource-docker",
        )
        shutil.rmtree(work)


@dataclass(frozen=True)
class Plugin:
    """A provider installed as a plugin (`pulumi plugin install resource NAME VERSION
    --file`) into ${PULUMI_HOME:-~/.pulumi}/plugins, hard-linked to the built file where
    possible, so the engine finds the exact versions the SDKs ask for and never tries a
    download (also set PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true). The providers
    stay off PATH: a provider found on PATH works too, but the engine then warns about it
    on every run."""

    name: str
    version: str
    built: Path
    pulumi: Path
    plugins: Path

    @property
    def folder(self) -> Path:
        return self.plugins / f"resource-{self.name}-v{self.version}"

    @property
    def installed(self) -> Path:
        return self.folder / f"pulumi-resource-{self.name}"

    def current(self) -> bool:
        """The installed plugin is the one built here (and no install is half done)."""
        dst = self.installed
        if (
            not gobuild.is_built(dst)
            or self.folder.with_name(f"{self.folder.name}.partial").exists()
        ):
            return False
        try:
            return dst.samefile(self.built) or filecmp.cmp(dst, self.built, shallow=False)
        except OSError:
            return False

    def install(self, log: Log) -> None:
        log.say(f"installing plugin {self.name} {self.version} into {self.plugins}")
        run_shown(
            [
                str(self.pulumi),
                "plugin",
                "install",
                "resource",
                self.name,
                self.version,
                "--file",
                str(self.built),
                "--reinstall",
            ],
            env={"PULUMI_SKIP_UPDATE_CHECK": "true"},
        )
        # Share the file instead of keeping a second copy (same file system only).
        link = self.installed.with_name(f".{self.installed.name}.link.{os.getpid()}")
        try:
            os.link(self.built, link)
            link.replace(self.installed)
        except OSError:
            link.unlink(missing_ok=True)


def pulumi_home() -> Path:
    return Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi")


def toolchain() -> Toolchain:
    """The Pulumi toolchain: ~/.cache/netkit/toolchain/<key>/bin (the CLI and the language
    host; put it first on PATH) and .../<key>/providers (the two providers)."""
    tc = TOOLCHAIN
    env = Versions.read(tc / "versions.env")
    pulumi, k8s, docker = env["PULUMI_VERSION"], env["KUBERNETES_VERSION"], env["DOCKER_VERSION"]
    # Paths kept as `./x`, so the key is the one all of toolchain/ used to give. Other
    # folders there (toolchain/yaml, toolchain/cluster) have keys of their own.
    inputs = ("./versions.env", "./pulumi", "./kubernetes", "./docker", "./docker-upstream-shim")
    key = f"pulumi-{pulumi}_k8s-{k8s}_docker-{docker}_{source_hash(tc, inputs)}"
    cache = cache_home() / "toolchain"
    out = cache / key
    bin_, prov, work = out / "bin", out / "providers", cache / ".work" / key
    version = f"-s -w -X {PULUMI_VERSION_VAR}=v{pulumi}"
    plugins = pulumi_home() / "plugins"
    return Toolchain(
        result=bin_,
        missing=f"not built or not installed yet: {out}",
        binaries=(
            binary(
                "pulumi",
                bin_,
                GoBuild(tc / "pulumi", "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi", version),
            ),
            binary(
                "pulumi-language-python",
                bin_,
                GoBuild(tc / "pulumi", "./cmd/pulumi-language-python", version),
            ),
            binary("pulumi-language-python-exec", bin_, ExecShim(tc / "pulumi")),
            binary(
                "pulumi-resource-kubernetes",
                prov,
                KubernetesProvider(tc / "kubernetes", work / "kubernetes", k8s),
            ),
            binary(
                "pulumi-resource-docker",
                prov,
                DockerProvider(
                    tc,
                    cache,
                    work / "docker",
                    docker,
                    env["DOCKER_UPSTREAM_MODULE"],
                    env["DOCKER_UPSTREAM_SUM"],
                ),
            ),
        ),
        pins=(
            env.pin(
                tc / "pulumi/go.mod", "github.com/pulumi/pulumi/pkg/v3", "PULUMI_VERSION", v="v"
            ),
            env.pin(tc / "kubernetes/go.mod", K8S_PROVIDER_MODULE, "KUBERNETES_PROVIDER_MODULE"),
        ),
        finish=(
            Plugin(
                "kubernetes", k8s, prov / "pulumi-resource-kubernetes", bin_ / "pulumi", plugins
            ),
            Plugin("docker", docker, prov / "pulumi-resource-docker", bin_ / "pulumi", plugins),
        ),
        go="Go (1.26)",
        scratch=work,
    )


# ---- scripts/cluster-toolchain.sh --------------------------------------------------------
K8S_COMMANDS = (
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
    "kubectl",
)


ROUTER_MODULE = "github.com/cloudnativelabs/kube-router/v2"


def kubernetes_version_flags(version: str) -> str:
    """The version the binaries report (kubelet registers its node with it, and clients
    compare it); a build outside Kubernetes' tree would say v0.0.0."""
    vpkg = "k8s.io/component-base/version"
    minor = version.split(".")[1] if "." in version else ""
    return (
        f"-X {vpkg}.gitVersion={version} -X {vpkg}.gitMajor=1"
        f" -X {vpkg}.gitMinor={minor} -X {vpkg}.gitTreeState=clean"
    )


def cluster_toolchain() -> Toolchain:
    """The local cluster's binaries: ~/.cache/netkit/cluster/<key>/bin, <key> naming the
    versions plus a hash of toolchain/cluster."""
    tc = TOOLCHAIN / "cluster"
    env = Versions.read(tc / "versions.env")
    k8s, etcd, router = (
        env["CLUSTER_KUBERNETES_VERSION"],
        env["CLUSTER_ETCD_VERSION"],
        env["CLUSTER_KUBE_ROUTER_VERSION"],
    )
    key = f"k8s-{k8s}_etcd-{etcd}_kube-router-{router}_{source_hash(tc)}"
    bin_ = cache_home() / "cluster" / key / "bin"
    kver = f"-s -w {kubernetes_version_flags(k8s)}"
    return Toolchain(
        result=bin_,
        missing=f"not built yet: {bin_}",
        binaries=(
            # etcd through a small `main` calling etcdmain.Main: its module's replace
            # directives keep `go install` from building it directly.
            binary("etcd", bin_, GoBuild(tc / "etcd", ".")),
            *(
                binary(cmd, bin_, GoBuild(tc / "kubernetes", f"k8s.io/kubernetes/cmd/{cmd}", kver))
                for cmd in K8S_COMMANDS
            ),
            binary(
                "kube-router",
                bin_,
                GoBuild(tc / "kube-router", f"{ROUTER_MODULE}/cmd/kube-router"),
            ),
        ),
        pins=(
            env.pin(tc / "kubernetes/go.mod", "k8s.io/kubernetes", "CLUSTER_KUBERNETES_VERSION"),
            env.pin(tc / "etcd/go.mod", "go.etcd.io/etcd/server/v3", "CLUSTER_ETCD_VERSION"),
            env.pin(tc / "kube-router/go.mod", ROUTER_MODULE, "CLUSTER_KUBE_ROUTER_VERSION"),
            # k8s.io/kubernetes replaces its 31 staging modules with folders its module zip
            # lacks; the wrapper module replaces them with their releases (k8s.io/api stands
            # for all of them).
            env.pin(
                tc / "kubernetes/go.mod", "k8s.io/api", "CLUSTER_STAGING_VERSION", replace=True
            ),
        ),
        go="Go (1.26)",
    )


# ---- scripts/yaml-host.sh ----------------------------------------------------------------
YAML_MODULE = "github.com/pulumi/pulumi-yaml"


def yaml_version(go_mod: Path) -> str:
    """The pulumi-yaml version toolchain/yaml/go.mod requires (go.sum pins every module)."""
    try:
        text = go_mod.read_text(encoding="utf-8")
    except OSError as err:
        raise EnvError(f"cannot read {gobuild.shown(go_mod)}: {err.strerror}") from err
    for line in text.splitlines():
        words = line.split()
        if words[:1] == ["require"]:
            words = words[1:]
        if len(words) >= 2 and words[0] == YAML_MODULE and words[1].startswith("v"):
            return words[1]
    raise EnvError(f"{gobuild.shown(go_mod)} does not require {YAML_MODULE}")


def yaml_host() -> Toolchain:
    """The Pulumi YAML language host (pulumi-language-yaml), for Pulumi YAML programs that
    use netkit's component package. A key of its own (yaml-<version>_<hash of
    toolchain/yaml>), so adding or bumping it never rebuilds the toolchain above (the CLI
    and the providers, 15 minutes cold). The engine finds language hosts on PATH: put its
    bin folder there (the Makefile does)."""
    src = TOOLCHAIN / "yaml"
    version = yaml_version(src / "go.mod")
    bin_ = cache_home() / "toolchain" / f"yaml-{version}_{source_hash(src)}" / "bin"
    ldflags = f"-s -w -X {YAML_MODULE}/pkg/version.Version={version}"
    host = binary(
        "pulumi-language-yaml",
        bin_,
        GoBuild(src, f"{YAML_MODULE}/cmd/pulumi-language-yaml", ldflags),
    )
    return Toolchain(result=bin_, missing=f"not built yet: {host.path}", binaries=(host,))


# ---- scripts/netpol-analyzer.sh ----------------------------------------------------------
NETPOL_MODULE = "github.com/np-guard/netpol-analyzer"
NETPOL_ANALYZER_VERSION = "v1.4.4"
"""Pinned so reruns are reproducible. To move it, change this (or export
NETPOL_ANALYZER_VERSION for a one-off build); the old build stays in its own folder."""


@dataclass(frozen=True)
class NetpolAnalyzer:
    """`go install MODULE/cmd/netpolicy@VERSION`, run outside any module so the checkout's
    files cannot influence the build, into a temporary GOBIN in the cache (same file
    system as the result, so the final move is atomic)."""

    version: str
    cache: Path

    def __call__(self, out: Path) -> None:
        self.cache.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".netpol-analyzer-{self.version}.", dir=self.cache))
        try:
            built = self._build(tmp)
            built.replace(out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _build(self, tmp: Path) -> Path:
        env = {"GOFLAGS": f"{os.environ.get('GOFLAGS', '')} -trimpath"}
        module = f"{NETPOL_MODULE}@{self.version}"
        try:
            run_shown(
                ["go", "install", f"{NETPOL_MODULE}/cmd/netpolicy@{self.version}"],
                env={**env, "GOBIN": str(tmp)},
                cwd=tmp,
            )
            return tmp / "netpolicy"
        except CommandFailed:
            # `go install pkg@version` also reads the module's version list (to report a
            # deprecation) and gives up when the proxy refuses it, as some filtering
            # mirrors do (403 on /@v/list). Fallback: fetch the same pinned module
            # (checked against the checksum database), then build it inside a copy of its
            # own source tree, so its own go.mod and go.sum pick and verify every
            # dependency: the same versions `go install` would have used.
            Log("netpol-analyzer").say(
                "'go install' failed; building the module's own source tree instead"
            )
        try:
            found = json.loads(run(["go", "mod", "download", "-json", module], env=env, cwd=tmp))
        except (CommandFailed, ValueError) as err:
            raise EnvError(
                f"could not download {module}: check the network and the Go proxy"
            ) from err
        src = Path(found.get("Dir") or "/nonexistent")
        if not (src / "go.mod").is_file():
            raise EnvError(f"could not download {module}")
        shutil.copytree(src, tmp / "src", symlinks=True)
        make_writable(tmp / "src")
        run_shown(
            ["go", "build", "-mod=readonly", "-o", str(tmp / "netpolicy"), "./cmd/netpolicy"],
            env={**env, "GOTOOLCHAIN": "local"},
            cwd=tmp / "src",
        )
        return tmp / "netpolicy"


def netpol_analyzer() -> Toolchain:
    """np-guard's netpol-analyzer CLI (`netpolicy`), built once per version into
    ~/.cache/netkit/tools/netpol-analyzer-<version>/bin; later runs reuse it. Its path is
    stdout's last line: NETPOLICY="$(scripts/netpol-analyzer.sh | tail -n1)"."""
    version = os.environ.get("NETPOL_ANALYZER_VERSION") or NETPOL_ANALYZER_VERSION
    cache = cache_home() / "tools"
    folder = cache / f"netpol-analyzer-{version}" / "bin"
    tool = binary("netpolicy", folder, NetpolAnalyzer(version, cache))
    return Toolchain(
        result=tool.path, missing=f"not built yet: {tool.path}", binaries=(tool,), go="Go (>= 1.22)"
    )


# ---- entries -----------------------------------------------------------------------------
def toolchain_main(argv: Sequence[str]) -> int:
    return gobuild.main(argv, "toolchain", toolchain)


def cluster_toolchain_main(argv: Sequence[str]) -> int:
    return gobuild.main(argv, "cluster-toolchain", cluster_toolchain)


def yaml_host_main(argv: Sequence[str]) -> int:
    return gobuild.main(argv, "yaml-host", yaml_host)


def netpol_analyzer_main(argv: Sequence[str]) -> int:
    return gobuild.main(argv, "netpol-analyzer", netpol_analyzer)
