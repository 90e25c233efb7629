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
    CONTAINER = "container"
    """A Docker container: `host/name[Container]`."""
    HOST = "host"
    """A Docker host itself (its own processes): `host1[Host]`."""


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


class StepKind(StrEnum):
    RULE = "rule"
    """A rule matched part of the traffic still undecided, and did its action to it."""
    TIER_END = "tier end"
    """A tier applied and left part of the traffic undecided: its end action took it."""
    DEFAULT = "default"
    """Traffic no tier decided: allowed (the Kubernetes default, Calico's profiles)."""


@dataclass(frozen=True)
class WalkStep:
    """One step of the walk through the tiers for one direction of a pair."""

    kind: StepKind
    tier: str
    """The tier's name ("" for the default step)."""
    policy: str
    """The policy's reference (`anp/NAME`, `ns/name`, ...); for a tier end, the policies of
    the tier that select the endpoint, comma-separated; "" for the default step."""
    rule: str
    """The rule (`spec.egress[2] (name)`); "" for tier ends and the default."""
    action: str
    """Allow, Deny, Pass or Log; a tier end's Deny or Pass; Allow for the default."""
    conns: ConnectionSet
    """The traffic this step took (Log: the traffic it saw)."""

    def text(self, *, icmp: bool = False) -> str:
        """`[Admin] anp/x spec.egress[0] (name): Pass TCP 80`; a tier end says `no rule
        matches`; the default step `no policy decides: Allow ...`."""
        conns = self.conns.text(icmp=icmp)
        if self.kind is StepKind.DEFAULT:
            return f"no policy decides: Allow {conns}"
        if self.kind is StepKind.TIER_END:
            return f"[{self.tier}] {self.policy}: no rule matches: {self.action} {conns}"
        return f"[{self.tier}] {self.policy} {self.rule}: {self.action} {conns}"


@dataclass(frozen=True)
class DirectionVerdict:
    """What one side's policies say: the source's egress or the destination's ingress."""

    direction: Direction
    endpoint: str
    """The peer whose policies decide (the source for egress, the destination for ingress)."""
    isolated: bool
    """A tier that denies what it leaves undecided applies to the endpoint here (a
    NetworkPolicy, a Calico policy): traffic no rule allows is denied."""
    policies: tuple[str, ...]
    """Every policy selecting the endpoint for this direction (`namespace/name`, `anp/NAME`)."""
    rules: tuple[RuleMatch, ...]
    """Rules that allow part of the traffic, with what each allows."""
    allowed: ConnectionSet
    steps: tuple[WalkStep, ...] = ()
    """The walk through the tiers, in order (see `walk_text`)."""
    tiered: bool = False
    """The model has policies beyond NetworkPolicies: `lines` shows the walk."""
    icmp: bool = False
    """Connection sets are shown with their ICMP part (`Reachability.shows_icmp`)."""

    def walk_text(self) -> str:
        """The steps joined by `->`, ending with the verdict: `[Admin] anp/x
        spec.egress[0]: Pass TCP 80 -> [default] ns/deny: no rule matches: Deny TCP 80 ->
        denied`."""
        if not self.policies:
            return f"no policy selects {self.endpoint} -> allowed"
        parts = [step.text(icmp=self.icmp) for step in self.steps]
        if self.allowed.is_empty:
            parts.append("denied")
        elif self.allowed.is_all:
            parts.append("allowed")
        else:
            parts.append(f"allowed {self.allowed.text(icmp=self.icmp)}")
        return " -> ".join(parts)

    def lines(self, other: str) -> list[str]:
        if self.tiered:
            return [f"{self.direction}: {self.walk_text()}"]
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
    """For the ingress controller: the Ingress/Route objects and what each routes. For
    Docker peers: the networks (or published ports) that carry the connection, or why
    none does."""

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
