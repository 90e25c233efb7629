"""User-facing errors.

Every mistake a user can make (a bad CIDR, an unknown config key, a malformed manifest)
raises a subclass of `NetkitError`. The CLI prints `str(error)` on one line and exits 2;
no traceback is shown for these. Messages name where the value came from, the value
(with `!r`) and the fix.
"""

from __future__ import annotations


class NetkitError(Exception):
    """Base of every error caused by user input rather than by a bug."""


class InvalidValue(NetkitError, ValueError):
    """A single value is malformed (CIDR, port, label, name)."""


class InvalidStackConfig(NetkitError, ValueError):
    """A `Pulumi.<stack>.yaml` file does not describe a valid stack."""


class ManifestError(NetkitError, ValueError):
    """A Kubernetes manifest cannot be read into the model."""
