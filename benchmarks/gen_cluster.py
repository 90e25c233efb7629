"""Deterministic generator of realistic Kubernetes clusters, written as manifests in a folder.

The cluster looks like a `kubectl get -o yaml` snapshot of a multi-team cluster:

- `namespaces` application namespaces named `<team>-<tier>-<env>`, labelled `team`, `tier`,
  `env` (and `kubernetes.io/metadata.name`), plus three platform namespaces: `kube-system`
  (CoreDNS), `ingress-nginx` (the ingress controller) and `monitoring` (Prometheus, a statsd
  exporter).
- Workloads of 3-10 replicas in roles `web`, `api`, `worker`, `db`, `cache`, `queue`, each with
  named container ports (one UDP), a Service, and an Ingress for the `web` ones.
- About one NetworkPolicy per workload, plus per namespace a default-deny and a DNS-egress
  policy (most namespaces; a few `dev` ones stay open). Selectors mix `matchLabels`,
  `matchExpressions` (In / NotIn / Exists), `namespaceSelector` + `podSelector` pairs, named
  and numbered ports, a port range (`endPort`), and `ipBlock`s with `except`.

Two forms of the workloads:

- `pods` (default): one `Pod` per replica, owned by a `ReplicaSet` `<app>-<hash>` (the
  Deployment's), each with a node and a pod IP, as a live snapshot holds them. Every analyzer
  then sees the same N pods (np-guard's netpol-analyzer turns a Deployment into at most two
  representative pods, whatever its `replicas`), and reports each workload as
  `<ns>/<app>-<hash>[ReplicaSet]`.
- `deployments`: one `Deployment` per workload with `spec.replicas`, as in a Git repository.

The same `seed` always gives the same bytes. Usage:

    python benchmarks/gen_cluster.py --pods 1000 --out /tmp/cluster-1000
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import yaml

Manifest = dict[str, Any]
WorkloadForm = Literal["pods", "deployments"]

TEAMS: Final = ("payments", "search", "checkout", "identity", "catalog", "growth", "media", "ads")
NAMESPACE_TIERS: Final = ("frontend", "backend", "data")
ENVS: Final = ("prod", "staging", "dev")
PRIVATE_RANGES: Final = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
NODE_CIDR: Final = "192.168.49.0/24"
MIN_PODS: Final = 10
MIN_REPLICAS: Final = 3
MAX_REPLICAS: Final = 10
# Alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes).
NAME_SUFFIX_ALPHABET: Final = "bcdfghjklmnpqrstvwxz2456789"
METADATA_NAME: Final = "kubernetes.io/metadata.name"

# Workload roles that each namespace tier runs, with their weights.
ROLE_WEIGHTS: Final[dict[str, dict[str, int]]] = {
    "frontend": {"web": 5, "api": 3, "cache": 1},
    "backend": {"api": 5, "worker": 3, "cache": 1, "queue": 1},
    "data": {"db": 3, "cache": 2, "worker": 2, "queue": 1},
}


@dataclass(frozen=True)
class Port:
    """A named container port."""

    name: str
    number: int
    protocol: str = "TCP"


@dataclass(frozen=True)
class Role:
    """What a kind of workload runs: its `tier` pod label, app names and container ports."""

    tier: str
    names: tuple[str, ...]
    ports: tuple[Port, ...]


HTTP = Port("http", 8080)
METRICS = Port("metrics", 9090)
ROLES: Final[dict[str, Role]] = {
    "web": Role(
        "web",
        ("storefront", "portal", "dashboard", "webapp", "landing", "admin-ui"),
        (HTTP, Port("https", 8443), METRICS),
    ),
    "api": Role(
        "api",
        (
            "orders",
            "users",
            "inventory",
            "pricing",
            "auth",
            "cart",
            "billing",
            "profiles",
            "catalog",
            "reviews",
            "recommendations",
            "shipping",
        ),
        (HTTP, Port("grpc", 50051), METRICS),
    ),
    "worker": Role(
        "worker",
        ("mailer", "indexer", "exporter", "scheduler", "thumbnailer", "reconciler"),
        (METRICS, Port("statsd", 8125, "UDP")),
    ),
    "db": Role(
        "db",
        ("postgres", "orders-db", "users-db", "ledger-db"),
        (Port("postgres", 5432), Port("pg-metrics", 9187)),
    ),
    "cache": Role(
        "cache",
        ("redis", "session-cache", "memcached"),
        (Port("redis", 6379), Port("memcache-udp", 11211, "UDP")),
    ),
    "queue": Role(
        "queue",
        ("rabbitmq", "events", "jobs-queue"),
        (Port("amqp", 5672), Port("management", 15672)),
    ),
}


@dataclass(frozen=True)
class Namespace:
    name: str
    team: str
    tier: str
    env: str
    default_deny: bool

    @property
    def labels(self) -> dict[str, str]:
        return {METADATA_NAME: self.name, "team": self.team, "tier": self.tier, "env": self.env}


@dataclass
class Workload:
    namespace: str
    name: str
    role: str
    replicas: int
    labels: dict[str, str]
    ports: tuple[Port, ...]
    image: str
    pod_template_hash: str = ""


@dataclass
class ClusterStats:
    """What `generate` wrote."""

    namespaces: int = 0
    workloads: int = 0
    pods: int = 0
    services: int = 0
    ingresses: int = 0
    policies: int = 0
    files: list[Path] = field(default_factory=list)


class _Generator:
    """One generation run. Two seeded streams, each drawn in a fixed order: `rng` shapes the
    cluster (namespaces, workloads, policies) and `pod_rng` only names and places pods, so both
    workload forms describe the same cluster with the same policies.
    """

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pod_rng = random.Random(f"pods-{seed}")
        self.next_pod_ip = 2  # offset in 10.244.0.0/16; .0 and .1 are left out
        self.nodes: list[tuple[str, str]] = []

    # ---- names and addresses -------------------------------------------------------------
    def suffix(self, length: int) -> str:
        return "".join(self.pod_rng.choice(NAME_SUFFIX_ALPHABET) for _ in range(length))

    def uid(self) -> str:
        return str(uuid.UUID(int=self.pod_rng.getrandbits(128), version=4))

    def pod_ip(self) -> str:
        offset = self.next_pod_ip
        self.next_pod_ip += 1
        if offset >= 2**16 - 1:
            raise ValueError(f"too many pods for the pod CIDR 10.244.0.0/16: {offset!r}")
        return f"10.244.{offset // 256}.{offset % 256}"

    # ---- cluster shape -------------------------------------------------------------------
    def namespaces(self, count: int) -> list[Namespace]:
        combos = [(t, tier, e) for t in TEAMS for tier in NAMESPACE_TIERS for e in ENVS]
        self.rng.shuffle(combos)
        result: list[Namespace] = []
        for index in range(count):
            team, tier, env = combos[index % len(combos)]
            name = f"{team}-{tier}-{env}"
            if index >= len(combos):
                name = f"{name}-{index // len(combos)}"
            # prod and staging are locked down; a third of dev namespaces stay open.
            default_deny = env != "dev" or self.rng.random() < 2 / 3
            result.append(Namespace(name, team, tier, env, default_deny))
        return result

    def platform_workloads(self) -> list[Workload]:
        def make(
            ns: str, name: str, replicas: int, labels: dict[str, str], ports: tuple[Port, ...]
        ) -> Workload:
            return Workload(
                ns, name, "platform", replicas, labels, ports, f"registry.k8s.io/{name}:1.0.0"
            )

        return [
            make(
                "kube-system",
                "coredns",
                2,
                {"k8s-app": "kube-dns"},
                (Port("dns", 53, "UDP"), Port("dns-tcp", 53), Port("metrics", 9153)),
            ),
            make(
                "ingress-nginx",
                "ingress-nginx-controller",
                2,
                {
                    "app.kubernetes.io/name": "ingress-nginx",
                    "app.kubernetes.io/component": "controller",
                },
                (Port("http", 80), Port("https", 443), Port("metrics", 10254)),
            ),
            make(
                "monitoring",
                "prometheus",
                2,
                {"app": "prometheus", "app.kubernetes.io/part-of": "monitoring"},
                (Port("web", 9090),),
            ),
            make(
                "monitoring",
                "statsd-exporter",
                1,
                {"app": "statsd-exporter", "app.kubernetes.io/part-of": "monitoring"},
                (Port("statsd", 9125, "UDP"), Port("metrics", 9102)),
            ),
        ]

    def app_workloads(self, namespaces: Sequence[Namespace], pods: int) -> list[Workload]:
        """Workloads of 3-10 replicas whose replica counts add up to exactly `pods`."""
        replica_counts: list[int] = []
        left = pods
        while left > 0:
            replicas = min(self.rng.randint(MIN_REPLICAS, MAX_REPLICAS), left)
            if 0 < left - replicas < MIN_REPLICAS:
                replicas = left  # fold a small remainder into this workload
            replica_counts.append(replicas)
            left -= replicas

        taken: set[tuple[str, str]] = set()
        workloads: list[Workload] = []
        for index, replicas in enumerate(replica_counts):
            # Round-robin first, so every namespace gets a workload before any gets two.
            ns = namespaces[index] if index < len(namespaces) else self.rng.choice(namespaces)
            weights = ROLE_WEIGHTS[ns.tier]
            role_name = self.rng.choices(list(weights), weights=list(weights.values()))[0]
            role = ROLES[role_name]
            name = self.rng.choice(role.names)
            serial = 2
            base = name
            while (ns.name, name) in taken:
                name = f"{base}-{serial}"
                serial += 1
            taken.add((ns.name, name))
            labels = {
                "app": name,
                "tier": role.tier,
                "team": ns.team,
                "version": self.rng.choice(("v1", "v1", "v2")),
                "app.kubernetes.io/part-of": ns.team,
            }
            if role_name == "worker" and self.rng.random() < 0.3:
                labels["backup"] = "enabled"
            image = f"registry.example.com/{ns.team}/{base}:1.{self.rng.randint(0, 40)}.0"
            workloads.append(
                Workload(ns.name, name, role_name, replicas, labels, role.ports, image)
            )
        return workloads

    # ---- manifests -----------------------------------------------------------------------
    def pod_spec(self, workload: Workload) -> Manifest:
        container: Manifest = {
            "name": workload.name,
            "image": workload.image,
            "ports": [
                {"name": p.name, "containerPort": p.number, "protocol": p.protocol}
                for p in workload.ports
            ],
        }
        return {"containers": [container]}

    def pods(self, workload: Workload) -> list[Manifest]:
        workload.pod_template_hash = self.suffix(10)
        owner = f"{workload.name}-{workload.pod_template_hash}"
        owner_uid = self.uid()
        labels = {**workload.labels, "pod-template-hash": workload.pod_template_hash}
        result: list[Manifest] = []
        for _ in range(workload.replicas):
            node_name, host_ip = self.pod_rng.choice(self.nodes)
            ip = self.pod_ip()
            spec = self.pod_spec(workload)
            spec["nodeName"] = node_name
            result.append(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        "name": f"{owner}-{self.suffix(5)}",
                        "namespace": workload.namespace,
                        "labels": labels,
                        "ownerReferences": [
                            {
                                "apiVersion": "apps/v1",
                                "kind": "ReplicaSet",
                                "name": owner,
                                "uid": owner_uid,
                                "controller": True,
                                "blockOwnerDeletion": True,
                            }
                        ],
                        "uid": self.uid(),
                    },
                    "spec": spec,
                    "status": {
                        "phase": "Running",
                        "hostIP": host_ip,
                        "podIP": ip,
                        "podIPs": [{"ip": ip}],
                    },
                }
            )
        return result

    def deployment(self, workload: Workload) -> Manifest:
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": workload.name,
                "namespace": workload.namespace,
                "labels": dict(workload.labels),
            },
            "spec": {
                "replicas": workload.replicas,
                "selector": {"matchLabels": _selector_labels(workload)},
                "template": {
                    "metadata": {"labels": dict(workload.labels)},
                    "spec": self.pod_spec(workload),
                },
            },
        }


def _selector_labels(workload: Workload) -> dict[str, str]:
    if "app" in workload.labels:
        return {"app": workload.labels["app"]}
    return dict(workload.labels)


def _namespace_manifest(name: str, labels: dict[str, str]) -> Manifest:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def _service(workload: Workload) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": workload.name,
            "namespace": workload.namespace,
            "labels": _selector_labels(workload),
        },
        "spec": {
            "type": "ClusterIP",
            "selector": _selector_labels(workload),
            "ports": [
                {
                    "name": p.name,
                    "port": 80 if p.name == "http" else p.number,
                    "targetPort": p.name,
                    "protocol": p.protocol,
                }
                for p in workload.ports
            ],
        },
    }


def _ingress(workload: Workload) -> Manifest:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": workload.name, "namespace": workload.namespace},
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": f"{workload.name}.{workload.namespace}.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {
                                    "service": {"name": workload.name, "port": {"name": "http"}}
                                },
                            }
                        ]
                    },
                }
            ],
        },
    }


# ---- NetworkPolicies -------------------------------------------------------------------------
def _policy(
    namespace: str,
    name: str,
    pod_selector: Manifest,
    *,
    ingress: list[Manifest] | None = None,
    egress: list[Manifest] | None = None,
) -> Manifest:
    spec: Manifest = {"podSelector": pod_selector}
    types: list[str] = []
    if ingress is not None:
        types.append("Ingress")
        if ingress:
            spec["ingress"] = ingress
    if egress is not None:
        types.append("Egress")
        if egress:
            spec["egress"] = egress
    spec["policyTypes"] = types
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def _ports(*ports: int | str | tuple[int | str, str]) -> list[Manifest]:
    result: list[Manifest] = []
    for port in ports:
        number, protocol = port if isinstance(port, tuple) else (port, "TCP")
        result.append({"protocol": protocol, "port": number})
    return result


def _ns_is(name: str) -> Manifest:
    return {"matchLabels": {METADATA_NAME: name}}


def _expr(key: str, operator: str, *values: str) -> Manifest:
    expression: Manifest = {"key": key, "operator": operator}
    if values:
        expression["values"] = list(values)
    return expression


def _internet(*extra_except: str) -> Manifest:
    return {"ipBlock": {"cidr": "0.0.0.0/0", "except": [*PRIVATE_RANGES, *extra_except]}}


FROM_PROMETHEUS: Final[Manifest] = {
    "namespaceSelector": {"matchLabels": {"team": "platform"}},
    "podSelector": {"matchLabels": {"app": "prometheus"}},
}
FROM_INGRESS_CONTROLLER: Final[Manifest] = {
    "namespaceSelector": _ns_is("ingress-nginx"),
    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx"}},
}


def _namespace_policies(ns: Namespace, named_dns: bool) -> list[Manifest]:
    if not ns.default_deny:
        return []
    dns_ports = (
        _ports(("dns", "UDP"), ("dns-tcp", "TCP"))
        if named_dns
        else _ports((53, "UDP"), (53, "TCP"))
    )
    return [
        _policy(ns.name, "default-deny-all", {}, ingress=[], egress=[]),
        _policy(
            ns.name,
            "allow-dns-egress",
            {},
            egress=[
                {
                    "to": [
                        {
                            "namespaceSelector": _ns_is("kube-system"),
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": dns_ports,
                }
            ],
        ),
    ]


def _workload_policy(rng: random.Random, ns: Namespace, w: Workload) -> Manifest | None:
    """The workload's own policy, by role: who may call it, and whom it may call."""
    name = f"{w.name}-netpol"
    selector: Manifest = {"matchLabels": {"app": w.name}}
    metrics_rule: Manifest = {"from": [FROM_PROMETHEUS], "ports": _ports("metrics")}
    same_team_env = {"matchLabels": {"team": ns.team, "env": ns.env}}
    if w.role == "web":
        # Half the web tier names the ingress controller's pods; the other half lets every
        # namespace reach port http, which is what an Ingress object's traffic then matches.
        if rng.random() < 0.5:
            http_from: Manifest = FROM_INGRESS_CONTROLLER
        else:
            http_from = {"namespaceSelector": {}}
        ingress = [{"from": [http_from], "ports": _ports("http")}, metrics_rule]
        if rng.random() < 0.3:  # exposed through a LoadBalancer, straight from the internet
            ingress.append({"from": [_internet()], "ports": _ports(8443)})
        egress = [
            {
                "to": [{"podSelector": {"matchExpressions": [_expr("tier", "In", "api")]}}],
                "ports": _ports(8080, 50051),
            },
            {
                "to": [
                    {
                        "namespaceSelector": same_team_env,
                        "podSelector": {"matchLabels": {"tier": "api"}},
                    }
                ],
                "ports": _ports("http"),
            },
        ]
        return _policy(ns.name, name, selector, ingress=ingress, egress=egress)
    if w.role == "api":
        ingress = [
            {
                "from": [
                    {"podSelector": {"matchExpressions": [_expr("tier", "In", "web", "api")]}}
                ],
                "ports": _ports("http", "grpc"),
            },
            {
                "from": [
                    {
                        "namespaceSelector": {"matchLabels": {"team": ns.team}},
                        "podSelector": {
                            "matchExpressions": [
                                _expr("tier", "In", "web"),
                                _expr("version", "NotIn", "v0"),
                            ]
                        },
                    }
                ],
                "ports": _ports(8080),
            },
            metrics_rule,
        ]
        egress = [
            {
                "to": [
                    {
                        "podSelector": {
                            "matchExpressions": [_expr("tier", "In", "db", "cache", "queue")]
                        }
                    }
                ]
            },
            {
                "to": [
                    {
                        "namespaceSelector": {
                            "matchExpressions": [
                                _expr("tier", "In", "data"),
                                _expr("team", "In", ns.team),
                            ]
                        },
                        "podSelector": {},
                    }
                ],
                "ports": _ports(5432, 6379, "amqp"),
            },
        ]
        if rng.random() < 0.4:  # calls a payment provider / SaaS API
            egress.append({"to": [_internet("100.64.0.0/10")], "ports": _ports(443)})
        return _policy(ns.name, name, selector, ingress=ingress, egress=egress)
    if w.role == "worker":
        egress = [
            {
                "to": [
                    {
                        "namespaceSelector": {"matchLabels": {"env": ns.env}},
                        "podSelector": {"matchLabels": {"tier": "queue"}},
                    }
                ],
                "ports": _ports("amqp"),
            },
            {
                "to": [
                    {
                        "namespaceSelector": _ns_is("monitoring"),
                        "podSelector": {"matchLabels": {"app": "statsd-exporter"}},
                    }
                ],
                "ports": _ports(("statsd", "UDP")),
            },
            {
                "to": [{"ipBlock": {"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"]}}],
                "ports": _ports(587, 465),
            },
        ]
        return _policy(ns.name, name, selector, ingress=[metrics_rule], egress=egress)
    if w.role == "db":
        ingress = [
            {
                "from": [
                    {"podSelector": {"matchExpressions": [_expr("tier", "In", "api", "worker")]}}
                ],
                "ports": _ports("postgres"),
            },
            {
                "from": [
                    {
                        "namespaceSelector": {
                            "matchExpressions": [
                                _expr("env", "NotIn", "dev"),
                                _expr("team", "In", ns.team),
                            ]
                        },
                        "podSelector": {"matchExpressions": [_expr("backup", "Exists")]},
                    }
                ],
                "ports": _ports("postgres"),
            },
            {"from": [FROM_PROMETHEUS], "ports": _ports("pg-metrics")},
        ]
        egress = [{"to": [{"ipBlock": {"cidr": "198.51.100.0/24"}}], "ports": _ports(443)}]
        return _policy(ns.name, name, selector, ingress=ingress, egress=egress)
    if w.role == "cache":
        ingress = [
            {
                "from": [
                    {
                        "podSelector": {
                            "matchExpressions": [
                                _expr("app", "Exists"),
                                _expr("tier", "NotIn", "web", "db"),
                            ]
                        }
                    }
                ],
                # memcache-udp is a UDP port: asking for it over TCP allows nothing.
                "ports": _ports("redis", ("memcache-udp", "TCP")),
            }
        ]
        return _policy(ns.name, name, selector, ingress=ingress)
    if w.role == "queue":
        ingress = [
            {
                "from": [{"namespaceSelector": {"matchLabels": {"team": ns.team}}}],
                "ports": _ports("amqp"),
            },
            {
                "from": [FROM_PROMETHEUS],
                "ports": [{"protocol": "TCP", "port": 15672, "endPort": 15692}],
            },
        ]
        return _policy(ns.name, name, selector, ingress=ingress)
    return None


def _platform_policies() -> list[Manifest]:
    everything: Manifest = {"namespaceSelector": {}, "podSelector": {}}
    return [
        _policy(
            "ingress-nginx",
            "ingress-nginx-controller",
            {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx"}},
            ingress=[
                {"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": _ports(80, 443)},
                {"from": [FROM_PROMETHEUS], "ports": _ports("metrics")},
            ],
        ),
        _policy(
            "monitoring",
            "prometheus",
            {"matchLabels": {"app": "prometheus"}},
            ingress=[{"from": [FROM_INGRESS_CONTROLLER], "ports": _ports("web")}],
            egress=[
                {"to": [everything], "ports": _ports("metrics", "pg-metrics", 15692, 9153)},
                {
                    "to": [{"ipBlock": {"cidr": NODE_CIDR}}],
                    "ports": [
                        {"protocol": "TCP", "port": 10250},
                        {"protocol": "TCP", "port": 9100, "endPort": 9101},
                    ],
                },
            ],
        ),
        _policy(
            "monitoring",
            "statsd-exporter",
            {"matchLabels": {"app": "statsd-exporter"}},
            ingress=[
                {"from": [everything], "ports": _ports(("statsd", "UDP"))},
                {"from": [FROM_PROMETHEUS], "ports": _ports("metrics")},
            ],
            egress=[],
        ),
    ]


# ---- writing ---------------------------------------------------------------------------------
# libyaml's emitter when PyYAML has it (5x faster); both write the same text.
_Dumper: type[Any] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _write(path: Path, docs: Iterable[Manifest], stats: ClusterStats) -> None:
    docs = list(docs)
    if not docs:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.dump_all(
        docs,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        explicit_start=True,
        width=100,
    )
    path.write_text(text, encoding="utf-8")
    stats.files.append(path)


def _baseline() -> Manifest:
    """A cluster-wide BaselineAdminNetworkPolicy: every application pod no NetworkPolicy
    selects may only reach the cluster DNS; nothing else reaches it."""
    platform = {
        "matchExpressions": [
            _expr(METADATA_NAME, "NotIn", "kube-system", "ingress-nginx", "monitoring")
        ]
    }
    dns = {
        "pods": {
            "namespaceSelector": {"matchLabels": {METADATA_NAME: "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    }
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "BaselineAdminNetworkPolicy",
        "metadata": {"name": "default"},
        "spec": {
            "subject": {"namespaces": platform},
            "ingress": [{"name": "deny-all", "action": "Deny", "from": [{"namespaces": {}}]}],
            "egress": [
                {
                    "name": "allow-dns",
                    "action": "Allow",
                    "to": [dns],
                    "ports": [
                        {"portNumber": {"protocol": "UDP", "port": 53}},
                        {"portNumber": {"protocol": "TCP", "port": 53}},
                    ],
                },
                {"name": "deny-pods", "action": "Deny", "to": [{"namespaces": {}}]},
                {"name": "deny-internet", "action": "Deny", "to": [{"networks": ["0.0.0.0/0"]}]},
            ],
        },
    }


def generate(
    out_dir: Path,
    pods: int,
    namespaces: int = 20,
    seed: int = 0,
    form: WorkloadForm = "pods",
    *,
    baseline: bool = False,
) -> ClusterStats:
    """Write a cluster of exactly `pods` pods (platform pods included) into `out_dir`.

    `namespaces` counts the application namespaces; `kube-system`, `ingress-nginx` and
    `monitoring` come on top. With `baseline`, a BaselineAdminNetworkPolicy (`_baseline`)
    is written too, in `baseline.yaml`; the rest is the same bytes. Files already in
    `out_dir` that this function writes are replaced; other files are left alone, so give
    it an empty or new folder.
    """
    if namespaces < 1:
        raise ValueError(f"namespaces must be at least 1, got {namespaces!r}")
    gen = _Generator(seed)
    platform = gen.platform_workloads()
    platform_pods = sum(w.replicas for w in platform)
    if pods < MIN_PODS:
        raise ValueError(
            f"pods must be at least {MIN_PODS} (the platform runs {platform_pods}), got {pods!r}"
        )
    node_count = max(3, pods // 30)
    gen.nodes = [(f"node-{i:03d}", f"192.168.49.{10 + i}") for i in range(node_count)]
    if node_count > 240:
        raise ValueError(f"too many pods for one node subnet: {pods!r}")

    app_namespaces = gen.namespaces(namespaces)
    apps = gen.app_workloads(app_namespaces, pods - platform_pods)
    workloads = platform + apps
    named_dns = {ns.name: gen.rng.random() < 0.5 for ns in app_namespaces}
    by_name = {ns.name: ns for ns in app_namespaces}

    stats = ClusterStats()
    platform_ns = [
        _namespace_manifest(
            name, {METADATA_NAME: name, "team": "platform", "tier": "platform", "env": "prod"}
        )
        for name in ("kube-system", "ingress-nginx", "monitoring")
    ]
    ns_docs = platform_ns + [_namespace_manifest(ns.name, ns.labels) for ns in app_namespaces]
    _write(out_dir / "namespaces.yaml", ns_docs, stats)
    stats.namespaces = len(ns_docs)

    folder_names = ["kube-system", "ingress-nginx", "monitoring"] + [
        ns.name for ns in app_namespaces
    ]
    for folder in folder_names:
        members = [w for w in workloads if w.namespace == folder]
        workload_docs: list[Manifest] = []
        for w in members:
            if form == "pods":
                workload_docs.extend(gen.pods(w))
            else:
                workload_docs.append(gen.deployment(w))
        _write(
            out_dir / folder / ("pods.yaml" if form == "pods" else "deployments.yaml"),
            workload_docs,
            stats,
        )
        services = [_service(w) for w in members]
        _write(out_dir / folder / "services.yaml", services, stats)
        ingresses = [_ingress(w) for w in members if w.role == "web"]
        _write(out_dir / folder / "ingresses.yaml", ingresses, stats)

        policies: list[Manifest] = []
        if folder in by_name:
            ns = by_name[folder]
            policies.extend(_namespace_policies(ns, named_dns[folder]))
            for w in members:
                # About one workload in eight relies on its namespace's policies alone.
                if gen.rng.random() < 0.125:
                    continue
                policy = _workload_policy(gen.rng, ns, w)
                if policy is not None:
                    policies.append(policy)
        else:
            policies.extend(p for p in _platform_policies() if p["metadata"]["namespace"] == folder)
        _write(out_dir / folder / "networkpolicies.yaml", policies, stats)

        stats.workloads += len(members)
        stats.pods += sum(w.replicas for w in members)
        stats.services += len(services)
        stats.ingresses += len(ingresses)
        stats.policies += len(policies)
    if baseline:
        _write(out_dir / "baseline.yaml", [_baseline()], stats)
        stats.policies += 1
    return stats


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pods", type=int, required=True, help="total pods, e.g. 1000")
    parser.add_argument("--out", type=Path, required=True, help="folder to write manifests into")
    parser.add_argument(
        "--namespaces", type=int, default=20, help="application namespaces (default: 20)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument(
        "--form",
        choices=("pods", "deployments"),
        default="pods",
        help="one Pod per replica (default) or one Deployment per workload",
    )
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="add a BaselineAdminNetworkPolicy that denies by default and keeps DNS",
    )
    parser.add_argument(
        "--force", action="store_true", help="empty --out first if it already holds files"
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    if out.exists() and any(out.iterdir()):
        if not args.force:
            print(
                f"gen_cluster: error: {str(out)!r} is not empty; pass --force to replace it",
                file=sys.stderr,
            )
            return 2
        shutil.rmtree(out)
    try:
        stats = generate(
            out,
            args.pods,
            namespaces=args.namespaces,
            seed=args.seed,
            form=args.form,
            baseline=args.baseline,
        )
    except ValueError as error:
        print(f"gen_cluster: error: {error}", file=sys.stderr)
        return 2
    print(
        f"{out}: {stats.pods} pods in {stats.workloads} workloads, {stats.namespaces} "
        f"namespaces, {stats.services} services, {stats.ingresses} ingresses, "
        f"{stats.policies} network policies ({len(stats.files)} files)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
