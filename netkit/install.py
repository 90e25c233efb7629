"""Where an installed netkit keeps the folders the Pulumi engine runs.

The wheel installs the policy pack and the component package as data under the
virtualenv (`<venv>/share/netkit/`), not inside a Python package: their manifests name
the virtualenv as `../../..`, which holds on every platform only from there.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

from netkit.errors import NetkitError

SHARE = ("share", "netkit")


def data_dir() -> Path:
    """`<prefix>/share/netkit` of the running interpreter's installation."""
    return Path(sysconfig.get_path("data")).joinpath(*SHARE)


def installed_folder(name: str, manifest: str) -> Path:
    """`data_dir()/name`, checked to hold `manifest`."""
    folder = data_dir() / name
    if not (folder / manifest).is_file():
        raise NetkitError(
            f"{folder / manifest}: not installed; install netkit into this virtualenv with pip "
            "(`pip install netkit-<version>-py3-none-any.whl`, or `make install` in a checkout)"
        )
    return folder


def policy_pack() -> Path:
    """The folder to give `pulumi preview --policy-pack`."""
    return installed_folder("policy-pack", "PulumiPolicy.yaml")


def component_package() -> Path:
    """The folder a program names under `packages:` (a Python component provider)."""
    return installed_folder("component-package", "PulumiPlugin.yaml")
