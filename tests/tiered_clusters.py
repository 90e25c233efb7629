"""Random clusters with tiered policies, from a seed: the input of the differential tests.

Three families, each a list of manifest dictionaries:

- `admin_cluster(seed)`: Namespaces, bare Pods with named ports, NetworkPolicies,
  AdminNetworkPolicies (distinct priorities) and a BaselineAdminNetworkPolicy, in the
  shapes netpol-analyzer reads (so its answer can be compared);
- `cluster_network_policy_cluster(seed)`: the same pods with addresses and nodes (one pod
  runs on the host network), NetworkPolicies, Admin and Baseline ClusterNetworkPolicies
  with `networks` and `nodes` peers;
- `calico_cluster(seed)`: pods with service accounts and addresses, Tiers,
  GlobalNetworkPolicies and Calico NetworkPolicies with Allow/Deny/Pass/Log rules, ICMP,
  nets, selectors, notSelector, namespaceSelector and service accounts, and
  NetworkPolicies.

Calico selectors are drawn from a subset of the language (`==`, `!=`, `in`, `not in`,
`has()`, `!has()`, `all()`, `&&`, `||`, parentheses) that tests/reference_evaluator.py
reads by itself.
"""

from __future__ import annotations

import random
from typing import Any

Manifest = dict[str, Any]

NAMESPACES = ("ns-a", "ns-b", "ns-c")
KEYS = ("app", "tier")
VALUES = ("x", "y", "z")
CONTAINER_PORTS = (
    {"name": "web", "containerPort": 80},
    {"name": "alt", "containerPort": 81},
    {"name": "dns", "containerPort": 53, "protocol": "UDP"},
    {"name": "metrics", "containerPort": 9090},
    {"name": "sc", "containerPort": 80, "protocol": "SCTP"},
)
NETWORKS = (
    "0.0.0.0/0",
    "10.0.0.0/8",
    "10.244.0.0/16",
    "10.244.1.0/24",
    "192.168.0.0/16",
    "8.8.8.8/32",
)
ACCOUNTS = ("default", "sa-one", "sa-two")
NODES = (("node-1", "172.18.0.2", {"role": "infra"}), ("node-2", "172.18.0.3", {"role": "app"}))
PROBES = (
    ("TCP", 80),
    ("TCP", 81),
    ("TCP", 443),
    ("TCP", 9090),
    ("UDP", 53),
    ("UDP", 80),
    ("SCTP", 80),
)
"""(protocol, port) the reference evaluator judges; ICMP echo (type 8) is judged too."""
EXTERNAL = ("8.8.8.8", "10.9.9.9", "192.168.1.1", "1.2.3.4")
"""Addresses outside the cluster the reference evaluator judges."""


def _labels(rng: random.Random, size: int = 2) -> dict[str, str]:
    return {key: rng.choice(VALUES) for key in rng.sample(KEYS, rng.randint(0, size))}


def _selector(rng: random.Random) -> dict[str, Any]:
    selector: dict[str, Any] = {}
    if rng.random() < 0.6:
        selector["matchLabels"] = _labels(rng, 1)
    if rng.random() < 0.3:
        operator = rng.choice(["In", "NotIn", "Exists", "DoesNotExist"])
        expression: dict[str, Any] = {"key": rng.choice(KEYS), "operator": operator}
        if operator in ("In", "NotIn"):
            expression["values"] = rng.sample(VALUES, rng.randint(1, 2))
        selector["matchExpressions"] = [expression]
    return selector


def _namespace_selector(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.3:
        return {"matchLabels": {"kubernetes.io/metadata.name": rng.choice(NAMESPACES)}}
    if rng.random() < 0.3:
        return {}
    return {"matchLabels": {"team": rng.choice(("red", "blue"))}}


def _namespaces(rng: random.Random) -> list[Manifest]:
    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"team": rng.choice(("red", "blue"))}},
        }
        for ns in NAMESPACES
    ]


def _pods(rng: random.Random, *, placed: bool, accounts: bool, host: bool) -> list[Manifest]:
    pods: list[Manifest] = []
    for n, namespace in enumerate(NAMESPACES):
        for i in range(rng.randint(1, 3)):
            ports = rng.sample(CONTAINER_PORTS, rng.randint(0, 3))
            ports = list({p["name"]: p for p in ports}.values())
            spec: dict[str, Any] = {"containers": [{"name": "c", "image": "i", "ports": ports}]}
            pod: Manifest = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": f"p{i}", "namespace": namespace, "labels": _labels(rng)},
                "spec": spec,
            }
            if accounts:
                spec["serviceAccountName"] = rng.choice(ACCOUNTS)
            if placed:
                node = rng.choice(NODES)
                spec["nodeName"] = node[0]
                pod["status"] = {"phase": "Running", "podIP": f"10.244.{n + 1}.{10 + i}"}
            pods.append(pod)
    if host:
        node = rng.choice(NODES)
        pods.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "host", "namespace": "ns-c", "labels": {"app": "x"}},
                "spec": {
                    "hostNetwork": True,
                    "nodeName": node[0],
                    "containers": [
                        {"name": "c", "image": "i", "ports": [{"name": "web", "containerPort": 80}]}
                    ],
                },
                "status": {"phase": "Running", "podIP": node[1]},
            }
        )
    return pods


def _nodes() -> list[Manifest]:
    return [
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": labels},
            "status": {"addresses": [{"type": "InternalIP", "address": address}]},
        }
        for name, address, labels in NODES
    ]


def _network_policies(rng: random.Random, count: int) -> list[Manifest]:
    policies: list[Manifest] = []
    for index in range(count):
        spec: dict[str, Any] = {"podSelector": _selector(rng)}
        spec["policyTypes"] = rng.choice([["Ingress"], ["Egress"], ["Ingress", "Egress"]])
        for direction, key in (("ingress", "from"), ("egress", "to")):
            if direction.capitalize() not in spec["policyTypes"] or rng.random() < 0.3:
                continue
            rules = []
            for _ in range(rng.randint(0, 2)):
                rule: dict[str, Any] = {}
                if rng.random() < 0.7:
                    peer: dict[str, Any] = {}
                    if rng.random() < 0.15:
                        peer = {"ipBlock": {"cidr": rng.choice(NETWORKS[1:3])}}
                    else:
                        if rng.random() < 0.6:
                            peer["podSelector"] = _selector(rng)
                        if rng.random() < 0.6 or not peer:
                            peer["namespaceSelector"] = _namespace_selector(rng)
                    rule[key] = [peer]
                if rng.random() < 0.5:
                    choices: list[dict[str, Any]] = [
                        {"port": 80},
                        {"port": 53, "protocol": "UDP"},
                        {"port": 80, "endPort": 9090},
                    ]
                    peers = rule.get(key)
                    if direction == "ingress" or (peers and "ipBlock" not in peers[0]):
                        # netpol-analyzer refuses a named port towards addresses (an
                        # egress rule to an ipBlock, or to everything).
                        choices.append({"port": "web"})
                    rule["ports"] = [rng.choice(choices)]
                rules.append(rule)
            spec[direction] = rules
        policies.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": f"np{index}", "namespace": rng.choice(NAMESPACES)},
                "spec": spec,
            }
        )
    return policies


# --------------------------------------------------------------------------- v1alpha1


def _v1alpha1_peer(rng: random.Random, egress: bool) -> dict[str, Any]:
    roll = rng.random()
    if egress and roll < 0.2:
        return {"networks": rng.sample(NETWORKS, rng.randint(1, 2))}
    if egress and roll < 0.25:
        return {"nodes": {"matchLabels": {"role": "infra"}}}
    if roll < 0.5:
        return {"namespaces": _namespace_selector(rng)}
    return {"pods": {"namespaceSelector": _namespace_selector(rng), "podSelector": _selector(rng)}}


def _v1alpha1_ports(rng: random.Random) -> list[dict[str, Any]] | None:
    if rng.random() < 0.4:
        return None
    ports: list[dict[str, Any]] = []
    for _ in range(rng.randint(1, 2)):
        roll = rng.random()
        if roll < 0.4:
            ports.append(
                {
                    "portNumber": {
                        "protocol": rng.choice(["TCP", "UDP", "SCTP"]),
                        "port": rng.choice([53, 80, 81]),
                    }
                }
            )
        elif roll < 0.7:
            start = rng.choice([50, 80])
            ports.append(
                {
                    "portRange": {
                        "protocol": rng.choice(["TCP", "UDP"]),
                        "start": start,
                        "end": start + rng.choice([0, 1, 9000]),
                    }
                }
            )
        else:
            ports.append({"namedPort": rng.choice(["web", "dns", "alt", "nope"])})
    return ports


def _v1alpha1_subject(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.5:
        return {"namespaces": _namespace_selector(rng)}
    return {"pods": {"namespaceSelector": _namespace_selector(rng), "podSelector": _selector(rng)}}


def _v1alpha1_rules(rng: random.Random, egress: bool, actions: list[str]) -> list[dict[str, Any]]:
    rules = []
    for index in range(rng.randint(0, 3)):
        rule: dict[str, Any] = {
            "name": f"r{index}",
            "action": rng.choice(actions),
            "to" if egress else "from": [
                _v1alpha1_peer(rng, egress) for _ in range(rng.randint(1, 2))
            ],
        }
        ports = _v1alpha1_ports(rng)
        if ports is not None:
            rule["ports"] = ports
        rules.append(rule)
    return rules


def admin_cluster(seed: int) -> list[Manifest]:
    """Namespaces, pods, NetworkPolicies, AdminNetworkPolicies and maybe a baseline."""
    rng = random.Random(seed)
    objects = _namespaces(rng) + _pods(rng, placed=False, accounts=False, host=False)
    objects += _network_policies(rng, rng.randint(0, 2))
    for index, priority in enumerate(rng.sample(range(0, 100), rng.randint(1, 3))):
        spec: dict[str, Any] = {"priority": priority, "subject": _v1alpha1_subject(rng)}
        for direction, egress in (("ingress", False), ("egress", True)):
            rules = _v1alpha1_rules(rng, egress, ["Allow", "Deny", "Pass"])
            if rules:
                spec[direction] = rules
        objects.append(
            {
                "apiVersion": "policy.networking.k8s.io/v1alpha1",
                "kind": "AdminNetworkPolicy",
                "metadata": {"name": f"anp{index}"},
                "spec": spec,
            }
        )
    if rng.random() < 0.7:
        spec = {"subject": _v1alpha1_subject(rng)}
        for direction, egress in (("ingress", False), ("egress", True)):
            rules = _v1alpha1_rules(rng, egress, ["Allow", "Deny"])
            if rules:
                spec[direction] = rules
        objects.append(
            {
                "apiVersion": "policy.networking.k8s.io/v1alpha1",
                "kind": "BaselineAdminNetworkPolicy",
                "metadata": {"name": "default"},
                "spec": spec,
            }
        )
    return objects


# --------------------------------------------------------------------------- v1alpha2


def _v1alpha2_protocols(rng: random.Random) -> list[dict[str, Any]] | None:
    if rng.random() < 0.4:
        return None
    protocols: list[dict[str, Any]] = []
    for _ in range(rng.randint(1, 2)):
        roll = rng.random()
        if roll < 0.3:
            protocols.append({"destinationNamedPort": rng.choice(["web", "dns", "alt"])})
            continue
        name = rng.choice(["tcp", "udp", "sctp"])
        if roll < 0.7:
            protocols.append({name: {"destinationPort": {"number": rng.choice([53, 80, 81])}}})
        else:
            start = rng.choice([50, 80])
            protocols.append(
                {
                    name: {
                        "destinationPort": {
                            "range": {"start": start, "end": start + rng.choice([1, 9000])}
                        }
                    }
                }
            )
    return protocols


def cluster_network_policy_cluster(seed: int) -> list[Manifest]:
    """Pods with addresses and nodes, NetworkPolicies, Admin and Baseline CNPs."""
    rng = random.Random(seed)
    objects = _namespaces(rng) + _nodes() + _pods(rng, placed=True, accounts=False, host=True)
    objects += _network_policies(rng, rng.randint(0, 2))
    priorities = rng.sample(range(0, 100), 4)
    for index in range(rng.randint(1, 4)):
        spec: dict[str, Any] = {
            "tier": rng.choice(["Admin", "Baseline"]),
            "priority": priorities[index],
            "subject": _v1alpha1_subject(rng),
        }
        for direction, egress in (("ingress", False), ("egress", True)):
            rules = []
            for number in range(rng.randint(0, 3)):
                peers = []
                for _ in range(rng.randint(1, 2)):
                    peer = _v1alpha1_peer(rng, egress)
                    peers.append(peer)
                rule: dict[str, Any] = {
                    "name": f"r{number}",
                    "action": rng.choice(["Accept", "Deny", "Pass"]),
                    "to" if egress else "from": peers,
                }
                protocols = _v1alpha2_protocols(rng)
                named = protocols and any("destinationNamedPort" in p for p in protocols)
                if named and any("networks" in p or "nodes" in p for p in peers):
                    protocols = None  # the API refuses a named port with these peers
                if protocols is not None:
                    rule["protocols"] = protocols
                rules.append(rule)
            if rules:
                spec[direction] = rules
        objects.append(
            {
                "apiVersion": "policy.networking.k8s.io/v1alpha2",
                "kind": "ClusterNetworkPolicy",
                "metadata": {"name": f"cnp{index}"},
                "spec": spec,
            }
        )
    return objects


# --------------------------------------------------------------------------- Calico


def calico_selector(rng: random.Random, depth: int = 0) -> str:
    """A selector of the subset the reference evaluator reads."""
    roll = rng.random()
    if depth < 1 and roll < 0.25:
        left, right = calico_selector(rng, depth + 1), calico_selector(rng, depth + 1)
        return f"({left}) {rng.choice(['&&', '||'])} ({right})"
    key = rng.choice(KEYS)
    value = rng.choice(VALUES)
    return rng.choice(
        [
            f"{key} == '{value}'",
            f"{key} != '{value}'",
            f"{key} in {{'{value}', 'y'}}",
            f"{key} not in {{'{value}'}}",
            f"has({key})",
            f"!has({key})",
            "all()",
        ]
    )


def _calico_namespace_selector(rng: random.Random) -> str:
    return rng.choice(
        [
            f"team == '{rng.choice(('red', 'blue'))}'",
            f"projectcalico.org/name == '{rng.choice(NAMESPACES)}'",
            "all()",
        ]
    )


def _calico_entity(rng: random.Random) -> dict[str, Any]:
    entity: dict[str, Any] = {}
    roll = rng.random()
    if roll < 0.25:
        return entity
    if roll < 0.4:
        entity["nets"] = rng.sample(NETWORKS, rng.randint(1, 2))
        if rng.random() < 0.3:
            entity["notNets"] = ["10.244.1.0/24"]
        return entity
    if rng.random() < 0.7:
        entity["selector"] = calico_selector(rng)
    if rng.random() < 0.3:
        entity["namespaceSelector"] = _calico_namespace_selector(rng)
    if rng.random() < 0.15:
        entity["notSelector"] = calico_selector(rng)
    if rng.random() < 0.2:
        entity["serviceAccounts"] = {"names": rng.sample(ACCOUNTS, 1)}
    return entity


def _calico_rule(rng: random.Random, ingress: bool) -> dict[str, Any]:
    rule: dict[str, Any] = {"action": rng.choice(["Allow", "Deny", "Pass", "Log", "Allow"])}
    protocol = rng.choice([None, None, "TCP", "UDP", "ICMP"])
    peer = _calico_entity(rng)
    destination: dict[str, Any] = {} if ingress else peer
    if protocol is not None:
        rule["protocol"] = protocol
    if protocol in ("TCP", "UDP") and rng.random() < 0.6:
        ports: list[Any] = rng.sample([80, 53, "web", "80:90", 9090], rng.randint(1, 2))
        destination["ports"] = ports
        if rng.random() < 0.2:
            destination["notPorts"] = [81]
    if protocol == "ICMP" and rng.random() < 0.5:
        rule["icmp"] = {"type": rng.choice([0, 8])}
    if ingress and peer:
        rule["source"] = peer
    if destination:
        rule["destination"] = destination
    return rule


def calico_cluster(seed: int) -> list[Manifest]:
    """Pods with accounts and addresses, Tiers, GlobalNetworkPolicies, Calico and
    Kubernetes NetworkPolicies."""
    rng = random.Random(seed)
    objects = _namespaces(rng) + _pods(rng, placed=True, accounts=True, host=False)
    objects += _network_policies(rng, rng.randint(0, 2))
    tiers = ["default"]
    for index in range(rng.randint(0, 2)):
        name = f"tier{index}"
        tier: Manifest = {
            "apiVersion": "projectcalico.org/v3",
            "kind": "Tier",
            "metadata": {"name": name},
            "spec": {"order": rng.choice([100, 500, 2_000_000])},
        }
        if rng.random() < 0.4:
            tier["spec"]["defaultAction"] = "Pass"
        objects.append(tier)
        tiers.append(name)
    for index in range(rng.randint(1, 4)):
        is_global = rng.random() < 0.5
        spec: dict[str, Any] = {"tier": rng.choice(tiers), "selector": calico_selector(rng)}
        if rng.random() < 0.8:
            spec["order"] = rng.choice([10, 100, 1000, 1500])
        if is_global and rng.random() < 0.3:
            spec["namespaceSelector"] = _calico_namespace_selector(rng)
        for direction, ingress in (("ingress", True), ("egress", False)):
            rules = [_calico_rule(rng, ingress) for _ in range(rng.randint(0, 3))]
            if rules:
                spec[direction] = rules
        if rng.random() < 0.5:
            spec["types"] = rng.choice([["Ingress"], ["Egress"], ["Ingress", "Egress"]])
            # Rules of a direction `types` leaves out: Calico takes them and ignores them.
            if rng.random() < 0.7:
                for direction in ("ingress", "egress"):
                    if direction.capitalize() not in spec["types"]:
                        spec.pop(direction, None)
        metadata: dict[str, Any] = {"name": f"pol{index}"}
        if not is_global:
            metadata["namespace"] = rng.choice(NAMESPACES)
        objects.append(
            {
                "apiVersion": "projectcalico.org/v3",
                "kind": "GlobalNetworkPolicy" if is_global else "NetworkPolicy",
                "metadata": metadata,
                "spec": spec,
            }
        )
    return objects
