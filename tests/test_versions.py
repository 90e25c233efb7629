"""The Pulumi SDKs pinned in pyproject.toml and the CLI and providers built from
toolchain/versions.env are one set of versions: a bump of one side fails here until the
other follows (or the gap is recorded below, with the reason)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from devenv.gobuild import read_env_file

ROOT = Path(__file__).parents[1]
PYPROJECT = "pyproject.toml"
VERSIONS_ENV = "toolchain/versions.env"

NO_SDK_RELEASE_FOR_CLI = {"3.274.1": "3.272.0"}
"""CLI version -> the SDK pinned instead, where PyPI serves no `pulumi` release of the
CLI's version. For 3.274.1: PyPI's newest release not newer than it is 3.272.0 (3.273.0
only as alpha builds, 3.274 not at all), and the Go module proxy serves no CLI of
3.271-3.273, so the two cannot be equal; the CLI must then be the newer one."""


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _versions_env() -> dict[str, str]:
    # The one reader of versions.env, the one the builds use (devenv/gobuild.py).
    return read_env_file(ROOT / VERSIONS_ENV)


def _sdk_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / PYPROJECT).read_text(encoding="utf-8"))
    pins: dict[str, str] = {}
    for requirement in project["project"]["dependencies"]:
        match = re.fullmatch(r"(pulumi(?:-[a-z]+)?)==([0-9.]+)", requirement)
        if match:
            pins[match[1]] = match[2]
    return pins


def test_the_pulumi_sdk_pin_is_the_version_of_the_cli_built():
    sdk, cli = _sdk_pins()["pulumi"], _versions_env()["PULUMI_VERSION"]
    expected = NO_SDK_RELEASE_FOR_CLI.get(cli, cli)
    assert sdk == expected, (
        f"{PYPROJECT} pins pulumi=={sdk} but {VERSIONS_ENV} builds the CLI "
        f"PULUMI_VERSION={cli}; pin pulumi=={expected} in {PYPROJECT}, or, where PyPI "
        f"serves no such release, record the highest one it serves below {cli} in "
        "NO_SDK_RELEASE_FOR_CLI (tests/test_versions.py)"
    )


def test_the_pulumi_sdk_is_never_newer_than_the_cli_built():
    sdk, cli = _sdk_pins()["pulumi"], _versions_env()["PULUMI_VERSION"]
    assert _version(sdk) <= _version(cli), (
        f"{PYPROJECT} pins pulumi=={sdk}, newer than the CLI {VERSIONS_ENV} builds "
        f"(PULUMI_VERSION={cli}): the CLI must be at least the SDK's version"
    )


def test_every_gap_recorded_keeps_the_sdk_older_than_its_cli():
    for cli, sdk in NO_SDK_RELEASE_FOR_CLI.items():
        assert _version(sdk) < _version(cli), (cli, sdk)


def test_the_provider_sdk_pins_are_the_versions_the_built_providers_report():
    pins, built = _sdk_pins(), _versions_env()
    for package, key in (
        ("pulumi-kubernetes", "KUBERNETES_VERSION"),
        ("pulumi-docker", "DOCKER_VERSION"),
    ):
        assert pins[package] == built[key], (
            f"{PYPROJECT} pins {package}=={pins[package]} but {VERSIONS_ENV} builds the "
            f"provider reporting {key}={built[key]}; make them equal"
        )


def test_the_cli_module_pinned_in_go_mod_is_the_cli_version():
    cli = _versions_env()["PULUMI_VERSION"]
    go_mod = (ROOT / "toolchain/pulumi/go.mod").read_text(encoding="utf-8")
    for module in ("github.com/pulumi/pulumi/pkg/v3", "github.com/pulumi/pulumi/sdk/v3"):
        assert re.search(rf"^\s*{re.escape(module)} v{re.escape(cli)}$", go_mod, re.M), (
            f"toolchain/pulumi/go.mod does not require {module} v{cli} "
            f"({VERSIONS_ENV} says PULUMI_VERSION={cli})"
        )
