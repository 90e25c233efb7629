"""`scripts/preview-summary.py` on real before/after pairs of the dev stack file.

The engine's side (a `pulumi stack export` of a deployed stack and the `pulumi preview
--json` of a second checkout) is tested end to end in `tests/e2e/test_postgres_backend.py`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "preview-summary.py"
OPENS_WEB_TO_DATA = (
    "- **opens** `shop-web/web[Deployment]` → `shop-data/db[Deployment]` on TCP 5432"
)


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def edited_dev(folder: Path, edit: Any) -> Path:
    """A copy of Pulumi.dev.yaml in `folder`, changed by `edit(config)`."""
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    edit(document["config"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def open_web_to_data(config: dict[str, Any]) -> None:
    config["netkit:kubernetes"]["connections"].append(
        {"from": "shop-web/web", "to": "shop-data/db", "ports": ["5432/TCP"]}
    )


def test_a_pull_request_that_opens_shop_web_to_shop_data_on_5432_says_so(tmp_path: Path):
    after = edited_dev(tmp_path / "pr", open_web_to_data)

    result = run("--stack", "dev", "--before", "stack:dev", "--after", str(after))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "## Stack `dev`"
    assert "### Reachability: 1 pair of workloads" in lines
    assert OPENS_WEB_TO_DATA in lines
    assert (
        "| added | shop-web/web[Deployment] | shop-data/db[Deployment] | No Connections "
        "| TCP 5432 |  |"
    ) in lines
    assert "### Policy pack: no violations" in lines


def test_the_pack_violations_of_the_pull_request_are_listed(tmp_path: Path):
    def drop_default_deny(config: dict[str, Any]) -> None:
        config["netkit:kubernetes"]["namespaces"][2]["defaultDeny"] = False  # shop-data

    after = edited_dev(tmp_path / "pr", drop_default_deny)

    result = run("--stack", "dev", "--before", "stack:dev", "--after", str(after))

    assert result.returncode == 0, result.stderr
    assert "### Policy pack: 1 violation (1 mandatory, 0 advisory)" in result.stdout
    assert (
        "| mandatory | `k8s-namespace-require-default-deny` | Namespace shop-data | namespace "
        "'shop-data' has workloads"
    ) in result.stdout


def test_the_summary_is_appended_to_the_output_file_with_the_notes_first(tmp_path: Path):
    after = edited_dev(tmp_path / "pr", open_web_to_data)
    summary = tmp_path / "summary.md"
    summary.write_text("# Earlier step\n")

    result = run(
        "--stack", "dev", "--before", "stack:dev", "--after", str(after),
        "--note", "No shared state backend: compared with the base branch.", "-o", str(summary),
        "--before-label", "the base branch's stack file", "--after-label", "this pull request's",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    text = summary.read_text()
    assert text.startswith(
        "# Earlier step\n## Stack `dev`\n\n> No shared state backend: compared with the base branch.\n"
    )
    assert OPENS_WEB_TO_DATA in text
    assert "From the base branch's stack file to this pull request's." in text


def test_a_missing_side_or_a_wrong_preview_file_is_one_line_and_exit_2(tmp_path: Path):
    missing = run("--stack", "dev", "--before", str(tmp_path / "nope.json"), "--after", "stack:dev")
    assert missing.returncode == 2
    assert missing.stderr == (
        f"preview-summary: error: --before {str(tmp_path / 'nope.json')!r}: no such file or "
        "folder; give a `pulumi stack export` or `pulumi preview --json` file, a stack file, "
        "stack:NAME, none or manifests\n"
    )

    not_a_preview = tmp_path / "export.json"
    not_a_preview.write_text('{"version": 3, "deployment": {"resources": []}}')
    wrong = run(
        "--stack", "dev", "--before", "stack:dev", "--after", "stack:dev",
        "--preview", str(not_a_preview),
    )  # fmt: skip
    assert wrong.returncode == 2
    assert wrong.stderr == (
        f"preview-summary: error: --preview {str(not_a_preview)!r}: not `pulumi preview "
        "--json` output; give the file that command wrote\n"
    )


def test_a_stack_not_deployed_yet_opens_every_connection_it_declares():
    result = run("--stack", "dev", "--before", "none", "--after", "stack:dev")

    assert result.returncode == 0, result.stderr
    assert "From nothing (not deployed yet) to the stack file `Pulumi.dev.yaml`." in result.stdout
    assert (
        "- **opens** `shop-api/api[Deployment]` → `shop-data/db[Deployment]` on TCP 5432"
        in result.stdout
    )
