"""The recovery of an interrupted update, without Pulumi, Docker or a database: the process
table, the locks, the half-written files and the pending creates are fed in."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from devenv.errors import EnvError
from devenv.log import Log
from devenv.recover import (
    check_holders,
    file_backend,
    main,
    project_name,
    pulumi_environment,
    refresh_summary,
)
from devenv.recover_files import remove_half_written
from devenv.recover_locks import (
    Holder,
    file_holders,
    holder_of,
    holders_in_rows,
    lock_query,
)
from devenv.recover_pending import recover_pending
from devenv.recover_running import Proc, is_engine, orphaned_plugins, parse_stat, process_table

# --------------------------------------------------------------------------- processes


def test_a_stat_line_keeps_a_name_with_spaces_and_parens() -> None:
    assert parse_stat("4242 (tmux: server (1)) S 1 4242 4242 0 -1") == (4242, "tmux: server (1)", 1)


def test_plugins_whose_parent_is_not_the_engine_are_orphans() -> None:
    table = [
        Proc(1, 0, "systemd", "/sbin/init"),
        Proc(10, 1, "pulumi", "pulumi"),
        Proc(11, 10, "pulumi-resource", "/opt/bin/pulumi-resource-docker"),
        Proc(12, 10, "pulumi-language", "pulumi-language-python"),
        Proc(20, 1, "pulumi-resource", "/opt/bin/pulumi-resource-docker"),
        Proc(21, 99, "pulumi-language", "pulumi-language-python"),
        Proc(22, 1, "python3", "/usr/bin/python3"),
        Proc(23, 2, "kworker/0:1", ""),
    ]
    assert orphaned_plugins(table) == [20, 21]


def test_the_process_table_is_read_from_proc(tmp_path: Path) -> None:
    def process(pid: int, stat: str, cmdline: bytes) -> None:
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "stat").write_text(stat)
        (tmp_path / str(pid) / "cmdline").write_bytes(cmdline)
        (tmp_path / str(pid) / "comm").write_text(stat.split("(")[1].split(")")[0] + "\n")

    process(7, "7 (pulumi) S 1 7 7 0", b"pulumi\0up\0--yes\0")
    process(8, "8 (pulumi-resourc) S 7 7 7 0", b"/opt/pulumi-resource-docker\0")
    process(9, "9 (kthreadd) S 0 0 0 0", b"")
    (tmp_path / "self").mkdir()
    (tmp_path / "10").mkdir()  # gone while read: no stat
    assert sorted(process_table(tmp_path), key=lambda p: p.pid) == [
        Proc(7, 1, "pulumi", "pulumi"),
        Proc(8, 7, "pulumi-resourc", "/opt/pulumi-resource-docker"),
        Proc(9, 0, "kthreadd", ""),
    ]
    assert is_engine(7, tmp_path)
    assert not is_engine(8, tmp_path)
    assert not is_engine(0, tmp_path)


# --------------------------------------------------------------------------- locks


def lock(pid: int, host: str) -> str:
    return json.dumps({"pid": pid, "username": "root", "hostname": host, "timestamp": "x"})


def test_a_lock_names_its_pid_and_host() -> None:
    assert holder_of(lock(4242, "box")) == Holder(4242, "box")
    assert holder_of("{}") == Holder(0, "")


def test_a_file_backend_holds_the_stacks_locks_as_files(tmp_path: Path) -> None:
    mine = tmp_path / ".pulumi/locks/organization/netkit/dev"
    mine.mkdir(parents=True)
    (mine / "a1.json").write_text(lock(4242, "box"))
    other = tmp_path / ".pulumi/locks/organization/netkit/lab"
    other.mkdir(parents=True)
    (other / "b2.json").write_text(lock(1, "box"))
    assert file_holders(tmp_path, "netkit", "dev") == [Holder(4242, "box")]
    assert file_holders(tmp_path, "netkit", "prod") == []


def test_a_postgres_backend_is_read_with_libpq_s_url_and_pulumi_s_table() -> None:
    query = lock_query("postgres://u:p@127.0.0.1:5433/netkit?sslmode=disable&table=states")
    assert query.libpq_url == "postgres://u:p@127.0.0.1:5433/netkit?sslmode=disable"
    assert query.table == "states"
    assert query.prefix == "netkit/.pulumi/locks/"
    assert "FROM states WHERE starts_with(key, :'locks')" in query.sql()
    assert lock_query("postgres://u:p@/netkit?host=/tmp/pg").table == "pulumi_state"


def test_a_table_that_is_not_a_plain_name_is_refused() -> None:
    with pytest.raises(EnvError, match=r"table='x; DROP TABLE y' in PULUMI_BACKEND_URL"):
        lock_query("postgres://u:p@h/db?table=x;%20DROP%20TABLE%20y")


def test_the_lock_rows_of_the_stack_alone_are_read() -> None:
    def row(key: str, content: str) -> str:
        return f"{key}\t{base64.b64encode(content.encode()).decode()}"

    prefix = "netkit/.pulumi/locks/"
    rows = "\n".join(
        [
            row(prefix + "organization/netkit/pgkill/a1.json", lock(4242, "box")),
            row(prefix + "organization/netkit/pg/b2.json", lock(1, "box")),
            row(prefix + "organization/other/pgkill/c3.json", lock(2, "box")),
        ]
    )
    assert holders_in_rows(rows, prefix, "netkit", "pgkill") == [Holder(4242, "box")]
    assert holders_in_rows("", prefix, "netkit", "pgkill") == []


def test_a_lock_of_another_host_or_a_running_engine_is_not_removed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(EnvError, match=r"dev is locked by pid 7 on ci-3; this machine cannot"):
        check_holders("dev", [Holder(7, "ci-3")], "box")
    check_holders("dev", [Holder(999_999_999, "box")], "box")
    assert "recover: stale lock of pid 999999999 (no longer running)" in capsys.readouterr().err


# --------------------------------------------------------------------------- files


def test_half_written_sidecars_and_temp_files_of_the_stack_alone_go(tmp_path: Path) -> None:
    stacks = tmp_path / ".pulumi/stacks/netkit"
    stacks.mkdir(parents=True)
    (stacks / "dev.json").write_text('{"version": 3}')
    (stacks / "dev.json.attrs").write_text('{"Checks')  # truncated
    (stacks / "dev.json.bak.attrs").write_text('{"Checksum": "x"}')  # whole
    (stacks / "dev.json.18ec7a1b7bf31424.tmp").write_text("{")
    (stacks / "lab.json.attrs").write_text("")  # another stack's, maybe being written
    (tmp_path / ".pulumi/meta.yaml.attrs").write_text("")
    removed = remove_half_written(tmp_path, "netkit", "dev")
    assert removed == [
        (Path(".pulumi/meta.yaml.attrs"), "metadata the killed update left half-written"),
        (
            Path(".pulumi/stacks/netkit/dev.json.18ec7a1b7bf31424.tmp"),
            "a write the killed update never finished",
        ),
        (
            Path(".pulumi/stacks/netkit/dev.json.attrs"),
            "metadata the killed update left half-written",
        ),
    ]
    assert sorted(p.name for p in stacks.iterdir()) == [
        "dev.json",
        "dev.json.bak.attrs",
        "lab.json.attrs",
    ]


# --------------------------------------------------------------------------- pending creates

NETWORK, CONTAINER = "docker:index/network:Network", "docker:index/container:Container"
STACK = "urn:pulumi:dev::netkit::pulumi:pulumi:Stack::netkit-dev"
DOCKER = "urn:pulumi:dev::netkit::pulumi:providers:docker::default"
RENDER = "urn:pulumi:dev::netkit::pulumi:providers:kubernetes::render"


def resource(urn: str, type_: str, **extra: Any) -> dict[str, Any]:
    return {"urn": urn, "type": type_, "custom": True, **extra}


def creating(name: str, type_: str, **extra: Any) -> dict[str, Any]:
    urn = f"urn:pulumi:dev::netkit::{type_}::{name}"
    res = resource(urn, type_, inputs={"name": name}, provider=f"{DOCKER}::p1", **extra)
    return {"type": "creating", "resource": res}


def exported(*pending: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": 3,
        "deployment": {
            "resources": [
                {"urn": STACK, "type": "pulumi:pulumi:Stack", "custom": False},
                resource(DOCKER, "pulumi:providers:docker", id="p1"),
                resource(
                    RENDER,
                    "pulumi:providers:kubernetes",
                    id="k1",
                    inputs={"renderYamlToDirectory": "rendered/dev"},
                ),
            ],
            "pending_operations": list(pending),
        },
    }


def in_docker(**objects: list[str]) -> Any:
    return lambda kind, name: objects.get(name, [])


def test_no_pending_operation_is_nothing_to_recover() -> None:
    assert recover_pending(exported(), in_docker(), Log("recover")) is None


def test_what_docker_made_is_imported_with_its_id_and_the_rest_dropped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    net = creating("netkit-dev-a", NETWORK, parent=STACK)
    box = creating("netkit-dev-web", CONTAINER, dependencies=[net["resource"]["urn"]])
    gone = creating("netkit-dev-b", NETWORK)
    manifest = creating("shop", "kubernetes:apps/v1:Deployment")
    manifest["resource"]["provider"] = f"{RENDER}::k1"
    update = {"type": "updating", "resource": resource("urn:x", NETWORK)}
    ids = in_docker(**{"netkit-dev-a": ["n" * 64], "netkit-dev-web": ["c" * 64]})

    # The container first: it waits for the network it depends on.
    recovered = recover_pending(exported(box, net, gone, manifest, update), ids, Log("recover"))

    assert recovered is not None
    deployment = recovered.document["deployment"]
    assert deployment["pending_operations"] == [update]
    added = deployment["resources"][3:]
    assert [r["inputs"]["name"] for r in added] == ["netkit-dev-a", "netkit-dev-web"]
    assert added[0]["id"] == "n" * 64
    assert added[0]["outputs"] == {"name": "netkit-dev-a", "id": "n" * 64}
    assert recovered.targets == [added[0]["urn"], added[1]["urn"]]  # no providers, no manifests
    err = capsys.readouterr().err
    assert f"recover: import Docker network netkit-dev-a ({'n' * 12}) as " in err
    assert "no Docker network is named 'netkit-dev-b'" in err
    assert "drop the pending create of urn:pulumi:dev::netkit::kubernetes" in err
    assert "warning" not in err  # a rendered manifest exists nowhere to import


def test_a_pending_create_no_provider_can_find_is_dropped_with_a_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = creating("ns", "kubernetes:core/v1:Namespace")
    recovered = recover_pending(exported(other), in_docker(), Log("recover"))
    assert recovered is not None and recovered.document["deployment"]["pending_operations"] == []
    assert "recover: warning: urn:pulumi:dev::netkit::kubernetes" in capsys.readouterr().err


def test_two_docker_objects_of_one_name_are_left_to_the_user() -> None:
    net = creating("netkit-dev-a", NETWORK)
    with pytest.raises(EnvError, match=r"2 Docker networks are named 'netkit-dev-a' \(n1, n2\)"):
        recover_pending(exported(net), in_docker(**{"netkit-dev-a": ["n1", "n2"]}), Log("r"))


def test_a_create_whose_parent_the_state_lacks_names_the_saved_state() -> None:
    net = creating("netkit-dev-a", NETWORK, parent="urn:missing")
    with pytest.raises(EnvError, match=r"the state does not hold; see /tmp/before.json"):
        recover_pending(
            exported(net), in_docker(**{"netkit-dev-a": ["n1"]}), Log("r"), "/tmp/before.json"
        )


# --------------------------------------------------------------------------- the command


def test_the_environment_is_the_makefile_s_unless_set() -> None:
    env = pulumi_environment({"PATH": "/usr/bin"}, "/cache/bin")
    assert env["PULUMI_BACKEND_URL"].endswith("/.pulumi-state?metadata=skip")
    assert env["PULUMI_CONFIG_PASSPHRASE"] == "netkit-dev-passphrase"
    assert env["PATH"] == "/cache/bin:/usr/bin"
    mine = pulumi_environment(
        {"PULUMI_BACKEND_URL": "postgres://x", "PULUMI_CONFIG_PASSPHRASE": ""}, "/b"
    )
    assert mine["PULUMI_BACKEND_URL"] == "postgres://x"
    assert mine["PULUMI_CONFIG_PASSPHRASE"] == ""  # empty on purpose stays empty


def test_the_project_the_backend_and_the_refresh_summary_are_read() -> None:
    assert project_name("runtime: python\nname: netkit\nmain: x\n") == "netkit"
    assert file_backend("file:///srv/state?metadata=skip") == Path("/srv/state")
    assert file_backend("postgres://u:p@h/db") is None
    output = "Refreshing...\nResources:\n    ~ 1 updated\n    4 unchanged\n\nDuration: 3s\n"
    assert refresh_summary(output) == "~ 1 updated 4 unchanged"
    assert refresh_summary("") == ""


@pytest.mark.parametrize("argv", [[], ["a", "b"], ["--help"]])
def test_anything_but_one_stack_is_the_usage(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err == "usage: scripts/recover.sh STACK\n"
