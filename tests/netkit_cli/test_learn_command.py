"""`netkit learn` on the dev stack: the three lists, the proposed change as a diff, the
stack file changed only with --write and only in its connections, exit status 0/1/2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from netkit.spec import load_stack_file
from netkit_cli.main import main

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "observed"
WEB_TO_DB = (
    '{"flow":{"time":"2026-12-07T10:00:00Z","verdict":"FORWARDED",'
    '"IP":{"source":"10.244.0.11","destination":"10.96.0.30"},'
    '"l4":{"TCP":{"source_port":40000,"destination_port":5432}},'
    '"source":{"namespace":"shop-web","pod_name":"web-7d4f9c6b5-x2x8k"},'
    '"destination":{"namespace":"shop-data","pod_name":"db-6f8d9c7b4-k2p9s"}}}\n'
    '{"flow":{"time":"2026-12-07T10:30:00Z","verdict":"FORWARDED",'
    '"IP":{"source":"10.244.0.11","destination":"10.96.0.20"},'
    '"l4":{"TCP":{"source_port":40001,"destination_port":8080}},'
    '"source":{"namespace":"shop-web","pod_name":"web-7d4f9c6b5-x2x8k"},'
    '"destination":{"namespace":"shop-api","pod_name":"api-5c9b7d8f4-qz7lm"}}}\n'
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(REPO / "Pulumi.dev.yaml", tmp_path / "Pulumi.dev.yaml")
    (tmp_path / "flows.json").write_text(WEB_TO_DB)
    return tmp_path


def _learn(project: Path, *extra: str) -> int:
    return main(["learn", "--stack", "dev", "--project-dir", str(project), *extra])


def test_the_fixture_flows_of_the_dev_stack_are_used_and_one_is_undeclared(capsys, project):
    before = (project / "Pulumi.dev.yaml").read_bytes()

    status = _learn(project, "--flows", str(FIXTURES / "hubble.json"))

    out = capsys.readouterr().out
    assert status == 1
    assert (
        "Used and declared (2):\n  shop-web/web -> shop-api/api : 8080/TCP  1x  via shop-api/api\n"
        in out
    )
    assert (
        "Used but not declared: a default deny would break these (1):\n  shop-api/api -> 93.184.216.34 : 443/TCP  1x\n"
        in out
    )
    assert (
        "Attempted, denied: a policy dropped these (1):\n  shop-web/web -> shop-data/db : 5432/TCP"
        in out
    )
    assert (
        "+      - from: shop-api/api\n+        to: 93.184.216.34/32\n+        ports: [443/TCP]\n"
        in out
    )
    assert (project / "Pulumi.dev.yaml").read_bytes() == before  # nothing without --write


def test_conntrack_says_denied_attempts_are_not_visible_in_its_files(capsys, project):
    assert _learn(project, "--flows", str(FIXTURES / "conntrack.txt")) == 1

    out = capsys.readouterr().out
    assert "attempted, denied: not visible in these files. Connection tracking never sees" in out
    assert "Unmapped: no object of the model has these ends" in out


def test_json_gives_the_three_lists_the_window_and_the_denied_attempts(capsys, project):
    assert _learn(project, "--flows", str(FIXTURES / "calico.json"), "--format", "json") == 1

    document = json.loads(capsys.readouterr().out)
    assert {"used", "unused", "undeclared", "window", "denied"} <= set(document)
    assert [
        (i["src"], i["dst"], i["port"], i["protocol"], i["count"]) for i in document["used"]
    ] == [
        ("shop-web/web", "shop-api/api", "8080", "TCP", 12),
        ("shop-api/api", "shop-data/db", "5432", "TCP", 3),
    ]
    assert document["undeclared"][0]["dst"] == "pub (a public address)"
    assert document["window"] == {
        "start": "2026-12-07T10:00:00+00:00",
        "end": "2026-12-07T10:10:00+00:00",
    }
    assert document["proposal"]["not_proposed"] == [
        "shop-api/api -> pub (a public address) : 443/TCP: the destination is "
        "external, with no address to declare"
    ]


def test_write_adds_the_undeclared_removes_the_unused_and_keeps_every_other_byte(capsys, project):
    path = project / "Pulumi.dev.yaml"
    before = path.read_text()

    assert _learn(project, "--flows", str(project / "flows.json"), "--write") == 0

    after = path.read_text()
    out = capsys.readouterr().out
    # api -> db removed (unused), web -> db added: the diff shows the one line between.
    assert (
        "-      - from: shop-api/api\n+      - from: shop-web/web\n         to: shop-data/db\n"
        in out
    )
    head = before.index("      - from: shop-api/api")
    assert after[:head] == before[:head]
    assert after[head:] == (
        "      - from: shop-web/web\n        to: shop-data/db\n        ports: [5432/TCP]\n"
        + before[before.index("encryptionsalt:") :]
    )
    declared = load_stack_file(path).kubernetes.connections
    assert [(c.source.workload, c.destination.workload) for c in declared] == [
        ("web", "api"),
        ("web", "db"),
    ]
    # Learned again, the file agrees with the traffic.
    assert _learn(project, "--flows", str(project / "flows.json")) == 0
    assert "No change to propose to Pulumi.dev.yaml." in capsys.readouterr().out


def test_a_bad_flow_line_is_one_error_and_exit_status_2(capsys, project):
    (project / "bad.json").write_text('{"flow": {"verdict": "MAYBE"}}\n')

    assert _learn(project, "--flows", str(project / "bad.json")) == 2

    err = capsys.readouterr().err
    assert err == (
        f"netkit: error: {project / 'bad.json'}:1: flow.verdict: 'MAYBE' is not one of "
        "['AUDIT', 'DROPPED', 'ERROR', 'FORWARDED', 'REDIRECTED', 'TRACED', 'TRANSLATED']\n"
    )


def test_traffic_to_the_cluster_dns_is_not_compared_and_agreeing_flows_exit_0(capsys, project):
    assert _learn(project, "--flows", str(FIXTURES / "gadget.json")) == 0

    out = capsys.readouterr().out
    assert "note: 1 flow(s) to the cluster DNS (kube-system, port 53) are not compared" in out
    assert "No change to propose to Pulumi.dev.yaml." in out


def test_nothing_is_removed_on_the_word_of_addresses_the_model_cannot_map(capsys, project):
    before = (project / "Pulumi.dev.yaml").read_bytes()

    assert _learn(project, "--flows", str(FIXTURES / "conntrack.txt"), "--write") == 1

    out = capsys.readouterr().out
    assert "not proposed: removals: 8 address(es) or name(s) map to no object of the model" in out
    assert (project / "Pulumi.dev.yaml").read_bytes() == before


def test_netns_samples_connection_tracking_with_progress(capsys, project, monkeypatch):
    import netkit.observed.sampler

    commands = []

    def fake(command):
        commands.append(command)
        return (FIXTURES / "conntrack.txt").read_text()

    monkeypatch.setattr(netkit.observed.sampler, "run", fake)

    assert _learn(project, "--netns", "node1", "--window", "0s") == 1

    captured = capsys.readouterr()
    assert commands == [["ip", "netns", "exec", "node1", "conntrack", "-L", "-o", "extended"]]
    assert "6 flows from netns node1 (conntrack)" in captured.out
    assert (
        "netkit: sampling: round 1, 0 s of 0 s, 6 connection(s) so far (Ctrl-C stops)"
        in captured.err
    )


def test_nothing_observed_is_a_mistake(capsys, project):
    assert _learn(project) == 2
    assert capsys.readouterr().err == (
        "netkit: error: nothing observed: give --flows FILE (a flow file), --netns NAME or "
        "--containers (sample conntrack)\n"
    )


def test_containers_without_engines_is_a_mistake(capsys, project):
    assert _learn(project, "--containers") == 2
    assert capsys.readouterr().err == (
        "netkit: error: --containers samples the containers of --docker engines: name them\n"
    )


def test_a_window_without_a_unit_is_refused_while_parsing(capsys, project):
    with pytest.raises(SystemExit) as caught:  # argparse's exit, on one line
        _learn(project, "--netns", "node1", "--window", "5")
    assert caught.value.code == 2
    assert (
        "window '5': expected a number and a unit (s, m, h, d, w), like '7d'"
        in capsys.readouterr().err
    )


def test_markdown_gives_a_table_per_list_and_the_diff_fenced(capsys, project):
    assert _learn(project, "--flows", str(FIXTURES / "hubble.json"), "--format", "markdown") == 1

    out = capsys.readouterr().out
    assert out.startswith("## netkit learn: stack dev, 4 flows from hubble.json (hubble)\n")
    assert (
        "### Used and declared (2)\n\n| Source | Destination | Port | Count | Via |\n"
        "|---|---|---|---|---|\n| `shop-web/web` | `shop-api/api` | 8080/TCP | 1 | shop-api/api |\n"
    ) in out
    assert "```diff\n--- a/Pulumi.dev.yaml\n+++ b/Pulumi.dev.yaml\n" in out
