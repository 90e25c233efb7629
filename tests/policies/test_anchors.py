"""`netkit check` judges the field's own fixtures as their sources judge them.

Each folder under shared/conformance/policy-anchors/cases holds manifests taken from the
tests of kube-linter, Kyverno's policies, Polaris, Checkov or Calico, and `case.json`
stating, per object, whether the source's rule fails it (`bad`) or passes it (`good`),
and which of our rules is the equivalent. The case is judged as the corpus's README
says: the manifests alone in a folder, `netkit check DIR --format json [--config FILE]`,
a `bad` object needs a matching violation and a `good` one none.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from netkit_cli.main import main
from tests.conformance import cases, corpus

CORPUS = corpus("policy-anchors")
CASES = cases("policy-anchors")


@dataclass(frozen=True)
class Verdict:
    expected: str
    kind: str
    namespace: str | None
    name: str | None
    judged: str

    def agrees(self) -> bool:
        return self.expected == self.judged


def _stage(case: Path, into: Path) -> list[str]:
    """The case's manifests copied to `into`, pools.json parsed as YAML and written as
    JSON (it is transcribed with comments); the extra arguments `netkit check` takes."""
    spec = json.loads((case / "case.json").read_text())
    for path in case.iterdir():
        if path.name == "case.json":
            continue
        if path.name == "pools.json":
            (into / path.name).write_text(json.dumps(yaml.safe_load(path.read_text())))
        else:
            shutil.copy(path, into / path.name)
    if spec["config"] is None:
        return []
    config = into.parent / "config.json"
    config.write_text(json.dumps(spec["config"]))
    return ["--config", str(config)]


def judge(case: Path, work: Path, capsys: pytest.CaptureFixture[str]) -> list[Verdict]:
    spec: dict[str, Any] = json.loads((case / "case.json").read_text())
    folder = work / "manifests"
    folder.mkdir()
    extra = _stage(case, folder)
    status = main(["check", str(folder), "--format", "json", *extra])
    out = capsys.readouterr().out
    violations: list[dict[str, Any]] | None = None
    if status in (0, 1):
        try:
            violations = json.loads(out)["violations"]
        except (ValueError, KeyError, TypeError):
            violations = None
    detail = re.compile(spec["detail"]) if spec["detail"] else None
    verdicts = []
    for expected in spec["expect"]:
        if violations is None:
            judged = "no report"
        else:
            matched = any(
                v["rule"] == spec["rule"]
                and v["kind"] == expected["kind"]
                and (expected["namespace"] is None or v["namespace"] == expected["namespace"])
                and (expected["name"] is None or v["name"] == expected["name"])
                and (detail is None or detail.search(v["message"]))
                for v in violations
            )
            judged = "bad" if matched else "good"
        verdicts.append(
            Verdict(
                expected["verdict"],
                expected["kind"],
                expected["namespace"],
                expected["name"],
                judged,
            )
        )
    return verdicts


# The cases netkit still judges otherwise than their source, each with its cause; the
# test below fails (strict xfail) once one of them agrees, so the list only shrinks.
KNOWN_MISSES: dict[str, str] = {}


def test_the_corpus_is_present_with_its_71_cases_and_196_objects() -> None:
    # Without this, a moved corpus would turn the parametrized test below into 0 tests.
    assert len(CASES) == 71, f"expected 71 cases under {CORPUS / 'cases'}"
    objects = sum(len(json.loads((c / "case.json").read_text())["expect"]) for c in CASES)
    assert objects == 196


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            case,
            id=case.name,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[case.name])]
            if case.name in KNOWN_MISSES
            else [],
        )
        for case in CASES
    ],
)
def test_check_judges_each_object_as_the_anchor_does(
    case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verdicts = judge(case, tmp_path, capsys)

    missed = [v for v in verdicts if not v.agrees()]
    assert not missed, "\n".join(
        f"{v.kind} {v.namespace or '*'}/{v.name or '*'}: source says {v.expected}, "
        f"netkit says {v.judged}"
        for v in missed
    )


def test_every_anchor_rule_of_the_corpus_is_named_in_the_anchor_table() -> None:
    from netkit_policies.anchors import ANCHORS
    from netkit_policies.registry import RULES

    assert set(ANCHORS) <= {rule.name for rule in RULES}
    for case in CASES:
        spec = json.loads((case / "case.json").read_text())
        assert spec["rule"] in ANCHORS, case.name
