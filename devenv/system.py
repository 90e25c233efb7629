"""What the local environment needs of the machine: root, and Debian packages."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from devenv.errors import EnvError
from devenv.log import Log
from devenv.run import run


def need_root(who: str, why: str) -> None:
    if os.geteuid() != 0:
        raise EnvError(f"{who} needs root ({why}); run it as root")


@dataclass(frozen=True)
class Package:
    """A Debian package, and the file whose presence shows it is installed."""

    name: str
    provides: str
    """A command name (looked up on PATH) or an absolute path."""

    def present(self) -> bool:
        if self.provides.startswith("/"):
            return Path(self.provides).exists()
        return shutil.which(self.provides) is not None


def ensure_packages(log: Log, packages: Iterable[Package]) -> None:
    """Install, with apt, whichever of `packages` is missing (one apt run for all)."""
    missing = sorted({p.name for p in packages if not p.present()})
    if not missing:
        return
    log.say(f"installing {' '.join(missing)}")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", *missing], env=env)
