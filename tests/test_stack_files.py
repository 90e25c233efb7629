"""The committed stack files: each holds the salt of the documented dev passphrase, so that
a preview, an `up` or a `destroy` never writes one into a tracked file."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

REPO = Path(__file__).resolve().parents[1]
DEV_PASSPHRASE = "netkit-dev-passphrase"
"""The Makefile's PULUMI_CONFIG_PASSPHRASE default."""
STACK_FILES = sorted(REPO.glob("Pulumi.*.yaml"))


def opens_with(passphrase: str, salt_state: str) -> bool:
    """Whether Pulumi's passphrase provider accepts `passphrase` for this `encryptionsalt`:
    `v1:<salt>:v1:<nonce>:<ciphertext>`, the word `pulumi` sealed with AES-256-GCM under a
    key of 1,000,000 rounds of PBKDF2-SHA256 of the passphrase and the salt."""
    version, salt, sealed = salt_state.split(":", 2)
    sealed_version, nonce, ciphertext = sealed.split(":")
    assert (version, sealed_version) == ("v1", "v1"), salt_state
    key = hashlib.pbkdf2_hmac("sha256", passphrase.encode(), base64.b64decode(salt), 1_000_000, 32)
    try:
        opened = AESGCM(key).decrypt(base64.b64decode(nonce), base64.b64decode(ciphertext), None)
    except Exception:  # cryptography's InvalidTag: another passphrase
        return False
    return opened == b"pulumi"


def test_the_project_has_its_four_stacks():
    assert [p.name for p in STACK_FILES] == [
        "Pulumi.dev.yaml", "Pulumi.lab.yaml", "Pulumi.prod.yaml", "Pulumi.staging.yaml"
    ]  # fmt: skip


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_stack_file_holds_the_dev_passphrase_s_salt(path: Path):
    salt = yaml.safe_load(path.read_text(encoding="utf-8")).get("encryptionsalt")
    assert isinstance(salt, str), f"{path.name} has no encryptionsalt: a preview would write one"
    assert opens_with(DEV_PASSPHRASE, salt)


def test_a_salt_does_not_open_with_another_passphrase():
    salt = yaml.safe_load(STACK_FILES[0].read_text(encoding="utf-8"))["encryptionsalt"]
    assert not opens_with("another passphrase", salt)
