"""The Markdown a reviewer reads for one stack: resources changed, violations, reachability."""

from __future__ import annotations

from netkit.diff import ConnectionDiff, DiffType
from netkit.portset import ConnectionSet
from netkit.review import MAX_ROWS, ResourceChange, render_summary, resource_changes
from netkit.sources.engine_json import DocumentKind, EngineDocument

NONE = ConnectionSet.none()
POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


def opened(src: str, dst: str, conns: str) -> ConnectionDiff:
    return ConnectionDiff(DiffType.ADDED, src, dst, NONE, ConnectionSet.parse(conns))


def step(op: str, name: str, **extra: object) -> dict[str, object]:
    urn = f"urn:pulumi:dev::netkit::{POLICY}::{name}"
    return {"op": op, "urn": urn, "newState": {"urn": urn, "type": POLICY}, **extra}


def preview(*steps: dict[str, object], summary: dict[str, int] | None = None) -> EngineDocument:
    document: dict[str, object] = {"steps": list(steps)}
    if summary is not None:
        document["changeSummary"] = summary
    return EngineDocument(DocumentKind.PREVIEW, document, "preview.json")


def summary_of(**overrides: object) -> str:
    arguments: dict[str, object] = {
        "diffs": [],
        "violations": [],
        "before": "the deployed stack",
        "after": "this pull request's preview",
    }
    return render_summary("dev", **{**arguments, **overrides})  # type: ignore[arg-type]


def test_each_connection_change_is_a_sentence_above_the_diff_table():
    diffs = [
        ConnectionDiff(
            DiffType.CHANGED, "shop-web/web[Deployment]", "shop-api/api[Deployment]",
            ConnectionSet.parse("TCP 8080"), ConnectionSet.parse("TCP 8080,UDP 53"),
        ),
        opened("shop-web/web[Deployment]", "shop-data/db[Deployment]", "TCP 5432"),
        ConnectionDiff(
            DiffType.REMOVED, "shop-api/api[Deployment]", "shop-data/db[Deployment]",
            ConnectionSet.parse("TCP 5432"), NONE, "workload shop-api/api[Deployment] removed",
        ),
    ]  # fmt: skip

    text = summary_of(diffs=diffs)

    assert "### Reachability: 3 pairs of endpoints" in text
    assert "From the deployed stack to this pull request's preview." in text
    assert (
        "- **changes** `shop-web/web[Deployment]` → `shop-api/api[Deployment]` from TCP 8080 "
        "to TCP 8080,UDP 53\n"
        "- **opens** `shop-web/web[Deployment]` → `shop-data/db[Deployment]` on TCP 5432\n"
        "- **closes** `shop-api/api[Deployment]` → `shop-data/db[Deployment]` (was TCP 5432) "
        "(workload shop-api/api[Deployment] removed)\n"
    ) in text
    assert (
        "| added | shop-web/web[Deployment] | shop-data/db[Deployment] | No Connections "
        "| TCP 5432 |  |"
    ) in text


def test_no_reachability_change_says_so_without_a_table():
    text = summary_of()
    assert "### Reachability: no change" in text
    assert "| diff-type |" not in text


def test_changed_resources_are_counted_and_listed_with_their_properties_and_same_is_not():
    document = preview(
        step("same", "shop-web-default-deny"),
        step("update", "shop-web-egress", detailedDiff={"spec.egress[1]": {}, "metadata": {}}),
        step("create", "shop-web-to-shop-data-egress"),
        step("replace", "shop-data-ingress", replaceReasons=["metadata.name"]),
        step(
            "update",
            "netkit-dev",
            detailedDiff=None,
            oldState={"inputs": {"intent": {"connections": []}, "stack": "dev"}},
            newState={
                "type": "netkit:stack:NetworkStack",
                "inputs": {"intent": {"connections": [{"from": "a"}]}, "stack": "dev"},
            },
        ),
        summary={"same": 40, "update": 2, "create": 1, "replace": 1},
    )

    changes = resource_changes(document)
    text = summary_of(preview=document)

    assert changes == [
        ResourceChange("update", POLICY, "shop-web-egress", ("metadata", "spec.egress[1]")),
        ResourceChange("create", POLICY, "shop-web-to-shop-data-egress"),
        ResourceChange("replace", POLICY, "shop-data-ingress", ("metadata.name",)),
        # A component: no provider diff, so the inputs that differ.
        ResourceChange("update", "netkit:stack:NetworkStack", "netkit-dev", ("intent",)),
    ]
    assert "### Resources: 1 to create, 1 to replace, 2 to update, 40 unchanged" in text
    assert f"| update | `{POLICY}` | shop-web-egress | metadata, spec.egress[1] |" in text


def test_a_preview_that_changes_nothing_says_so():
    text = summary_of(preview=preview(step("same", "a"), summary={"same": 1}))
    assert "### Resources: 1 unchanged\n\nThe preview changes no resource." in text


def test_without_a_preview_the_summary_says_the_offline_check_ran_and_shows_the_notes():
    text = summary_of(notes=["No shared state backend is configured."])
    assert text.startswith("## Stack `dev`\n\n> No shared state backend is configured.\n")
    assert "### Resources\n\nNo preview: the offline check ran instead." in text


def test_violations_are_counted_by_level_and_listed_with_rule_and_resource():
    violations = [
        {"rule": "k8s-namespace-require-default-deny", "level": "mandatory", "kind": "Namespace",
         "namespace": "", "name": "shop-web", "source": "", "message": "no default deny",
         "severity": "high", "location": {"file": "Pulumi.dev.yaml", "line": 30, "column": 9}},
        {"rule": "docker-network-require-internal", "level": "advisory", "kind": "DockerNetwork",
         "namespace": "", "name": "front", "source": "", "message": "routes out | off the host"},
        {"rule": "k8s-policy-least-privilege", "level": "advisory", "kind": "Deployment",
         "namespace": "shop-web", "name": "web", "source": "", "message": "all ports"},
    ]  # fmt: skip

    text = summary_of(violations=violations)

    assert "### Policy pack: 3 violations (1 mandatory, 2 advisory)" in text
    assert (
        "| mandatory | high | `k8s-namespace-require-default-deny` | Namespace shop-web "
        "(`Pulumi.dev.yaml:30:9`) | no default deny |"
    ) in text
    assert "| DockerNetwork front | routes out \\| off the host |" in text  # a pipe is escaped
    assert "| Deployment shop-web/web | all ports |" in text
    assert "### Policy pack: no violations" in summary_of()


def test_a_long_table_is_cut_with_a_count_of_what_was_left_out():
    steps = [step("create", f"p{i}") for i in range(MAX_ROWS + 5)]
    text = summary_of(preview=preview(*steps))
    assert "| create |" in text
    assert text.count("| create |") == MAX_ROWS
    assert "… and 5 more rows." in text


def test_staged_policies_get_a_section_of_their_own_with_what_they_would_change():
    from netkit.manifests import load_manifests
    from netkit.staged import staged_effect
    from tests.conformance import corpus

    model = load_manifests(
        [corpus("calico-policy-docs") / "cases" / "24-staged-policies-not-enforced"]
    )
    text = summary_of(staged=staged_effect(model))
    assert "### Staged policies, were they enforced: 3 pairs" in text
    assert (
        "- **closes** `default/other[Pod]` → `default/database[Pod]` (was All Connections)" in text
    )
    assert "### Staged policies" not in summary_of()
