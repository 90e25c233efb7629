"""k8s-connection-disallow-unused: declared connections a learned file saw no use of.
Off by default; on, it needs the learned file and judges only a long enough window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netkit.model import DeclaredConnection, Endpoint, NetworkModel, PolicyPort, Workload
from netkit_policies.registry import InvalidPolicyConfig, PackConfig, rule_named, run_rules
from netkit_policies.rules.base import Level

RULE = "k8s-connection-disallow-unused"
MODEL = NetworkModel(
    workloads=(
        Workload("Deployment", "web", "shop-web"),
        Workload("Deployment", "api", "shop-api"),
        Workload("Deployment", "db", "shop-data"),
    ),
    connections=(
        DeclaredConnection(
            Endpoint("shop-web", "web"), Endpoint("shop-api", "api"), (PolicyPort("TCP", 8080),)
        ),
        DeclaredConnection(
            Endpoint("shop-api", "api"),
            Endpoint("shop-data", "db"),
            (PolicyPort("TCP", 5432), PolicyPort("UDP", 5432)),
        ),
    ),
)
USED = [
    {"src": "shop-web/web", "dst": "shop-api/api", "port": "8080", "protocol": "TCP"},
    {"src": "shop-api/api", "dst": "shop-data/db", "port": "5432", "protocol": "TCP"},
]


def _learned(tmp_path: Path, used=USED, end="2026-12-08T10:00:00+00:00") -> str:
    path = tmp_path / "learned.json"
    document = {"window": {"start": "2026-12-01T10:00:00+00:00", "end": end}, "used": used}
    path.write_text(json.dumps(document))
    return str(path)


def _messages(config: dict) -> list[str]:
    findings = run_rules(MODEL, PackConfig.parse(config))
    return [f.message for f in findings if f.rule == RULE]


def test_the_rule_is_off_by_default_and_says_it_starts_with_checks_that():
    rule = rule_named(RULE)
    assert rule.level is Level.DISABLED
    assert rule.description.startswith("Checks that")
    assert _messages({}) == []


def test_a_learned_file_that_saw_every_declared_port_is_clean(tmp_path):
    used = [
        *USED,
        {"src": "shop-api/api", "dst": "shop-data/db", "port": "5432", "protocol": "UDP"},
    ]
    config = {RULE: {"enforcementLevel": "advisory", "learnedFile": _learned(tmp_path, used)}}

    assert _messages(config) == []


def test_a_declared_port_the_learned_window_never_saw_is_flagged(tmp_path):
    name = _learned(tmp_path)
    config = {RULE: {"enforcementLevel": "mandatory", "learnedFile": name}}

    assert _messages(config) == [
        "shop-api/api -> shop-data/db on 5432/UDP (kubernetes.connections[1]) is declared but "
        "was not used in 7 days, 0:00:00 of traffic since 2026-12-01T10:00:00+00:00 "
        f"({name}); remove it from kubernetes.connections, or learn again over a window "
        "that exercises it"
    ]
    (finding,) = [f for f in run_rules(MODEL, PackConfig.parse(config)) if f.rule == RULE]
    assert (finding.resource.describe(), finding.severity, finding.level) == (
        "Deployment shop-api/api",
        "medium",
        Level.MANDATORY,
    )


def test_a_learned_file_shorter_than_the_window_judges_nothing_but_says_so(tmp_path):
    name = _learned(tmp_path, end="2026-12-01T12:00:00+00:00")
    config = {RULE: {"enforcementLevel": "advisory", "learnedFile": name, "window": "1d"}}

    assert _messages(config) == [
        f"the learned file {name} covers 2:00:00 of traffic, less than the rule's window (1d); "
        "learn over a longer window (or shorten `window`) before judging what is unused"
    ]
    config[RULE]["window"] = "2h"
    assert len(_messages(config)) == 1  # long enough now: the unused UDP port


def test_a_window_without_a_unit_is_refused_with_the_form_it_needs():
    with pytest.raises(InvalidPolicyConfig) as caught:
        PackConfig.parse({RULE: {"window": "7"}})
    assert str(caught.value) == (
        "policy config: k8s-connection-disallow-unused.window: window '7': expected a "
        "number and a unit (s, m, h, d, w), like '7d'"
    )


def test_what_netkit_learn_writes_is_what_the_rule_reads(tmp_path, capsys):
    from netkit_cli.main import main

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "observed" / "calico.json"
    assert main(["learn", "--stack", "dev", "--flows", str(fixture), "--format", "json"]) == 1
    learned = tmp_path / "learned.json"
    learned.write_text(capsys.readouterr().out)
    config = {RULE: {"enforcementLevel": "advisory", "learnedFile": str(learned), "window": "10m"}}
    dev = NetworkModel(
        connections=(
            DeclaredConnection(
                Endpoint("shop-web", "web"), Endpoint("shop-api", "api"), (PolicyPort("TCP", 8080),)
            ),
            DeclaredConnection(
                Endpoint("shop-web", "web"), Endpoint("shop-data", "db"), (PolicyPort("TCP", 5432),)
            ),
        )
    )

    findings = run_rules(dev, PackConfig.parse(config))

    assert [f.message.split(" (")[0] for f in findings if f.rule == RULE] == [
        "shop-web/web -> shop-data/db on 5432/TCP"
    ]


def test_a_learned_file_that_is_missing_or_no_report_is_one_violation_saying_so(tmp_path):
    missing = tmp_path / "nope.json"
    config = {RULE: {"enforcementLevel": "advisory", "learnedFile": str(missing)}}
    (message,) = _messages(config)
    assert message.startswith(f"learned file {missing}: ")

    other = tmp_path / "other.json"
    other.write_text('{"items": []}')
    config[RULE]["learnedFile"] = str(other)
    assert _messages(config) == [
        f"learned file {other}: expected `netkit learn --format json` output with 'window' "
        "and 'used' (a file learned from no flows has no window: learn over a window with "
        "traffic)"
    ]
