from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from netkit_cli.main import main

ROOT = Path(__file__).parents[2]


def test_diff_between_stacks_names_the_connection_a_change_removes(tmp_path, monkeypatch, capsys):
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    shutil.copy(ROOT / "Pulumi.dev.yaml", tmp_path)
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    del document["config"]["netkit:kubernetes"]["connections"][1]  # api -> db
    (tmp_path / "Pulumi.next.yaml").write_text(yaml.safe_dump(document))
    monkeypatch.chdir(tmp_path)

    assert main(["diff", "stack:dev", "stack:next"]) == 1
    assert capsys.readouterr().out.splitlines()[1:] == [
        "diff-type: removed, source: shop-api/api[Deployment], "
        "destination: shop-data/db[Deployment], old: TCP 5432, new: No Connections"
    ]


def test_a_stack_compared_with_itself_has_no_changes(capsys):
    assert main(["diff", "stack:dev", "stack:dev"]) == 0
    assert "No connectivity changes" in capsys.readouterr().out


def test_staging_s_one_baseline_allows_what_dev_s_default_denies_per_namespace_allow(capsys):
    # dev: a default-deny NetworkPolicy in each namespace (kube-router); staging: one Calico
    # GlobalNetworkPolicy baseline and no per-namespace deny. The same Kubernetes
    # connections; the Docker halves differ (other containers on other hosts).
    assert main(["diff", "stack:dev", "stack:staging"]) == 1
    changes = capsys.readouterr().out.splitlines()[1:]
    assert changes
    docker = ("[Container]", "[Host]")
    assert [line for line in changes if not any(kind in line for kind in docker)] == []


def test_dropping_staging_s_baseline_opens_its_namespaces(tmp_path, monkeypatch, capsys):
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    shutil.copy(ROOT / "Pulumi.staging.yaml", tmp_path)
    document = yaml.safe_load((ROOT / "Pulumi.staging.yaml").read_text())
    del document["config"]["netkit:kubernetes"]["baseline"]
    for namespace in document["config"]["netkit:kubernetes"]["namespaces"]:
        namespace.update(defaultDeny=False, allowDns=False)
    (tmp_path / "Pulumi.open.yaml").write_text(yaml.safe_dump(document))
    monkeypatch.chdir(tmp_path)

    # The database is the one workload no connection isolates for egress: only the
    # baseline kept it from the outside.
    assert main(["diff", "stack:staging", "stack:open"]) == 1
    assert capsys.readouterr().out.splitlines()[1:] == [
        "diff-type: added, source: shop-data/db[Deployment], destination: "
        "0.0.0.0-255.255.255.255[External], old: No Connections, new: All Connections"
    ]
