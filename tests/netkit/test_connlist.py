"""Connectivity-list renderers: exact output on a small case, in every format."""

from __future__ import annotations

import json

import pytest

from netkit import connlist
from netkit.connlist import render
from netkit.errors import NetkitError
from netkit.manifests import load_manifests, model_from_objects
from netkit.reachability import Reachability, analyze
from tests import conformance

MINIMAL = conformance.corpus("netpol-analyzer") / "cases" / "netpol-analysis-example-minimal"


@pytest.fixture(scope="module")
def reach() -> Reachability:
    return analyze(load_manifests([MINIMAL]))


def netpol_analyzer_example(name: str) -> str:
    """netpol-analyzer's own rendering of the case. It predates the `[External]` suffix
    that the corpus's expected lists (and netkit) give address ranges; add it back."""
    text = (MINIMAL / name).read_text()
    return text.replace("0.0.0.0-255.255.255.255", "0.0.0.0-255.255.255.255[External]")


def test_txt_lists_one_sorted_line_per_connection(reach):
    assert render(reach.connections(), "txt") == "\n".join(
        [
            "0.0.0.0-255.255.255.255[External] => default/frontend[Deployment] : TCP 8080",
            "default/frontend[Deployment] => 0.0.0.0-255.255.255.255[External] : UDP 53",
            "default/frontend[Deployment] => default/backend[Deployment] : TCP 9090",
        ]
    )
    assert render(reach.connections(), "txt") == netpol_analyzer_example("connlist_output.txt")


def test_md_is_the_same_table_as_netpol_analyzer_s(reach):
    assert render(reach.connections(), "md") == netpol_analyzer_example("connlist_output.md")


def test_dot_is_the_same_graph_as_netpol_analyzer_s(reach):
    assert render(reach.connections(), "dot", peers=reach.peers()) == netpol_analyzer_example(
        "connlist_output.dot"
    )


def test_dot_also_draws_workloads_without_connections(reach):
    graph = render([], "dot", peers=reach.peers())
    assert graph == "\n".join(
        [
            "digraph {",
            '\t"default/backend[Deployment]" [label="default/backend[Deployment]" color="blue" fontcolor="blue"]',
            '\t"default/frontend[Deployment]" [label="default/frontend[Deployment]" color="blue" fontcolor="blue"]',
            "}",
        ]
    )


def test_json_has_netpol_analyzer_s_shape(reach):
    assert json.loads(render(reach.connections(), "json")) == [
        {
            "src": "0.0.0.0-255.255.255.255[External]",
            "dst": "default/frontend[Deployment]",
            "conn": "TCP 8080",
        },
        {
            "src": "default/frontend[Deployment]",
            "dst": "0.0.0.0-255.255.255.255[External]",
            "conn": "UDP 53",
        },
        {
            "src": "default/frontend[Deployment]",
            "dst": "default/backend[Deployment]",
            "conn": "TCP 9090",
        },
    ]
    assert render(reach.connections(), "json").startswith('[\n  {\n    "src": "0.0.0.0')


def test_csv_quotes_connections_that_contain_commas():
    model = model_from_objects(
        [
            ("a", {"kind": "Pod", "metadata": {"name": "a"}, "spec": {}}),
            ("b", {"kind": "Pod", "metadata": {"name": "b", "labels": {"app": "b"}}, "spec": {}}),
            (
                "c",
                {
                    "kind": "NetworkPolicy",
                    "metadata": {"name": "b"},
                    "spec": {
                        "podSelector": {"matchLabels": {"app": "b"}},
                        "ingress": [
                            {
                                "from": [{"podSelector": {}}],
                                "ports": [{"port": 80}, {"port": 53, "protocol": "UDP"}],
                            }
                        ],
                    },
                },
            ),
        ]
    )
    assert render(analyze(model).connections(), "csv") == "\n".join(
        [
            "src,dst,conn",
            "0.0.0.0-255.255.255.255[External],default/a[Pod],All Connections",
            "default/a[Pod],0.0.0.0-255.255.255.255[External],All Connections",
            'default/a[Pod],default/b[Pod],"TCP 80,UDP 53"',
            "default/b[Pod],0.0.0.0-255.255.255.255[External],All Connections",
            "default/b[Pod],default/a[Pod],All Connections",
        ]
    )


def test_explain_follows_each_txt_line_with_its_rules(reach):
    rows = [reach.explain(c.src, c.dst) for c in reach.connections()][:1]
    assert render(rows, "txt") == "\n".join(
        [
            "0.0.0.0-255.255.255.255[External] => default/frontend[Deployment] : TCP 8080",
            "    ingress: TCP 8080 allowed by default/frontend-netpol spec.ingress[0]",
            "    ingress: anything else is denied (default/frontend[Deployment] is isolated by "
            "default/frontend-netpol, default/default-deny-in-namespace)",
        ]
    )


def test_explain_adds_an_explanation_field_or_column(reach):
    rows = [reach.explain(c.src, c.dst) for c in reach.connections()][:1]
    (item,) = json.loads(render(rows, "json"))
    assert item["explanation"] == [
        "ingress: TCP 8080 allowed by default/frontend-netpol spec.ingress[0]",
        "ingress: anything else is denied (default/frontend[Deployment] is isolated by "
        "default/frontend-netpol, default/default-deny-in-namespace)",
    ]
    assert render(rows, "csv").splitlines()[0] == "src,dst,conn,explanation"
    assert render(rows, "md").splitlines()[0] == "| src | dst | conn | explanation |"
    assert "<br>" in render(rows, "md").splitlines()[2]


def test_explain_is_refused_for_graphs(reach):
    rows = [reach.explain(c.src, c.dst) for c in reach.connections()]
    with pytest.raises(NetkitError) as error:
        render(rows, "dot")
    assert (
        str(error.value) == "--explain is not available with --format dot; use txt, json, csv or md"
    )


def test_svg_draws_the_graph_with_graphviz(reach):
    svg = render(reach.connections(), "svg", peers=reach.peers())
    assert svg.startswith("<?xml")
    assert "<title>default/frontend[Deployment]&#45;&gt;default/backend[Deployment]</title>" in svg
    assert svg.rstrip().endswith("</svg>")


def test_svg_without_graphviz_says_how_to_install_it(reach, monkeypatch):
    monkeypatch.setattr(connlist.shutil, "which", lambda name: None)
    with pytest.raises(NetkitError) as error:
        render(reach.connections(), "svg")
    assert "install graphviz" in str(error.value)
    assert "use --format dot" in str(error.value)


def test_an_unknown_format_is_refused(reach):
    with pytest.raises(NetkitError) as error:
        render(reach.connections(), "yaml")
    assert str(error.value) == "format 'yaml': expected one of txt, json, csv, md, dot, svg, html"
