"""Observed connections: flow files read, mapped onto the model, compared with intent.

    flows = read_flows([Path("hubble.json")])            # or conntrack, Calico, Gadget
    report = learn(model, flows)                          # used, unused, undeclared

One concept per module: `flow` (the typed `Flow`), a reader per format (`hubble`,
`calico`, `gadget`, `conntrack`), `read` (format recognition and the window), `mapping`
(addresses and names to the model's objects), `learn` (the three lists), `proposal`
(the stack-file change), `render` (text, Markdown, JSON), `learned` (a JSON report read
back by the pack) and `sampler` (conntrack sampled live in network namespaces).
"""

from netkit.observed.flow import Flow, FlowEnd, FlowFileError, FlowFormat
from netkit.observed.learn import Item, LearnReport, learn
from netkit.observed.mapping import Mapped, ModelIndex, Party, PartyKind, Use, map_flows
from netkit.observed.read import FlowSet, detect_format, read_flows

__all__ = [
    "Flow",
    "FlowEnd",
    "FlowFileError",
    "FlowFormat",
    "FlowSet",
    "Item",
    "LearnReport",
    "Mapped",
    "ModelIndex",
    "Party",
    "PartyKind",
    "Use",
    "detect_format",
    "learn",
    "map_flows",
    "read_flows",
]
