"""The stack-file change a learn report proposes: typed entries, only the connections:
block touched, flow-style lists and names the stack lacks refused in one line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from netkit.errors import NetkitError
from netkit.observed.learn import Item, LearnReport
from netkit.observed.mapping import Party, PartyKind, Use
from netkit.observed.proposal import propose
from netkit.spec import load_stack_file

AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
STACK = """\
# a comment that stays
config:
  netkit:kubernetes:
    namespaces:
      - name: shop-web
        services:
          - {name: web, image: netkit.local/server:1, ports: [{name: http, port: 8080}]}
      - name: shop-api
        services:
          - {name: api, image: netkit.local/server:1, ports: [{name: http, port: 8080}, {name: admin, port: 9090}]}
{connections}  netkit:reserved:
    - {name: corp-vpn, cidr: 10.8.0.0/16}
"""
BLOCK = """\
    connections:
      - from: shop-web/web   # the storefront
        to: shop-api/api
        ports: [8080/TCP]
"""


def _text(connections: str) -> str:
    return STACK.replace("{connections}", connections)


def _party(name: str) -> Party:
    namespace, _, workload = name.partition("/")
    return Party(PartyKind.WORKLOAD, name, namespace, workload)


def _report(*uses: Use, unused: tuple[Item, ...] = ()) -> LearnReport:
    return LearnReport((), unused, (), (), {}, (AT, AT), True, undeclared_uses=uses)


def _stack(tmp_path: Path, connections: str) -> Path:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(_text(connections))
    return path


def test_a_new_port_between_declared_ends_widens_their_entry_and_keeps_the_rest(tmp_path):
    path = _stack(tmp_path, BLOCK)
    use = Use(_party("shop-web/web"), _party("shop-api/api"), 9090, "TCP")

    proposal = propose(path, _report(use))

    assert proposal.added == ("shop-web/web -> shop-api/api : 9090/TCP",)
    assert proposal.new == _text(
        "    connections:\n      - from: shop-web/web\n        to: shop-api/api\n"
        "        ports: [8080/TCP, 9090/TCP]\n"
    )
    proposal.write()
    assert [p.port for p in load_stack_file(path).kubernetes.connections[0].ports] == [8080, 9090]


def test_a_stack_without_connections_gets_the_key_at_the_end_of_its_kubernetes_block(tmp_path):
    path = _stack(tmp_path, "")
    use = Use(_party("shop-api/api"), Party(PartyKind.EXTERNAL, "203.0.113.7"), 443, "TCP")

    proposal = propose(path, _report(use))

    assert proposal.new == _text(
        "    connections:\n      - from: shop-api/api\n        to: 203.0.113.7/32\n"
        "        ports: [443/TCP]\n"
    )


def test_an_unused_entry_is_removed_and_an_empty_list_written_as_such(tmp_path):
    path = _stack(tmp_path, BLOCK)
    unused = Item("shop-web/web", "shop-api/api", "8080", "TCP", connection=0)

    proposal = propose(path, _report(unused=(unused,)))

    assert proposal.removed == ("shop-web/web -> shop-api/api : remove 8080/TCP (unused)",)
    assert proposal.new == _text("    connections: []\n")


def test_a_workload_that_is_no_service_of_the_stack_is_not_proposed(tmp_path):
    path = _stack(tmp_path, BLOCK)
    use = Use(_party("shop-web/web"), _party("other/cache"), 6379, "TCP")

    proposal = propose(path, _report(use))

    assert not proposal.changes
    assert proposal.notes == (
        "shop-web/web -> other/cache : 6379/TCP: other/cache is no service of the stack; "
        "declare it under kubernetes.namespaces[].services first",
    )


def test_a_flow_style_connections_list_is_refused_for_writing(tmp_path):
    path = _stack(
        tmp_path, "    connections: [{from: shop-web/web, to: shop-api/api, ports: [8080]}]\n"
    )
    use = Use(_party("shop-web/web"), _party("shop-api/api"), 9090, "TCP")

    with pytest.raises(NetkitError) as caught:
        propose(path, _report(use))
    assert str(caught.value) == (
        "Pulumi.dev.yaml:11: netkit:kubernetes.connections is written in flow style ([...]); "
        "write it as a block list (one '- from:' entry a line) for --write"
    )


def _unused_with_unmapped(
    beside: tuple[tuple[str, str, str], ...], *, addresses_known: bool
) -> LearnReport:
    unused = Item("shop-web/web", "shop-api/api", "8080", "TCP", connection=0)
    return LearnReport(
        (),
        (unused,),
        (),
        (),
        {"10.213.0.11": 4, "10.244.1.1": 2},
        (AT, AT),
        False,
        beside=beside,
        addresses_known=addresses_known,
    )


@pytest.mark.parametrize(
    ("beside", "addresses_known", "removed"),
    [
        # What runs was read, and the unmapped addresses met only each other (a node and
        # its API server): no declared connection can hide behind them.
        ((), True, True),
        # One was the source of traffic into the declared destination: it may have been
        # the declared source on an address the model lacks.
        ((("10.244.1.1", "from", "shop-api/api"),), True, False),
        # Into the declared source instead: not the side a declared use would take.
        ((("10.244.1.1", "from", "shop-web/web"),), True, True),
        # Nothing running was read: any address may be a declared workload's pod.
        ((), False, False),
    ],
)
def test_an_unused_entry_is_removed_only_when_no_unmapped_end_could_have_used_it(
    tmp_path, beside, addresses_known, removed
):
    path = _stack(tmp_path, BLOCK)

    proposal = propose(path, _unused_with_unmapped(beside, addresses_known=addresses_known))

    assert bool(proposal.removed) is removed
    assert any(note.startswith("removals:") for note in proposal.notes) is not removed
