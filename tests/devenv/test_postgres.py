"""The PostgreSQL server's folder, URLs and command line, without a server or root."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from devenv.postgres import main
from devenv.postgres_folder import READER, ROLE, BadArgument, Folder, backend_url
from devenv.postgres_server import create_roles_sql, find_bindir


def a_server_folder(path: Path) -> Folder:
    folder = Folder(path)
    folder.write_secret("port", "41917\n")
    folder.write_secret("password", "6165\n")
    folder.write_secret("reader-password", "8bf1\n")
    return folder


def test_the_tcp_url_says_sslmode_disable_for_lib_pq() -> None:
    assert (
        backend_url(ROLE, "secret", 5433)
        == "postgres://netkit:secret@127.0.0.1:5433/netkit?sslmode=disable"
    )


def test_the_socket_url_names_the_folder_and_port_and_no_host() -> None:
    assert (
        backend_url(ROLE, "secret", 5433, socket_dir=Path("/tmp/pg.x"))
        == "postgres://netkit:secret@/netkit?host=/tmp/pg.x&port=5433"
    )


def test_the_folder_gives_each_url_from_its_files(tmp_path: Path) -> None:
    folder = a_server_folder(tmp_path)
    assert folder.url() == "postgres://netkit:6165@127.0.0.1:41917/netkit?sslmode=disable"
    assert folder.url("--reader") == (
        f"postgres://{READER}:8bf1@127.0.0.1:41917/netkit?sslmode=disable"
    )
    assert folder.url("--socket") == f"postgres://netkit:6165@/netkit?host={tmp_path}&port=41917"


def test_secrets_are_private_from_their_first_byte(tmp_path: Path) -> None:
    a_server_folder(tmp_path)
    for name in ("port", "password", "reader-password"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600


def test_a_folder_without_a_server_says_to_start_one(tmp_path: Path) -> None:
    with pytest.raises(BadArgument, match=r"holds no server: run `scripts/postgres.sh start "):
        Folder(tmp_path).url()


def test_the_reader_may_only_read_what_the_role_creates() -> None:
    sql = create_roles_sql("p1", "p2")
    assert "CREATE ROLE netkit LOGIN PASSWORD 'p1';" in sql
    assert "CREATE ROLE netkit_reader LOGIN PASSWORD 'p2';" in sql
    assert "CREATE DATABASE netkit OWNER netkit;" in sql
    assert (
        "ALTER DEFAULT PRIVILEGES FOR ROLE netkit IN SCHEMA public "
        "GRANT SELECT ON TABLES TO netkit_reader;" in sql
    )


def test_the_newest_server_binaries_are_taken_not_a_client_only_folder(tmp_path: Path) -> None:
    def version(major: str, *tools: str) -> Path:
        bindir = tmp_path / major / "bin"
        bindir.mkdir(parents=True)
        for tool in tools:
            (bindir / tool).write_text("#!/bin/sh\n")
            (bindir / tool).chmod(0o755)
        return bindir

    nine = version("9", "initdb", "pg_ctl", "psql")
    ten = version("10", "initdb", "pg_ctl", "psql")
    client_only = version("16", "psql")
    assert find_bindir([nine, client_only, ten]) == ten


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["foo", "DIR"], "foo: not a command"),
        (["stop", "DIR", "slow"], "slow: not a stop mode"),
        (["restart", "DIR", "fast", "now"], "one MODE at most"),
        (["url", "DIR", "--bogus"], "url: unexpected --bogus"),
        (["status", "DIR", "x"], "status: unexpected x"),
        (["url", "/nonexistent/pg"], "/nonexistent/pg holds no server"),
        (["start", "/tmp/" + "x" * 90], "the folder's path is 95 characters"),
    ],
)
def test_an_argument_error_is_one_line_and_status_2(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("postgres: ") and says in err
    assert err.count("\n") == 1
    assert not Path("/tmp/" + "x" * 90).exists()


def test_too_few_arguments_show_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["start"]) == 2
    assert "scripts/postgres.sh start DIR" in capsys.readouterr().err
