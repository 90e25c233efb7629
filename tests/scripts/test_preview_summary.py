"""`scripts/preview-summary.py` on real before/after pairs of the dev stack file.

The engine's side (a `pulumi stack export` of a deployed stack and the `pulumi preview
--json` of a second checkout) is tested end to end in `tests/e2e/test_postgres_backend.py`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.netkit.test_sources_engine_json import dev_export

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
    assert "### Reachability: 1 pair of endpoints" in lines
    assert OPENS_WEB_TO_DATA in lines
    assert (
        "| added | shop-web/web[Deployment] | shop-data/db[Deployment] | No Connections "
        "| TCP 5432 |  |"
    ) in lines
    assert "### Policy pack: no violations" in lines


def _place(path: Path, text: str) -> str:
    """`LINE:COLUMN` of `text` in the file."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return f"{number}:{line.index(text) + 1}"
    raise AssertionError(f"{text!r} is not in {path}")


def test_the_pack_violations_of_the_pull_request_are_listed(tmp_path: Path):
    def drop_default_deny(config: dict[str, Any]) -> None:
        config["netkit:kubernetes"]["namespaces"][2]["defaultDeny"] = False  # shop-data

    after = edited_dev(tmp_path / "pr", drop_default_deny)

    result = run("--stack", "dev", "--before", "stack:dev", "--after", str(after))

    assert result.returncode == 0, result.stderr
    assert "### Policy pack: 1 violation (1 mandatory, 0 advisory)" in result.stdout
    assert (
        "| mandatory | high | `k8s-namespace-require-default-deny` | Namespace shop-data "
        f"(`{after}:{_place(after, 'name: shop-data')}`) | namespace 'shop-data' has workloads"
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


def test_a_connection_from_a_whole_namespace_is_the_first_thing_the_summary_says(tmp_path: Path):
    def open_api_to_shop_data(config: dict[str, Any]) -> None:
        config["netkit:kubernetes"]["connections"].append(
            {"from": "shop-data/*", "to": "shop-api/api", "ports": ["8080/TCP"]}
        )

    after = edited_dev(tmp_path / "pr", open_api_to_shop_data)

    result = run("--stack", "dev", "--before", "stack:dev", "--after", str(after))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[2] == "### Exposure: 1 change beyond the workloads that exist"
    assert lines[4] == (
        "- **opens** `shop-api/api[Deployment]` to `shop-data/[all pods]` on TCP 8080"
    )


def test_the_comment_section_lists_new_and_fixed_findings_with_their_severity(tmp_path: Path):
    def publish_and_open(config: dict[str, Any]) -> None:
        config["netkit:docker"]["containers"][0]["publish"] = [
            {"port": 8080, "hostPort": 18080, "hostIp": "0.0.0.0"}
        ]
        config["netkit:kubernetes"]["connections"].append(
            {"from": "shop-data/*", "to": "shop-api/api", "ports": ["8080/TCP"]}
        )

    def drop_default_deny(config: dict[str, Any]) -> None:
        config["netkit:kubernetes"]["namespaces"][2]["defaultDeny"] = False  # shop-data

    before = edited_dev(tmp_path / "base", drop_default_deny)
    after = edited_dev(tmp_path / "pr", publish_and_open)
    comment = tmp_path / "comment-dev.md"

    result = run(
        "--stack", "dev", "--before", str(before), "--after", str(after), "--comment", str(comment)
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    lines = comment.read_text().splitlines()
    assert lines[:4] == [
        "### Stack `dev`",
        "",
        "**Exposure** beyond the workloads that exist:",
        "",
    ]
    assert "- **opens** `shop-api/api[Deployment]` to `shop-data/[all pods]` on TCP 8080" in lines
    assert "**Policy pack**: 1 new, 1 fixed, 0 unchanged" in lines
    [fixed] = [line for line in lines if line.startswith("- fixed: ")]
    assert fixed.startswith(
        "- fixed: **high** (mandatory) `k8s-namespace-require-default-deny` Namespace shop-data: "
    )
    [new] = [line for line in lines if line.startswith("- new: ")]
    assert new.startswith(
        "- new: **critical** (mandatory) `docker-container-disallow-public-publish` "
        f"DockerContainer netkit-dev-web at `{after}:{_place(after, '0.0.0.0')}`: container"
    )
    assert (
        "- **opens** `shop-data/db[Deployment]` → `shop-api/api[Deployment]` on TCP 8080" in lines
    )


def test_findings_on_a_preview_point_at_the_stack_file_the_preview_ran(tmp_path: Path):
    exported = dev_export()
    steps = []
    for resource in exported["deployment"]["resources"]:
        new = json.loads(json.dumps(resource))
        if new["type"] == "docker:index/container:Container" and new["inputs"].get("ports"):
            for port in new["inputs"]["ports"]:
                port["ip"] = "0.0.0.0"  # what a hand-edited program might publish
        steps.append({"op": "same", "urn": resource["urn"], "oldState": resource, "newState": new})
    preview = tmp_path / "preview.json"
    preview.write_text(json.dumps({"steps": steps, "changeSummary": {"same": len(steps)}}))
    deployed = tmp_path / "deployed.json"
    deployed.write_text(json.dumps(exported))

    result = run(
        "--stack", "dev", "--before", str(deployed), "--after", str(preview),
        "--preview", str(preview),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    [row] = [line for line in result.stdout.splitlines() if "disallow-public-publish" in line]
    # 0.0.0.0 is not written in the stack file: the container's entry is where to look.
    place = _place(ROOT / "Pulumi.dev.yaml", "name: netkit-dev-web")
    assert f"DockerContainer netkit-dev-web (`Pulumi.dev.yaml:{place}`)" in row
