"""What the analysis reports: peers, connections, and why each is allowed or denied."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from netkit.errors import NetkitError
from netkit.model import Workload
from netkit.portset import ConnectionSet

INGRESS_CONTROLLER = "{ingress-controller}"
INGRESS_CONTROLLER_NAMESPACE = "ingress-controller-ns"
"""The namespace netpol-analyzer places its ingress-controller pod in (no pod labels)."""


class UnknownPeerError(NetkitError, LookupError):
    """A workload or peer name that the analyzed model does not contain."""


class Direction(StrEnum):
    INGRESS = "ingress"
    EGRESS = "egress"


class PeerKind(StrEnum):
    WORKLOAD = "workload"
    EXTERNAL = "external"
    INGRESS_CONTROLLER = "ingress-controller"


@dataclass(frozen=True)
class Peer:
    """One end of a connection; `str(peer)` is its connectivity-list name."""

    kind: PeerKind
    name: str
    workload: Workload | None = field(default=None, compare=False, repr=False)
    """The workload, for kind WORKLOAD."""
    first: str = ""
    """First address of an EXTERNAL range."""
    last: str = ""
    """Last address of an EXTERNAL range."""

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Connection:
    """Traffic `src` may send to `dst`: the connections both sides' policies allow."""

    src: Peer
    dst: Peer
    conns: ConnectionSet

    def __str__(self) -> str:
        return f"{self.src} => {self.dst} : {self.conns}"


@dataclass(frozen=True)
class RuleMatch:
    """One policy rule that allows part of a connection."""

    policy: str
    """`namespace/name` of the NetworkPolicy."""
    direction: Direction
    index: int
    """Position in `spec.ingress` or `spec.egress` (0-based, as in the manifest path)."""
    conns: ConnectionSet
    """What this rule allows for the pair."""

    @property
    def path(self) -> str:
        return f"spec.{self.direction}[{self.index}]"

    def __str__(self) -> str:
        return f"{self.policy} {self.path}"


@dataclass(frozen=True)
class DirectionVerdict:
    """What one side's policies say: the source's egress or the destination's ingress."""

    direction: Direction
    endpoint: str
    """The peer whose policies decide (the source for egress, the destination for ingress)."""
    isolated: bool
    """Some policy selects the endpoint for this direction."""
    policies: tuple[str, ...]
    """`namespace/name` of every policy selecting the endpoint for this direction."""
    rules: tuple[RuleMatch, ...]
    """Rules of those policies that match the other peer, with what each allows."""
    allowed: ConnectionSet

    def lines(self, other: str) -> list[str]:
        if not self.isolated:
            return [
                f"{self.direction}: {self.endpoint} is not isolated for {self.direction} "
                "(no NetworkPolicy selects it): All Connections"
            ]
        if not self.rules:
            return [
                f"{self.direction}: denied; {self.endpoint} is isolated for {self.direction} "
                f"by {', '.join(self.policies)} and no {self.direction} rule matches {other}"
            ]
        lines = [f"{self.direction}: {rule.conns} allowed by {rule}" for rule in self.rules]
        if not self.allowed.is_all:
            lines.append(
                f"{self.direction}: anything else is denied ({self.endpoint} is isolated by "
                f"{', '.join(self.policies)})"
            )
        return lines


@dataclass(frozen=True)
class Explanation:
    """Why `src` may (or may not) reach `dst`: both sides' verdicts and their intersection."""

    src: Peer
    dst: Peer
    allowed: ConnectionSet
    egress: DirectionVerdict | None
    """None when the source is outside the cluster (no policy governs its egress)."""
    ingress: DirectionVerdict | None
    routes: tuple[str, ...] = ()
    """For the ingress controller: the Ingress/Route objects and what each routes."""

    def lines(self) -> list[str]:
        """The connectivity line followed by indented explanation lines."""
        lines = [f"{self.src} => {self.dst} : {self.allowed}"]
        details = list(self.routes)
        if self.egress is not None:
            details.extend(self.egress.lines(str(self.dst)))
        if self.ingress is not None:
            details.extend(self.ingress.lines(str(self.src)))
        return lines + [f"    {line}" for line in details]

    def __str__(self) -> str:
        return "\n".join(self.lines())
