"""netkit: one network model of a stack, and the analyses that read it."""

__version__ = "0.1.0"
"""The one place the version is written: the distribution's version (pyproject reads it),
the component package's schema and the policy pack's `PulumiPolicy.yaml` follow it."""
