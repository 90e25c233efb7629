"""Each finding of `netkit check` with the place its value is written.

For a stack, the stack file's entry behind the resource (`netkit.locate.StackLocator`);
for manifests, the object's document (`netkit.locate.ManifestLocator`); inside either,
the offending value when the rule names one. A finding about the stack as a whole points at the
stack file's first line; one read from a cluster or a resource list keeps no place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from netkit.locate import ManifestLocator, StackLocator
from netkit_policies.rules.base import Finding

__all__ = ["with_locations"]


def with_locations(findings: Iterable[Finding], stack_file: Path | None = None) -> list[Finding]:
    """`findings`, each with its location when it has one."""
    stack = StackLocator(stack_file) if stack_file is not None else None
    manifests = ManifestLocator()
    located: list[Finding] = []
    for finding in findings:
        resource = finding.resource
        if stack is not None:
            where = stack.locate(resource.kind, resource.name, resource.namespace, finding.value)
            # Everything of a stack comes from its file: a finding about the stack as a
            # whole points at the file's first line.
            where = where or stack.file_location()
        else:
            where = manifests.locate(resource.source, finding.value) if resource.source else None
        located.append(replace(finding, location=where))
    return located
