"""What a command names, turned into one network model.

Every front door goes through here: paths (manifest files and folders, resource lists as
`netkit synth --format json` prints them, address-spaces files), a stack (its program run
offline) and a running cluster (a kubeconfig and context, read by `netkit.live`). A
`Source` says which; a `Loader` dispatches on its kind. The stack's synthesis runs the program, which lives above this package, so the
command line hands it in (`Loader(stack_model=...)`) and `netkit` imports nothing above it.
"""

from __future__ import annotations

from netkit.sources.address_spaces import parse_spaces_document, read_address_spaces
from netkit.sources.loader import Loader, StackModel
from netkit.sources.merge import merge
from netkit.sources.paths import load_paths
from netkit.sources.resource_list import read_resource_list
from netkit.sources.source import STACK_PREFIX, Source, SourceKind

__all__ = [
    "STACK_PREFIX",
    "Loader",
    "Source",
    "SourceKind",
    "StackModel",
    "load_paths",
    "merge",
    "parse_spaces_document",
    "read_address_spaces",
    "read_resource_list",
]
