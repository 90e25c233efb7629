"""An independent reading of every policy layer, connection by connection.

It shares no code with netkit's model, readers or engine: it reads the manifest
dictionaries of tests/tiered_clusters.py directly and answers one question at a time
("may pod A send UDP 53 to pod B?") by walking the tiers in order for each direction, the
first rule that matches deciding, exactly as docs/policy-tiers.md states the order:

- tiers by order (Admin 1000 and Baseline 10,000,000 leave what they do not decide to the
  next tier; default 1,000,000 and Calico's Tiers deny it unless their defaultAction is
  Pass); policies by order then name (a NetworkPolicy: order 1000, after Calico's own
  policies of that order); rules as written; Log goes on; whatever no tier decides is
  allowed;
- NetworkPolicy peers never take addresses of pods (ipBlocks are for the outside), nor do
  AdminNetworkPolicy and BaselineAdminNetworkPolicy `networks` of pods without a known
  address; ClusterNetworkPolicy `networks` and Calico `nets` take pods by their address;
  host-networked pods are taken only by `nodes` peers (their node) and by addresses.

Only the shapes the generator writes are read; anything else raises.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

ADMIN_ORDER, DEFAULT_ORDER, BASELINE_ORDER = 1000, 1_000_000, 10_000_000

Probe = tuple[str, int]
"""(protocol, port), or ("ICMP", type)."""


@dataclass
class Endpoint:
    """A pod, or an address outside the cluster (`pod` None)."""

    namespace: str = ""
    name: str = ""
    labels: dict[str, str] | None = None
    ports: list[dict[str, Any]] | None = None
    account: str = "default"
    address: str = ""
    host: bool = False
    node: str = ""

    @property
    def is_pod(self) -> bool:
        return self.labels is not None


def k8s_selector_holds(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = (
            expression["key"],
            expression["operator"],
            expression.get("values", []),
        )
        present = key in labels
        if operator == "In" and (not present or labels[key] not in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def calico_selector_holds(text: str, labels: dict[str, str]) -> bool:
    """The generator's subset of Calico selectors, rewritten as a Python expression."""
    if not text.strip():
        return True
    expression = text
    expression = re.sub(r"!has\(([\w./-]+)\)", r"(not ('\1' in L))", expression)
    expression = re.sub(r"has\(([\w./-]+)\)", r"('\1' in L)", expression)
    expression = expression.replace("all()", "True")
    expression = re.sub(r"([\w./-]+) (not in|in|==|!=) ", r"L.get('\1') \2 ", expression)
    expression = expression.replace("&&", " and ").replace("||", " or ")
    # The expression is built from the generator's own selectors, never from outside input.
    return bool(eval(expression, {"__builtins__": {}}, {"L": labels}))


def inside(address: str, cidrs: list[str]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(
        ip.version == ipaddress.ip_network(c, strict=False).version
        and ip in ipaddress.ip_network(c, strict=False)
        for c in cidrs
    )


class Reference:
    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.namespaces = {
            o["metadata"]["name"]: {
                **(o["metadata"].get("labels") or {}),
                "kubernetes.io/metadata.name": o["metadata"]["name"],
            }
            for o in objects
            if o["kind"] == "Namespace"
        }
        self.nodes = {
            o["metadata"]["name"]: o["metadata"].get("labels") or {}
            for o in objects
            if o["kind"] == "Node"
        }
        self.pods: dict[str, Endpoint] = {}
        for o in objects:
            if o["kind"] != "Pod":
                continue
            meta, spec, status = o["metadata"], o["spec"], o.get("status") or {}
            self.pods[f"{meta['namespace']}/{meta['name']}"] = Endpoint(
                meta["namespace"],
                meta["name"],
                meta.get("labels") or {},
                spec["containers"][0].get("ports") or [],
                spec.get("serviceAccountName", "default"),
                status.get("podIP", ""),
                bool(spec.get("hostNetwork")),
                spec.get("nodeName", ""),
            )
        tier_orders = {"default": (DEFAULT_ORDER, "Deny")}
        for o in objects:
            if o["kind"] == "Tier":
                spec = o["spec"]
                tier_orders[o["metadata"]["name"]] = (
                    spec["order"],
                    spec.get("defaultAction", "Deny"),
                )
        self.tiers: list[tuple[float, str, str]] = sorted(
            [(ADMIN_ORDER, "Admin", "Pass"), (BASELINE_ORDER, "Baseline", "Pass")]
            + [(order, name, end) for name, (order, end) in tier_orders.items()]
        )
        self.policies: list[dict[str, Any]] = [
            o
            for o in objects
            if o["kind"]
            in (
                "NetworkPolicy",
                "AdminNetworkPolicy",
                "BaselineAdminNetworkPolicy",
                "ClusterNetworkPolicy",
                "GlobalNetworkPolicy",
            )
        ]

    # -- where each policy sits

    def tier_of(self, policy: dict[str, Any]) -> str:
        kind, spec = policy["kind"], policy["spec"]
        if kind == "AdminNetworkPolicy":
            return "Admin"
        if kind == "BaselineAdminNetworkPolicy":
            return "Baseline"
        if kind == "ClusterNetworkPolicy":
            return str(spec["tier"])
        if self.calico(policy):
            return str(spec.get("tier", "default"))
        return "default"

    @staticmethod
    def calico(policy: dict[str, Any]) -> bool:
        return str(policy["apiVersion"]).startswith("projectcalico.org")

    def sort_key(self, policy: dict[str, Any], index: int) -> tuple[Any, ...]:
        kind, spec, name = policy["kind"], policy["spec"], policy["metadata"]["name"]
        if kind == "NetworkPolicy" and not self.calico(policy):
            return (False, 1000, "knp.default.", index)
        order = spec.get(
            "order", spec.get("priority", 0 if kind == "BaselineAdminNetworkPolicy" else None)
        )
        namespace = policy["metadata"].get("namespace", "")
        return (order is None, order or 0, name, f"{namespace}/{kind}")

    def ordered(self) -> list[tuple[str, str, list[dict[str, Any]]]]:
        tiers = []
        for _, name, end in self.tiers:
            members = [
                (self.sort_key(p, i), p)
                for i, p in enumerate(self.policies)
                if self.tier_of(p) == name
            ]
            tiers.append((name, end, [p for _, p in sorted(members, key=lambda m: m[0])]))
        return tiers

    # -- whom a policy applies to

    def calico_labels(self, pod: Endpoint) -> dict[str, str]:
        assert pod.labels is not None
        return {
            **pod.labels,
            "projectcalico.org/namespace": pod.namespace,
            "projectcalico.org/orchestrator": "k8s",
            "projectcalico.org/serviceaccount": pod.account,
        }

    def calico_ns_labels(self, namespace: str) -> dict[str, str]:
        return {**self.namespaces[namespace], "projectcalico.org/name": namespace}

    def applies(self, policy: dict[str, Any], direction: str, pod: Endpoint) -> bool:
        kind, spec = policy["kind"], policy["spec"]
        assert pod.labels is not None
        if self.calico(policy):
            types = spec.get("types")
            if types is None:
                types = (
                    ["Egress"]
                    if spec.get("egress") and not spec.get("ingress")
                    else (["Ingress", "Egress"] if spec.get("egress") else ["Ingress"])
                )
            if direction.capitalize() not in types or pod.host:
                return False
            if kind == "NetworkPolicy" and pod.namespace != policy["metadata"]["namespace"]:
                return False
            if "namespaceSelector" in spec and not calico_selector_holds(
                spec["namespaceSelector"], self.calico_ns_labels(pod.namespace)
            ):
                return False
            return calico_selector_holds(spec.get("selector", ""), self.calico_labels(pod))
        if kind == "NetworkPolicy":
            types = spec.get("policyTypes") or (
                ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
            )
            return (
                direction.capitalize() in types
                and pod.namespace == policy["metadata"]["namespace"]
                and k8s_selector_holds(spec["podSelector"], pod.labels)
            )
        if not spec.get(direction) or pod.host:
            return False
        return self.api_peer_holds(spec["subject"], pod)

    def api_peer_holds(self, peer: dict[str, Any], other: Endpoint) -> bool:
        """A subject or peer of the network-policy API (namespaces, pods, networks, nodes)."""
        if "networks" in peer:
            address = other.address
            return bool(address) and inside(address, peer["networks"])
        if "nodes" in peer:
            return (
                other.host
                and other.node in self.nodes
                and k8s_selector_holds(peer["nodes"], self.nodes[other.node])
            )
        if not other.is_pod or other.host:
            return False
        assert other.labels is not None
        if "namespaces" in peer:
            return k8s_selector_holds(peer["namespaces"], self.namespaces[other.namespace])
        pods = peer["pods"]
        return k8s_selector_holds(
            pods.get("namespaceSelector") or {}, self.namespaces[other.namespace]
        ) and k8s_selector_holds(pods.get("podSelector") or {}, other.labels)

    # -- what a rule takes

    def named(self, name: str, dst: Endpoint, protocol: str | None) -> tuple[str, int] | None:
        if not dst.is_pod:
            return None
        assert dst.ports is not None
        for port in dst.ports:
            if port["name"] == name:
                found = (port.get("protocol", "TCP"), port["containerPort"])
                return found if protocol in (None, found[0]) else None
        return None

    def rule_takes(
        self,
        policy: dict[str, Any],
        rule: dict[str, Any],
        direction: str,
        other: Endpoint,
        dst: Endpoint,
        probe: Probe,
    ) -> bool:
        kind = policy["kind"]
        if self.calico(policy):
            return self.calico_rule_takes(policy, rule, direction, other, dst, probe)
        if kind == "NetworkPolicy":
            peers = rule.get("from" if direction == "ingress" else "to")
            if peers and not any(self.np_peer_holds(policy, p, other) for p in peers):
                return False
            if not rule.get("ports"):
                return True
            for entry in rule["ports"]:
                protocol = entry.get("protocol", "TCP")
                value = entry.get("port")
                if value is None:
                    if probe[0] == protocol:
                        return True
                elif isinstance(value, str):
                    if self.named(value, dst, protocol) == probe:
                        return True
                elif probe[0] == protocol and value <= probe[1] <= entry.get("endPort", value):
                    return True
            return False
        peers = rule["from" if direction == "ingress" else "to"]
        if not any(self.api_peer_holds(p, other) for p in peers):
            return False
        if kind == "ClusterNetworkPolicy":
            return self.protocols_take(rule.get("protocols"), dst, probe)
        return self.ports_take(rule.get("ports"), dst, probe)

    def ports_take(self, ports: list[dict[str, Any]] | None, dst: Endpoint, probe: Probe) -> bool:
        if ports is None:
            return True
        for entry in ports:
            if "portNumber" in entry:
                number = entry["portNumber"]
                if probe == (number.get("protocol", "TCP"), number["port"]):
                    return True
            elif "portRange" in entry:
                span = entry["portRange"]
                if (
                    probe[0] == span.get("protocol", "TCP")
                    and span["start"] <= probe[1] <= span["end"]
                ):
                    return True
            elif self.named(entry["namedPort"], dst, None) == probe:
                return True
        return False

    def protocols_take(
        self, protocols: list[dict[str, Any]] | None, dst: Endpoint, probe: Probe
    ) -> bool:
        if protocols is None:
            return True
        for entry in protocols:
            if "destinationNamedPort" in entry:
                if self.named(entry["destinationNamedPort"], dst, None) == probe:
                    return True
                continue
            ((name, spec),) = entry.items()
            port = spec["destinationPort"]
            if probe[0] != name.upper():
                continue
            if "number" in port and probe[1] == port["number"]:
                return True
            if "range" in port and port["range"]["start"] <= probe[1] <= port["range"]["end"]:
                return True
        return False

    def np_peer_holds(self, policy: dict[str, Any], peer: dict[str, Any], other: Endpoint) -> bool:
        if "ipBlock" in peer:
            block = peer["ipBlock"]
            return (
                not other.is_pod
                and inside(other.address, [block["cidr"]])
                and not inside(other.address, block.get("except", []))
            )
        if not other.is_pod:
            return False
        assert other.labels is not None
        if "namespaceSelector" in peer:
            if not k8s_selector_holds(peer["namespaceSelector"], self.namespaces[other.namespace]):
                return False
        elif other.namespace != policy["metadata"]["namespace"]:
            return False
        return k8s_selector_holds(peer.get("podSelector") or {}, other.labels)

    def calico_entity_holds(
        self, policy: dict[str, Any], entity: dict[str, Any], other: Endpoint
    ) -> bool:
        """libcalico-go's reading of an EntityRule."""
        namespaced = policy["kind"] == "NetworkPolicy"
        names_endpoints = any(
            k in entity for k in ("selector", "notSelector", "namespaceSelector", "serviceAccounts")
        )
        positive = any(
            k in entity for k in ("selector", "namespaceSelector", "serviceAccounts")
        ) or (names_endpoints and namespaced)
        if positive:
            if not other.is_pod or other.host:
                return False
            if "namespaceSelector" in entity:
                if not calico_selector_holds(
                    entity["namespaceSelector"], self.calico_ns_labels(other.namespace)
                ):
                    return False
            elif namespaced and other.namespace != policy["metadata"]["namespace"]:
                return False
            if "selector" in entity and not calico_selector_holds(
                entity["selector"], self.calico_labels(other)
            ):
                return False
            if (
                "serviceAccounts" in entity
                and other.account not in entity["serviceAccounts"]["names"]
            ):
                return False
        if (
            "notSelector" in entity
            and other.is_pod
            and not other.host
            and calico_selector_holds(entity["notSelector"], self.calico_labels(other))
        ):
            return False
        if "nets" in entity and (not other.address or not inside(other.address, entity["nets"])):
            return False
        return not (
            "notNets" in entity and other.address and inside(other.address, entity["notNets"])
        )

    def calico_rule_takes(
        self,
        policy: dict[str, Any],
        rule: dict[str, Any],
        direction: str,
        other: Endpoint,
        dst: Endpoint,
        probe: Probe,
    ) -> bool:
        peer = rule.get("source" if direction == "ingress" else "destination") or {}
        entity = {k: v for k, v in peer.items() if k not in ("ports", "notPorts")}
        if not self.calico_entity_holds(policy, entity, other):
            return False
        protocol = rule.get("protocol")
        if protocol is not None and probe[0] != protocol:
            return False
        if "icmp" in rule and probe[1] != rule["icmp"]["type"]:
            return False
        destination = rule.get("destination") or {}

        def listed(entries: list[Any]) -> bool:
            for entry in entries:
                if isinstance(entry, int):
                    if probe[1] == entry:
                        return True
                elif ":" in entry:
                    first, last = (int(x) for x in entry.split(":"))
                    if first <= probe[1] <= last:
                        return True
                elif self.named(entry, dst, protocol) == probe:
                    return True
            return False

        if "ports" in destination and not listed(destination["ports"]):
            return False
        return not ("notPorts" in destination and listed(destination["notPorts"]))

    # -- the walk

    def side(
        self, direction: str, subject: Endpoint, other: Endpoint, dst: Endpoint, probe: Probe
    ) -> bool:
        for _, end, policies in self.ordered():
            applying = [p for p in policies if self.applies(p, direction, subject)]
            if not applying:
                continue
            decided = None
            for policy in applying:
                for rule in policy["spec"].get(direction) or []:
                    action = rule.get("action", "Allow")
                    if not self.rule_takes(policy, rule, direction, other, dst, probe):
                        continue
                    if action == "Log":
                        continue
                    decided = {"Accept": "Allow"}.get(action, action)
                    break
                if decided is not None:
                    break
            if decided == "Allow":
                return True
            if decided == "Deny":
                return False
            if decided is None and end == "Deny":
                return False
        return True

    def allows(self, src: Endpoint, dst: Endpoint, probe: Probe) -> bool:
        egress = not src.is_pod or self.side("egress", src, dst, dst, probe)
        ingress = not dst.is_pod or self.side("ingress", dst, src, dst, probe)
        return egress and ingress
