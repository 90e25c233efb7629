"""What the API server refuses in a field netkit reads, netkit refuses: exit status 2 and
one line naming the file, the document, the object and the field. What it accepts, netkit
reads as it reads it.

Each rule is the API server's (`pkg/apis/networking/validation`, `pkg/apis/core/validation`
and apimachinery's `util/validation`), and each test generates values outside it: an
ipBlock cidr with spaces, a zone, leading zeros or an IPv4-mapped IPv6 network; more than
two policyTypes; a quoted number as a Service targetPort; selector keys and values, port
names, Service types and external IPs of the wrong form; negative replica counts; an
Ingress host that is an IP address.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from netkit.manifests import model_from_objects
from netkit_cli.main import main

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def policy_with_peer(peer: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "shop"},
        "spec": {"podSelector": {}, "ingress": [{"from": [peer]}], **spec},
    }


def service(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80}], **spec},
    }


def refused_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], obj: Any) -> str:
    """The one stderr line of `netkit connlist` on a file holding `obj`, asserting exit 2."""
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(obj))
    status = main(["connlist", str(path)])
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.count("\n") == 1 and err.startswith(f"netkit: error: {path}, document 1 ("), err
    return err


def accepted(obj: Any) -> Any:
    return model_from_objects([("m.yaml, document 1", obj)])


# --------------------------------------------------------------------------- ipBlock

v4_networks = st.builds(
    lambda number, prefix: ipaddress.IPv4Network((number, prefix), strict=False),
    st.integers(0, 2**32 - 1),
    st.integers(0, 32),
)
v6_networks = st.builds(
    lambda number, prefix: ipaddress.IPv6Network((number, prefix), strict=False),
    st.integers(0, 2**128 - 1),
    st.integers(0, 128),
).filter(lambda n: n.network_address.ipv4_mapped is None)
SPACES = st.text(alphabet=" \t\n\r\x0b\u00a0", min_size=1, max_size=2)


@st.composite
def unreadable_cidrs(draw: st.DrawFn) -> str:
    """A CIDR the API server refuses, or reads as another family than Python would."""
    network = draw(v4_networks | v6_networks)
    form = draw(st.sampled_from(["space", "mapped", "zone", "zeros"]))
    if form == "space":
        before, after = draw(st.tuples(SPACES | st.just(""), SPACES | st.just("")))
        assume(before or after)
        return f"{before}{network}{after}"
    if form == "mapped":
        v4 = draw(v4_networks)
        return f"::ffff:{v4.network_address}/{96 + v4.prefixlen}"
    if form == "zone":
        v6 = draw(v6_networks)
        return f"{v6.network_address}%eth0/{v6.prefixlen}"
    v4 = draw(v4_networks)
    octets = str(v4.network_address).split(".")
    index = draw(st.integers(0, 3))
    octets[index] = "0" + octets[index] if len(octets[index]) < 3 else octets[index]
    assume(any(len(o) > 1 and o[0] == "0" for o in octets))
    return f"{'.'.join(octets)}/{v4.prefixlen}"


@SETTINGS
@given(cidr=unreadable_cidrs(), field=st.sampled_from(["cidr", "except"]))
def test_an_ip_block_the_api_server_would_refuse_or_read_otherwise_is_one_line(
    tmp_path, capsys, cidr, field
):
    block = {"cidr": cidr} if field == "cidr" else {"cidr": "0.0.0.0/0", "except": [cidr]}
    where = "ipBlock.cidr" if field == "cidr" else "ipBlock.except[0]"

    line = refused_line(tmp_path, capsys, policy_with_peer({"ipBlock": block}))

    assert f"spec.ingress[0].from[0].{where}: " in line


@SETTINGS
@given(network=v4_networks | v6_networks, host_bits=st.integers(0, 2**32 - 1))
def test_an_ip_block_the_api_server_accepts_is_read_with_its_host_bits_masked(network, host_bits):
    address = network.network_address + (host_bits % network.num_addresses)
    written = f"{address}/{network.prefixlen}"

    (read,) = accepted(policy_with_peer({"ipBlock": {"cidr": written}})).network_policies

    assert read.ingress[0].peers[0].ip_block.cidr == network


def test_an_ipv4_mapped_network_is_refused_with_its_ipv4_form():
    obj = policy_with_peer({"ipBlock": {"cidr": "::ffff:10.0.0.0/104"}})

    with pytest.raises(ValueError, match=r"write '10\.0\.0\.0/8'"):
        accepted(obj)


# --------------------------------------------------------------------------- policyTypes


@SETTINGS
@given(st.lists(st.sampled_from(["Ingress", "Egress"]), min_size=3, max_size=6))
def test_more_than_two_policy_types_are_one_line(tmp_path, capsys, types):
    obj = policy_with_peer({"podSelector": {}}, policyTypes=types)

    line = refused_line(tmp_path, capsys, obj)

    assert f"spec.policyTypes: {len(types)} entries; the API server takes at most two" in line


# --------------------------------------------------------------------------- ports and names

quoted_numbers = st.integers(0, 99999).map(str)
bad_port_names = (
    st.text(alphabet="abcdefghij-0123456789", min_size=16, max_size=30)
    | st.text(alphabet="ABCDEFGHIJ_.", min_size=1, max_size=8)
    | st.from_regex(r"[a-z]{1,5}--[a-z]{1,5}", fullmatch=True)
    | st.from_regex(r"-[a-z]{1,5}|[a-z]{1,5}-", fullmatch=True)
    | st.from_regex(r"[0-9-]{1,12}", fullmatch=True).filter(lambda s: s.strip("-"))
)


@SETTINGS
@given(value=quoted_numbers | bad_port_names)
def test_a_service_target_port_that_is_no_number_and_no_port_name_is_one_line(
    tmp_path, capsys, value
):
    assume(value != "")  # "" is the API server's default: the port itself
    obj = service(ports=[{"name": "http", "port": 80, "targetPort": value}])

    line = refused_line(tmp_path, capsys, obj)

    assert "spec.ports[0].targetPort: " in line


@SETTINGS
@given(value=quoted_numbers | bad_port_names, place=st.sampled_from(["policy", "container"]))
def test_a_port_name_outside_the_iana_syntax_is_one_line_wherever_it_is_read(
    tmp_path, capsys, value, place
):
    if place == "policy":
        obj = policy_with_peer({"podSelector": {}})
        obj["spec"]["ingress"][0]["ports"] = [{"port": value}]
        field = "spec.ingress[0].ports[0].port: "
    else:
        assume(value != "")
        obj = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": "shop"},
            "spec": {
                "containers": [{"name": "c", "ports": [{"containerPort": 80, "name": value}]}]
            },
        }
        field = "spec.containers[0].ports[0].name: "

    assert field in refused_line(tmp_path, capsys, obj)


bad_labels = (
    st.text(alphabet="abc XYZ!@#", min_size=1, max_size=10).filter(lambda s: not s.isalnum())
    | st.text(alphabet="abc", min_size=64, max_size=80)
    | st.sampled_from(["-x", "x-", "/x", "a/b/c", "_x"])
)


@SETTINGS
@given(value=bad_labels, part=st.sampled_from(["key", "value"]))
def test_a_selector_expression_key_or_value_of_the_wrong_form_is_one_line(
    tmp_path, capsys, value, part
):
    expression = {"key": "app", "operator": "In", "values": ["web"]}
    if part == "key":
        expression["key"] = value
        field = "matchExpressions[0].key: "
    else:
        assume(value.strip() and ("/" not in value or part == "value"))
        expression["values"] = [value]
        field = "matchExpressions[0].values[0]: "
    obj = policy_with_peer({"podSelector": {"matchExpressions": [expression]}})

    assert field in refused_line(tmp_path, capsys, obj)


@SETTINGS
@given(
    name=st.text(alphabet="abcXY_.", min_size=1, max_size=8).filter(
        lambda s: not (s.islower() and s.isalpha())
    )
    | st.text(alphabet="ab", min_size=64, max_size=70)
)
def test_a_service_port_name_that_is_no_dns_label_is_one_line(tmp_path, capsys, name):
    line = refused_line(tmp_path, capsys, service(ports=[{"name": name, "port": 80}]))

    assert "spec.ports[0].name: " in line


def test_service_ports_the_api_server_refuses_as_a_set_are_one_line_each(tmp_path, capsys):
    unnamed = service(ports=[{"name": "a", "port": 80}, {"port": 81}])
    twice = service(ports=[{"name": "a", "port": 80}, {"name": "b", "port": 80}])

    assert "spec.ports[1].name: is missing" in refused_line(tmp_path, capsys, unnamed)
    assert "spec.ports[1].port: 80/TCP is also spec.ports[0]" in refused_line(
        tmp_path, capsys, twice
    )


@SETTINGS
@given(
    kind=st.text(min_size=1, max_size=12).filter(
        lambda s: s not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
    )
)
def test_a_service_type_the_api_server_does_not_know_is_one_line(tmp_path, capsys, kind):
    assert "spec.type: " in refused_line(tmp_path, capsys, service(type=kind))


@SETTINGS
@given(
    address=st.sampled_from(["127.0.0.1", "0.0.0.0", "::1", "::", "169.254.1.1", "fe80::1"])
    | st.sampled_from(["224.0.0.5", "ff02::1", "ff12::1", "::ffff:10.0.0.1", " 10.0.0.1"])
    | st.text(max_size=10).filter(lambda s: s.strip() == s and ":" not in s and "." not in s)
)
def test_an_external_ip_the_api_server_refuses_is_one_line(tmp_path, capsys, address):
    line = refused_line(tmp_path, capsys, service(externalIPs=[address]))

    assert "spec.externalIPs[0]: " in line


@SETTINGS
@given(replicas=st.integers(max_value=-1), kind=st.sampled_from(["Deployment", "StatefulSet"]))
def test_a_negative_replica_count_is_one_line(tmp_path, capsys, replicas, kind):
    obj = {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "replicas": replicas,
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}},
        },
    }

    assert "spec.replicas: " in refused_line(tmp_path, capsys, obj)


@SETTINGS
@given(host=st.sampled_from(["10.0.0.1", "fd00::1", "Shop.example.com", "shop_x.example.com"]))
def test_an_ingress_rule_host_that_is_an_address_or_no_dns_name_is_one_line(tmp_path, capsys, host):
    obj = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "shop", "namespace": "shop"},
        "spec": {
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ]
        },
    }

    assert "spec.rules[0].host: " in refused_line(tmp_path, capsys, obj)


@pytest.mark.parametrize("target", [0, ""])
def test_a_target_port_of_zero_or_empty_is_the_port_as_the_api_server_defaults_it(target):
    (read,) = accepted(service(ports=[{"name": "h", "port": 8080, "targetPort": target}])).services

    assert read.ports[0].target_port == 8080
