"""netkit as another team gets it: a wheel, a virtualenv of its own, a project of its own.

Used by `tests/e2e/test_installed.py`. Nothing here reads the checkout's virtualenv: the
wheel is built from the checkout (`python -m build`, sdist then wheel from the sdist),
installed into a new virtualenv (dependencies from PyPI or pip's cache), and the projects
name that virtualenv, the policy pack and the component package by the paths the installed
`netkit` prints.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.e2e.harness import REPO, STATE_OPTIONS, make_env


@dataclass(frozen=True)
class Distribution:
    wheel: Path
    sdist: Path


def build_distribution(outdir: Path) -> Distribution:
    """`python -m build`: the sdist, then the wheel built from it."""
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(outdir), str(REPO)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    (wheel,) = outdir.glob("netkit-*-py3-none-any.whl")
    (sdist,) = outdir.glob("netkit-*.tar.gz")
    return Distribution(wheel, sdist)


@dataclass(frozen=True)
class Install:
    """A virtualenv with the wheel installed."""

    venv: Path
    seconds: float
    """How long `pip install <wheel>` took."""

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def netkit(self, *args: str) -> str:
        """Run the installed `netkit`; its stdout."""
        return subprocess.run(
            [str(self.bin / "netkit"), *args], check=True, capture_output=True, text=True
        ).stdout.strip()

    def python(self, code: str, cwd: Path) -> str:
        return subprocess.run(
            [str(self.bin / "python"), "-c", code],
            cwd=cwd,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()


def install_wheel(venv: Path, wheel: Path) -> Install:
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    start = time.monotonic()
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return Install(venv, time.monotonic() - start)


@dataclass
class Fresh:
    """A Pulumi project outside the checkout, on a temp state backend of its own."""

    root: Path
    env: dict[str, str]

    @classmethod
    def create(cls, root: Path, install: Install) -> Fresh:
        (root / "state").mkdir(parents=True)
        env = make_env((root / "state").as_uri() + STATE_OPTIONS)
        # The installed `netkit` first: nothing may come from the checkout's virtualenv.
        env["PATH"] = f"{install.bin}:{env['PATH']}"
        env.pop("VIRTUAL_ENV", None)
        env.pop("PYTHONPATH", None)
        return cls(root, env)

    def pulumi(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["pulumi", *args, "--non-interactive", "--color=never"],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )

    def ok(self, *args: str) -> str:
        result = self.pulumi(*args)
        assert result.returncode == 0, f"pulumi {' '.join(args)}:\n{result.stdout}"
        return result.stdout

    def outputs(self, stack: str) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.ok("stack", "output", "--json", "--stack", stack))
        return found

    def resource_types(self, stack: str) -> list[str]:
        exported = json.loads(self.ok("stack", "export", "--stack", stack))
        return [r["type"] for r in exported["deployment"].get("resources") or []]
