"""The payments team's networking, written against netkit's components.

It does not use netkit's stack file: it imports the components as any Pulumi program
would, wires them in code, and gets the same checks (`netkit check` reads resources,
not stack files).
"""

import ipaddress

import pulumi

from netkit.model import Endpoint, PolicyPort
from netkit_components import (
    AppService,
    AppServiceArgs,
    BridgeNetwork,
    BridgeNetworkArgs,
    NamespaceIsolation,
    allow,
)

config = pulumi.Config()
namespace = config.get("namespace") or "payments"

# A private bridge for the team's local test harness.
ledger_net = BridgeNetwork(
    "ledger",
    BridgeNetworkArgs.model_validate(
        {"name": "payments-ledger", "subnets": [{"subnet": "10.212.0.0/24"}], "role": "backend"}
    ),
)

# Two services behind a default deny that keeps DNS working.
NamespaceIsolation("payments", namespace)
gateway = AppService("gateway", namespace, AppServiceArgs.model_validate({"name": "gateway"}))
ledger = AppService(
    "ledger",
    namespace,
    AppServiceArgs.model_validate(
        {"name": "ledger", "ports": [{"name": "grpc", "port": 9090}], "replicas": 3}
    ),
)

# Least privilege: the gateway may call the ledger's gRPC port, and the card
# processor's range may reach the gateway's HTTP port. Nothing else.
allow(
    "gateway-to-ledger",
    Endpoint(namespace=namespace, workload="gateway"),
    Endpoint(namespace=namespace, workload="ledger"),
    [PolicyPort("TCP", 9090)],
)
allow(
    "processor-to-gateway",
    Endpoint(cidr=ipaddress.ip_network("198.51.100.0/24")),
    Endpoint(namespace=namespace, workload="gateway"),
    [PolicyPort("TCP", 8080)],
)

pulumi.export("ledger_network", ledger_net.network_name)
pulumi.export("gateway_dns", gateway.dns_name)
pulumi.export("ledger_dns", ledger.dns_name)
