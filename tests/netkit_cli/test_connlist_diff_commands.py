"""`netkit connlist` and `netkit diff` on the command line: output, files, exit status, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from netkit.model import NetworkModel, Workload, frozen_labels
from netkit_cli import main as cli


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def deploy(name: str) -> dict[str, Any]:
    return {
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {"template": {"metadata": {"labels": {"app": name}}, "spec": {}}},
    }


DENY_DB = {
    "kind": "NetworkPolicy",
    "metadata": {"name": "db"},
    "spec": {
        "podSelector": {"matchLabels": {"app": "db"}},
        "ingress": [
            {"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 5432}]}
        ],
    },
}


@pytest.fixture
def app(tmp_path: Path) -> Path:
    folder = tmp_path / "v1"
    folder.mkdir()
    (folder / "app.yaml").write_text(
        yaml.safe_dump_all(
            [deploy("web"), deploy("db"), DENY_DB, {"kind": "ConfigMap", "metadata": {"name": "x"}}]
        )
    )
    return folder


def test_connlist_prints_the_connectivity_list(capsys, app):
    code, out, err = run(capsys, "connlist", str(app))
    assert code == 0
    assert out == "\n".join(
        [
            "0.0.0.0-255.255.255.255[External] => default/web[Deployment] : All Connections",
            "default/db[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections",
            "default/db[Deployment] => default/web[Deployment] : All Connections",
            "default/web[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections",
            "default/web[Deployment] => default/db[Deployment] : TCP 5432",
            "",
        ]
    )
    assert err == "netkit: note: ignored 1 ConfigMap (kinds outside the network model)\n"


def test_connlist_writes_the_chosen_format_to_a_file(capsys, app, tmp_path):
    target = tmp_path / "out.json"
    code, out, _ = run(capsys, "connlist", str(app), "--format", "json", "-o", str(target))
    assert (code, out) == (0, "")
    assert {
        "src": "default/web[Deployment]",
        "dst": "default/db[Deployment]",
        "conn": "TCP 5432",
    } in json.loads(target.read_text())


def test_connlist_explain_lists_denied_pairs_with_their_policies(capsys, app):
    code, out, _ = run(capsys, "connlist", str(app), "--explain")
    assert code == 0
    assert (
        "0.0.0.0-255.255.255.255[External] => default/db[Deployment] : No Connections\n" not in out
    )  # address ranges are not enumerated as denied pairs
    assert (
        "default/web[Deployment] => default/db[Deployment] : TCP 5432\n"
        "    egress: default/web[Deployment] is not isolated for egress (no NetworkPolicy selects it): All Connections\n"
        "    ingress: TCP 5432 allowed by default/db spec.ingress[0]\n"
    ) in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["connlist", "{tmp}/missing"], "{tmp}/missing: no such file or folder"),
        (
            ["connlist", "{tmp}/empty"],
            "{tmp}/empty: no manifests found (looked for .yaml, .yml, .json files in the folder and its sub-folders)",
        ),
        (
            ["connlist"],
            "nothing to analyze: give manifest files or folders, --stack NAME, --kubeconfig FILE or --docker URL",
        ),
        (["connlist", "{tmp}/empty", "--stack", "dev"], "give PATH... or --stack NAME, not both"),
        (["diff", "{tmp}/missing", "{tmp}/empty"], "{tmp}/missing: no such file or folder"),
    ],
)
def test_user_mistakes_print_one_line_and_exit_2(capsys, tmp_path, argv, message):
    (tmp_path / "empty").mkdir()
    code, out, err = run(capsys, *(a.replace("{tmp}", str(tmp_path)) for a in argv))
    assert (code, out) == (2, "")
    assert err == f"netkit: error: {message.replace('{tmp}', str(tmp_path))}\n"


def test_a_malformed_manifest_is_reported_without_traceback(capsys, tmp_path):
    (tmp_path / "bad.yaml").write_text(
        yaml.safe_dump({**DENY_DB, "spec": {"ingress": [{"ports": [{"port": 70000}]}]}})
    )
    code, _, err = run(capsys, "connlist", str(tmp_path / "bad.yaml"))
    assert code == 2
    assert err == (
        f"netkit: error: {tmp_path / 'bad.yaml'}, document 1 (NetworkPolicy default/db): "
        "spec.ingress[0].ports[0].port: 70000 is not a port (1-65535)\n"
    )


def test_connlist_stack_reads_the_model_of_the_stack(capsys, monkeypatch):
    import netkit_cli.synth

    seen: list[tuple[str, Path | None]] = []

    # The real synthesis takes about a second; the command's part is what is tested here.
    def fake_model_for_stack(name: str, project_dir: Path | None) -> NetworkModel:
        seen.append((name, project_dir))
        return NetworkModel(
            workloads=(Workload("Deployment", "api", "prod", frozen_labels({"app": "api"})),)
        )

    monkeypatch.setattr(netkit_cli.synth, "model_for_stack", fake_model_for_stack)
    code, out, _ = run(capsys, "connlist", "--stack", "dev", "--project-dir", "elsewhere")
    assert seen == [("dev", Path("elsewhere"))]
    assert code == 0
    assert "prod/api[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections" in out


def test_diff_reports_changes_and_exits_1(capsys, app, tmp_path):
    new = tmp_path / "v2"
    new.mkdir()
    (new / "app.yaml").write_text(yaml.safe_dump_all([deploy("web"), deploy("db")]))
    code, out, _ = run(capsys, "diff", str(app), str(new))
    assert code == 1
    assert out.splitlines() == [
        f"Connectivity diff (old: {app}, new: {new}):",
        "diff-type: changed, source: default/web[Deployment], destination: default/db[Deployment], "
        "old: TCP 5432, new: All Connections",
        "diff-type: added, source: 0.0.0.0-255.255.255.255[External], destination: default/db[Deployment], "
        "old: No Connections, new: All Connections",
    ]


def test_diff_of_identical_manifests_exits_0(capsys, app):
    code, out, _ = run(capsys, "diff", str(app), str(app), "--format", "csv")
    assert (code, out) == (0, "diff-type,source,destination,old,new,workloads-diff-info\n")
