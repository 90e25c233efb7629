from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest
import yaml

from netkit.host_routes import parse_ip_route
from netkit.model import AddressSpace, Layer, NetworkModel
from netkit_cli import main as cli


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(tmp_path: Path, name: str, data: object) -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data) if name.endswith(".yaml") else json.dumps(data))
    return str(path)


SPACES = {
    "address_spaces": [
        {"name": "backend", "layer": "docker bridge", "cidr": "10.10.0.0/16"},
        {"name": "pods", "layer": "pod cidr", "cidr": "10.244.0.0/16"},
        {"name": "default-ipv4", "layer": "calico pool", "cidr": "10.244.0.0/17"},
    ],
    "reserved": [{"name": "corp-vpn", "cidr": "10.10.8.0/21"}],
}


# --------------------------------------------------------------------------- overlap


def test_overlap_reports_a_bridge_over_a_vpn_and_exits_1(tmp_path, capsys):
    code, out, err = run(capsys, "overlap", write(tmp_path, "spaces.yaml", SPACES))
    assert code == 1
    assert out == (
        "docker bridge 'backend' 10.10.0.0/16 contains reserved 'corp-vpn' 10.10.8.0/21\n"
        "4 address spaces, 1 overlap (1 expected by design, not counted)\n"
    )
    assert err == ""


def test_overlap_of_a_clean_file_exits_0(tmp_path, capsys):
    spaces = [
        {"name": "frontend", "layer": "docker bridge", "cidr": "10.210.1.0/24"},
        {"name": "backend", "layer": "DOCKER_BRIDGE", "cidr": "10.210.2.0/24"},
    ]
    code, out, _ = run(capsys, "overlap", write(tmp_path, "spaces.json", spaces))
    assert (code, out) == (0, "2 address spaces, 0 overlaps\n")


def test_overlap_checks_reserved_ranges_from_the_command_line(tmp_path, capsys):
    spaces = [{"name": "frontend", "layer": "docker bridge", "cidr": "10.8.1.0/24"}]
    code, out, _ = run(
        capsys, "overlap", write(tmp_path, "s.yaml", spaces), "--reserved", "corp-vpn=10.8.0.0/16"
    )
    assert code == 1
    assert out == (
        "docker bridge 'frontend' 10.8.1.0/24 is inside reserved 'corp-vpn' 10.8.0.0/16\n"
        "2 address spaces, 1 overlap\n"
    )


def test_overlap_as_json_names_both_sides_and_their_sources(tmp_path, capsys):
    path = write(tmp_path, "spaces.yaml", SPACES)
    code, out, _ = run(capsys, "overlap", path, "--format", "json")
    assert code == 1
    assert json.loads(out) == {
        "address_spaces": 4,
        "expected_by_design": 1,
        "overlaps": [
            {
                "relation": "contains",
                "message": "docker bridge 'backend' 10.10.0.0/16 contains reserved 'corp-vpn' "
                "10.10.8.0/21",
                "first": {
                    "name": "backend",
                    "layer": "docker bridge",
                    "cidr": "10.10.0.0/16",
                    "source": f"{path}#address_spaces[0]",
                },
                "second": {
                    "name": "corp-vpn",
                    "layer": "reserved",
                    "cidr": "10.10.8.0/21",
                    "source": f"{path}#reserved[0]",
                },
            }
        ],
    }


def test_overlap_against_host_routes_ignores_the_hosts_own_nesting(monkeypatch, capsys):
    routes = parse_ip_route(
        "10.0.0.0/8 via 192.0.2.9 dev tun0\n10.1.0.0/16 dev eth1 proto kernel\n"
    )
    monkeypatch.setattr("netkit_cli.commands.overlap.read_host_routes", lambda notes: routes)
    code, out, _ = run(capsys, "overlap", "--host-routes", "--reserved", "lab=192.168.0.0/16")
    assert (code, out) == (0, "3 address spaces, 0 overlaps (1 expected by design, not counted)\n")
    code, out, _ = run(capsys, "overlap", "--host-routes", "--reserved", "lab=10.1.2.0/24")
    assert code == 1
    assert out == (
        "reserved 'lab' 10.1.2.0/24 is inside host route 'tun0' 10.0.0.0/8\n"
        "reserved 'lab' 10.1.2.0/24 is inside host route 'eth1' 10.1.0.0/16\n"
        "3 address spaces, 2 overlaps (1 expected by design, not counted)\n"
    )


def test_overlap_of_a_stack_reads_its_model(monkeypatch, capsys, tmp_path):
    model = NetworkModel(
        address_spaces=(
            AddressSpace("mesh", Layer.DOCKER_OVERLAY, ipaddress.ip_network("10.211.0.0/24")),
            AddressSpace("web", Layer.DOCKER_BRIDGE, ipaddress.ip_network("10.211.0.0/24")),
        ),
        notes=("skipped kind 'Foo'",),
    )
    stacks: list[tuple[str, Path | None]] = []
    # The real synthesis takes about a second; the command's part is what is tested here.
    monkeypatch.setattr(
        "netkit_cli.synth.model_for_stack",
        lambda stack, project_dir: stacks.append((stack, project_dir)) or model,
    )
    code, out, err = run(capsys, "overlap", "--stack", "dev")
    assert (code, stacks) == (1, [("dev", None)])
    assert out == (
        "docker overlay 'mesh' 10.211.0.0/24 is the same range as docker bridge 'web' "
        "10.211.0.0/24\n2 address spaces, 1 overlap\n"
    )
    assert err == "netkit: note: skipped kind 'Foo'\n"
    run(capsys, "overlap", "--stack", "prod", "--project-dir", str(tmp_path))
    assert stacks[-1] == ("prod", tmp_path)


def test_overlap_reads_manifests_and_address_spaces_files_together(tmp_path, capsys):
    cluster = tmp_path / "cluster"
    cluster.mkdir()
    (cluster / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n"
        "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
    )
    spaces = write(tmp_path, "spaces.yaml", SPACES)
    code, out, err = run(capsys, "overlap", str(cluster), spaces, "--reserved", "x=10.10.1.0/24")
    assert code == 1
    assert out == (
        "docker bridge 'backend' 10.10.0.0/16 contains reserved 'corp-vpn' 10.10.8.0/21\n"
        "docker bridge 'backend' 10.10.0.0/16 contains reserved 'x' 10.10.1.0/24\n"
        "5 address spaces, 2 overlaps (1 expected by design, not counted)\n"
    )
    assert err == "netkit: note: ignored 1 Widget (kinds outside the network model)\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"address_spaces": [{"name": "a", "layer": "docker bridge", "cidr": "10.0.0.1/24"}]},
            "{path}: subnet '10.0.0.1/24' in address_spaces[0].cidr: host bits are set; "
            "did you mean '10.0.0.0/24'?",
        ),
        (
            {"address_spaces": [{"name": "a", "layer": "bridge", "cidr": "10.0.0.0/24"}]},
            "{path}: address_spaces[0].layer: unknown layer 'bridge'; expected one of "
            "['docker bridge', 'docker overlay', 'docker default pool', 'docker swarm pool', 'calico pool', "
            "'pod cidr', 'service cidr', 'node network', 'host route', 'reserved']",
        ),
        (
            {"reserved": [{"name": "vpn", "cidr": "10.8.0.0/16", "layer": "reserved"}]},
            "{path}: reserved[0]: unknown key 'layer'; expected some of ['name', 'cidr', 'source']",
        ),
        (
            {"spaces": []},
            "{path}: expected a mapping with 'address_spaces' (a list of {{name, layer, cidr}}) "
            "or 'reserved' (a list of {{name, cidr}})",
        ),
    ],
)
def test_overlap_refuses_a_bad_file_with_its_location(tmp_path, capsys, data, message):
    path = write(tmp_path, "spaces.yaml", data)
    code, out, err = run(capsys, "overlap", path)
    assert (code, out) == (2, "")
    assert err == f"netkit: error: {message.format(path=path)}\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["overlap"],
            "nothing to check: give PATH..., --stack NAME, --kubeconfig FILE, --docker URL, "
            "--reserved NAME=CIDR or --host-routes",
        ),
        (["overlap", "a.yaml", "--stack", "dev"], "give PATH... or --stack NAME, not both"),
        (["overlap", "missing.yaml"], "missing.yaml: no such file or folder"),
        (
            ["overlap", "--reserved", "vpn=10.8.0.0/33"],
            "subnet '10.8.0.0/33' in --reserved vpn: prefix must be 0-32",
        ),
    ],
)
def test_overlap_usage_errors_exit_2_with_one_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert (code, out, err) == (2, "", f"netkit: error: {message}\n")


# --------------------------------------------------------------------------- plan

PLAN = [
    "plan",
    "--supernet",
    "10.20.0.0/16",
    "--reserve",
    "corp-vpn=10.20.8.0/21",
    "--subnet",
    "web=/24",
    "--subnet",
    "db=500",
]


def test_plan_prints_yaml_ready_for_a_stack_file(capsys):
    code, out, _ = run(capsys, *PLAN)
    assert code == 0
    assert out == (
        "# netkit plan: 2 subnets in 10.20.0.0/16, clear of corp-vpn 10.20.8.0/21\n"
        "- name: web\n"
        "  subnet: 10.20.2.0/24\n"
        "- name: db\n"
        "  subnet: 10.20.0.0/23\n"
    )
    assert yaml.safe_load(out) == [
        {"name": "web", "subnet": "10.20.2.0/24"},
        {"name": "db", "subnet": "10.20.0.0/23"},
    ]


def test_plan_as_json_shows_each_request(capsys):
    code, out, _ = run(capsys, *PLAN, "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "supernet": "10.20.0.0/16",
        "reserved": [{"name": "corp-vpn", "cidr": "10.20.8.0/21"}],
        "subnets": [
            {"name": "web", "subnet": "10.20.2.0/24", "request": "web=/24", "addresses": 256},
            {"name": "db", "subnet": "10.20.0.0/23", "request": "db=500", "addresses": 512},
        ],
    }


def test_plan_as_text_is_a_table(capsys):
    code, out, _ = run(capsys, *PLAN, "--format", "txt")
    assert (code, out) == (
        0,
        "web  10.20.2.0/24  256 addresses\ndb   10.20.0.0/23  512 addresses\n",
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--supernet", "10.20.0.1/16", "--subnet", "web=/24"],
            "subnet '10.20.0.1/16' in --supernet: host bits are set; did you mean '10.20.0.0/16'?",
        ),
        (
            ["--supernet", "10.20.0.0/16", "--subnet", "web"],
            "--subnet 'web': expected NAME=/PREFIX or NAME=HOSTS, like 'web=/24' or 'db=500'",
        ),
        (
            ["--supernet", "10.20.0.0/16", "--subnet", "web=/24", "--reserve", "vpn=10.20.0.0"],
            "subnet '10.20.0.0' in --reserve vpn: the prefix length is missing; "
            "did you mean '10.20.0.0/32'?",
        ),
        (
            ["--supernet", "10.20.0.0/24", "--subnet", "web=/25", "--subnet", "db=500"],
            "cannot place 'db' (/23 for 500 hosts) in 10.20.0.0/24: the largest free block is /24 "
            "(10.20.0.0/24); free a range or use a larger supernet",
        ),
    ],
)
def test_plan_errors_exit_2_with_the_value_and_the_fix(capsys, argv, message):
    code, out, err = run(capsys, "plan", *argv)
    assert (code, out, err) == (2, "", f"netkit: error: {message}\n")


def test_overlap_of_a_stack_reports_what_the_overlap_rule_reports(monkeypatch, capsys):
    # The stack intent's ranges all come from one resource (the NetworkStack), so they
    # share a source; a reserved range inside the service CIDR is still an overlap.
    from netkit_policies.registry import run_rules

    stack = "urn:pulumi:dev::netkit::netkit:stack:NetworkStack::dev"
    model = NetworkModel(
        address_spaces=(
            AddressSpace("corp-vpn", Layer.RESERVED, ipaddress.ip_network("10.96.0.0/16"), stack),
            AddressSpace(
                "services", Layer.SERVICE_CIDR, ipaddress.ip_network("10.96.0.0/12"), stack
            ),
            AddressSpace("pods", Layer.POD_CIDR, ipaddress.ip_network("10.244.0.0/16"), stack),
        )
    )
    monkeypatch.setattr("netkit_cli.synth.model_for_stack", lambda stack, project_dir: model)

    code, out, _ = run(capsys, "overlap", "--stack", "dev")

    assert code == 1
    assert out == (
        "reserved 'corp-vpn' 10.96.0.0/16 is inside service cidr 'services' 10.96.0.0/12\n"
        "3 address spaces, 1 overlap\n"
    )
    [finding] = [f for f in run_rules(model) if f.rule == "docker-network-disallow-subnet-overlap"]
    assert "'corp-vpn' 10.96.0.0/16 is inside service cidr 'services'" in finding.message


# `ip -j route show` in a host namespace: its LAN and its docker_gwbridge.
HOST_NAMESPACE_ROUTES = {
    "netkit-host1": '[{"dst":"10.199.0.0/24","dev":"eth0"},'
    '{"dst":"172.17.0.0/16","dev":"docker_gwbridge"}]',
    "netkit-host2": '[{"dst":"10.199.0.0/24","dev":"eth0"},'
    '{"dst":"172.18.0.0/16","dev":"docker_gwbridge"}]',
}


@pytest.fixture
def fake_namespaces(monkeypatch):
    from netkit import docker_hosts

    monkeypatch.setattr(
        docker_hosts, "namespace_routes", lambda ns, notes: [HOST_NAMESPACE_ROUTES[ns], "[]"]
    )


LAB_STACK = """\
config:
  netkit:docker:
    hosts:
      - {name: host1, url: "netkit-hosts://host1"}
      - {name: host2, url: "netkit-hosts://host2"}
    overlays:
      - name: lab-mesh
        subnets: [{subnet: 172.18.5.0/24}]
    bridges:
      - name: lab-local
        host: host1
        subnets: [{subnet: 10.199.0.128/25}]
    containers:
      - name: lab-a
        host: host1
        networks: [{network: lab-local}, {network: lab-mesh}]
"""


def test_overlap_with_host_routes_names_the_host_whose_routes_a_network_hits(
    fake_namespaces, tmp_path, capsys
):
    root = Path(__file__).parents[2]
    (tmp_path / "Pulumi.yaml").write_text((root / "Pulumi.yaml").read_text())
    (tmp_path / "__main__.py").write_text((root / "__main__.py").read_text())
    (tmp_path / "Pulumi.lab.yaml").write_text(LAB_STACK)

    code = cli.main(["overlap", "--stack", "lab", "--host-routes", "--project-dir", str(tmp_path)])
    out = capsys.readouterr().out.splitlines()

    assert code == 1
    # The bridge is host1's: host1's LAN route counts, host2's does not (another table).
    # The overlay reaches every host: it hits host2's docker_gwbridge, not host1's.
    assert out == [
        "docker bridge 'lab-local' 10.199.0.128/25 on host 'host1' is inside host route "
        "'eth0' 10.199.0.0/24 on host 'host1'",
        "docker overlay 'lab-mesh' 172.18.5.0/24 is inside host route 'docker_gwbridge' "
        "172.18.0.0/16 on host 'host2'",
        "8 address spaces, 2 overlaps (2 expected by design, not counted)",
    ]
