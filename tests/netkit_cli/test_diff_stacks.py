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
