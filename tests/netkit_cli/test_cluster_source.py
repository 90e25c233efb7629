"""connlist, check and overlap read a running cluster (`--kubeconfig`, `--context`)
through the one loader, as they read files and stacks."""

from __future__ import annotations

import pytest

from netkit.sources import Loader, Source
from netkit_cli import options
from netkit_cli.main import main
from tests.netkit.test_live import SHOP, FakeApi


@pytest.fixture
def reached(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None, str | None]]:
    """The loader reaches a fake cluster (SHOP); the list records each (kubeconfig, context)."""
    seen: list[tuple[str | None, str | None]] = []

    def connect(kubeconfig: str | None, context: str | None) -> FakeApi:
        seen.append((kubeconfig, context))
        return FakeApi(SHOP)

    monkeypatch.setattr(options, "LOADER", Loader(options.LOADER.stack_model, connect))
    return seen


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit:
        code = int(exit.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_connlist_lists_the_connections_of_the_cluster(capsys, reached):
    code, out, _ = run(capsys, "connlist", "--kubeconfig", "kube.yaml", "--context", "shop")
    assert code == 0
    assert "web/web[Deployment] => api/api[Deployment] : TCP 8080" in out.splitlines()
    assert reached == [("kube.yaml", "shop")]


def test_check_names_the_cluster_as_its_target(capsys, reached):
    code, out, _ = run(capsys, "check", "--context", "shop", "--format", "json")
    assert code in (0, 1)
    assert '"target": "cluster shop"' in out
    assert reached == [(None, "shop")]


def test_overlap_reads_the_cluster_s_address_spaces(capsys, reached):
    code, out, _ = run(capsys, "overlap", "--kubeconfig", "kube.yaml")
    assert code == 0
    assert out.splitlines()[-1].endswith("0 overlaps")
    assert reached == [("kube.yaml", None)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["connlist", "shop.yaml", "--kubeconfig", "kube.yaml"],
            "give PATH... or --kubeconfig FILE/--context NAME (a running cluster), not both",
        ),
        (
            ["check", "--stack", "dev", "--context", "shop"],
            "give --stack NAME or --kubeconfig FILE/--context NAME (a running cluster), not both",
        ),
    ],
)
def test_a_cluster_and_another_source_together_are_refused(capsys, reached, argv, message):
    code, _, err = run(capsys, *argv)
    assert (code, err) == (2, f"netkit: error: {message}\n")
    assert reached == []


def test_an_unreachable_cluster_is_one_line_and_exit_2(capsys, tmp_path):
    missing = tmp_path / "missing.yaml"
    code, _, err = run(capsys, "connlist", "--kubeconfig", str(missing))
    assert code == 2
    assert err.startswith(f"netkit: error: {missing}: ")
    assert len(err.splitlines()) == 1


def test_the_cluster_options_reach_the_source():
    from netkit_cli.main import build_parser

    parser = build_parser()
    args = parser.parse_args(["overlap", "--kubeconfig", "k.yaml", "--context", "c"])
    assert options.named_source(args) == Source.of_cluster("c", "k.yaml")
