"""The options of point queries, defined once: what-if peers and the focus options.

Every value is checked when the command line is parsed (argparse type functions), so a
bad port or label is one line naming the option and the fix, before anything is read.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TypeVar

from netkit.errors import InvalidValue
from netkit.focus import Focus, PortFocus, Verdict, parse_port
from netkit.model import NetworkModel
from netkit.peer_names import PeerSpec, resolve
from netkit.reachability import Direction, Peer
from netkit.whatif import (
    WhatIfNamespace,
    WhatIfPod,
    parse_namespace,
    parse_pod,
    with_what_if,
)
from netkit_cli import arguments
from netkit_cli.arguments import FlagError

T = TypeVar("T")


def checked(flag: str, parse: Callable[[str], T]) -> Callable[[str], T]:
    """`parse` as the argparse type of `flag`: a mistake is a `FlagError` naming the flag
    (`netkit_cli.arguments`), reported in one line before anything is read."""

    def named(text: str) -> T:
        try:
            return parse(text)
        except InvalidValue as error:
            raise FlagError(f"{flag}: {error}") from None

    return arguments.checked(flag, named)


def peer_name(flag: str) -> Callable[[str], str]:
    """A peer as written: `ns/name`, `ns/name[Kind]`, an address or a range name."""

    def parse(text: str) -> str:
        if not text or not text.isprintable() or text != text.strip():
            raise FlagError(
                f"{flag} {text!r}: write a workload as NAMESPACE/NAME (like 'shop-api/api'), "
                "or an address"
            )
        return text

    return arguments.checked(flag, parse)


def port_option(flag: str) -> Callable[[str], PortFocus]:
    return checked(flag, parse_port)


def add_what_if(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--what-if-pod",
        action="append",
        default=[],
        type=checked("--what-if-pod", parse_pod),
        metavar="NS/NAME[:K=V,...]",
        help="answer as if this pod existed, with these labels (kind WhatIf); repeatable",
    )
    parser.add_argument(
        "--what-if-namespace",
        action="append",
        default=[],
        type=checked("--what-if-namespace", parse_namespace),
        metavar="NS[:K=V,...]",
        help="answer as if namespace NS existed with these labels added; repeatable",
    )


def apply_what_if(model: NetworkModel, args: argparse.Namespace) -> NetworkModel:
    pods: list[WhatIfPod] = args.what_if_pod
    namespaces: list[WhatIfNamespace] = args.what_if_namespace
    return with_what_if(model, pods, namespaces)


def add_focus(parser: argparse.ArgumentParser, *, diff: bool = False) -> None:
    group = parser.add_argument_group("focus")
    group.add_argument(
        "--focus-workload",
        type=peer_name("--focus-workload"),
        metavar="NS/NAME",
        help="only pairs with this workload at one end",
    )
    group.add_argument(
        "--focus-peer",
        type=peer_name("--focus-peer"),
        metavar="PEER",
        help="with --focus-workload: only pairs whose other end is PEER (a workload or an address)",
    )
    group.add_argument(
        "--focus-direction",
        choices=("ingress", "egress"),
        help="with --focus-workload: ingress, what it receives; egress, what it sends",
    )
    group.add_argument(
        "--focus-port",
        type=port_option("--focus-port"),
        metavar="PROTO/PORT",
        help="only this protocol and port, e.g. TCP/5432 or UDP/53",
    )
    verdicts = group.add_mutually_exclusive_group()
    allowed = "lines that allow something new" if diff else "only pairs allowed (the default)"
    denied = (
        "lines that deny something that was allowed"
        if diff
        else "only pairs that a policy denies (No Connections)"
    )
    verdicts.add_argument("--allowed-only", action="store_true", help=allowed)
    verdicts.add_argument("--denied-only", action="store_true", help=denied)


def focus_of(args: argparse.Namespace, peers: Sequence[Peer]) -> Focus:
    """The focus the options name, its workload and peer found among `peers`."""
    workload: PeerSpec | None = None
    peer: PeerSpec | None = None
    if args.focus_workload is None and (args.focus_peer or args.focus_direction):
        Focus(peer=PeerSpec(args.focus_peer or ""))  # refuses the combination, naming the fix
    if args.focus_workload is not None:
        workload = resolve(args.focus_workload, peers, "--focus-workload")
    if args.focus_peer is not None:
        peer = resolve(args.focus_peer, peers, "--focus-peer")
    direction = Direction(args.focus_direction) if args.focus_direction else None
    verdict = (
        Verdict.DENIED
        if args.denied_only
        else Verdict.ALLOWED
        if args.allowed_only
        else Verdict.ANY
    )
    port: PortFocus | None = args.focus_port
    return Focus(workload, peer, direction, port, verdict)
