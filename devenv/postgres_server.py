"""The server of one folder: its binaries (installed when missing), its owner, initdb,
pg_ctl, and the roles. Why each step is as it is: `devenv.postgres`.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import socket
from pathlib import Path

from devenv.errors import CommandFailed, EnvError
from devenv.log import Log
from devenv.postgres_folder import DATABASE, READER, ROLE, SOCKET_PATH_MAX, BadArgument, Folder
from devenv.run import run, run_logged, succeeds

log = Log("postgres")


def find_bindir(candidates: list[Path] | None = None) -> Path | None:
    """Debian keeps the server's binaries in /usr/lib/postgresql/<major>/bin, off PATH; the
    newest with initdb and pg_ctl (the client package puts psql alone there), else PATH's."""
    if candidates is None:
        candidates = list(Path("/usr/lib/postgresql").glob("*/bin"))

    def version(path: Path) -> list[int]:
        return [int(n) for n in re.findall(r"\d+", path.parent.name)]

    for candidate in sorted(candidates, key=version, reverse=True):
        if all(os.access(candidate / tool, os.X_OK) for tool in ("initdb", "pg_ctl")):
            return candidate
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def install_server() -> None:
    if os.geteuid() != 0:
        raise EnvError(
            "no PostgreSQL server is installed: run `sudo apt-get install postgresql` and this again"
        )
    log.say("installing Debian's postgresql (apt-get)")
    # The package would create and start a cluster of its own (`main`, port 5432).
    conf = Path("/etc/postgresql-common/createcluster.d")
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "netkit.conf").write_text("create_main_cluster = false\n")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", "postgresql"], env=env)


def server_owner() -> str:
    """Who runs the server: PostgreSQL refuses root, so as root the package's `postgres` user."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise EnvError(
            "running as root needs the `postgres` user (Debian's postgresql package creates it)"
        ) from None
    return "postgres"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """The server of one folder; its binaries and owner are looked up when first needed."""

    def __init__(self, folder: Folder) -> None:
        self.folder = folder
        self._bindir: Path | None = None
        self._owner: str | None = None

    @property
    def bindir(self) -> Path:
        if self._bindir is None:
            found = find_bindir()
            if found is None:
                install_server()
                found = find_bindir()
            if found is None:
                raise EnvError("postgresql is installed but no initdb/pg_ctl was found")
            self._bindir = found
        return self._bindir

    @property
    def owner(self) -> str:
        if self._owner is None:
            self._owner = server_owner()
        return self._owner

    def as_owner(self, *argv: str) -> list[str]:
        """`argv` run as the server's owner."""
        if os.geteuid() == 0:
            return ["runuser", "-u", self.owner, "--", *argv]
        return list(argv)

    def tool(self, name: str) -> str:
        return str(self.bindir / name)

    def pg_ctl(self, *args: str) -> list[str]:
        return self.as_owner(self.tool("pg_ctl"), "-D", str(self.folder.data), *args)

    def status(self) -> int:
        """0 when it runs; else 1 (no cluster in the folder) or `pg_ctl status`'s (3: stopped)."""
        if not self.folder.initialised():
            return 1
        try:
            run(self.pg_ctl("status"))
        except CommandFailed as err:
            return err.status if err.status > 0 else 1
        return 0

    def running(self) -> bool:
        return self.status() == 0

    def initialise(self) -> None:
        folder = self.folder.path
        if len(str(folder)) > SOCKET_PATH_MAX:
            raise BadArgument(
                f"{folder}: the folder's path is {len(str(folder))} characters; the server's "
                f"socket in it needs at most {SOCKET_PATH_MAX}: use a shorter one "
                "(e.g. mktemp -d /tmp/pg.XXXXXX)"
            )
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(folder, user=self.owner)
            folder.chmod(0o700)
            if not succeeds(self.as_owner("test", "-w", str(folder))):
                raise BadArgument(
                    f"{folder}: the {self.owner} user cannot reach this folder (a parent is "
                    "private to root): use one under /tmp, e.g. mktemp -d /tmp/pg.XXXXXX"
                )
        log.say(f"initialising a cluster in {self.folder.data}")
        initdb = self.as_owner(
            self.tool("initdb"), "-D", str(self.folder.data), "-U", self.owner, "--auth-local=peer",
            "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        run_logged(initdb, folder / "initdb.log")
        port = free_port()
        self.folder.write_secret("port", f"{port}\n")
        for name in ("password", "reader-password"):
            self.folder.write_secret(name, f"{secrets.token_hex(16)}\n")
        # Loopback and the folder's socket only. The superuser logs in from its own OS user
        # on the socket (to create the roles); everyone else needs the password. (Written as
        # this user: the files keep their owner, the server's.)
        with (self.folder.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{folder}'\n"
            )
        (self.folder.data / "pg_hba.conf").write_text(
            f"local all {self.owner} peer\n"
            "local all all scram-sha-256\n"
            "host all all 127.0.0.1/32 scram-sha-256\n"
        )

    def start(self) -> str:
        """Start it (installing and initialising it first if needed); the backend URL."""
        if not self.folder.initialised():
            self.initialise()
        folder = self.folder.path
        if not self.running():
            server_log = folder / "server.log"
            try:
                run(self.pg_ctl("-l", str(server_log), "-w", "-t", "60", "start"))
            except CommandFailed as err:
                tail = server_log.read_text(errors="replace").splitlines()[-20:]
                raise EnvError(
                    f"the server in {folder} did not start; the end of {server_log}:\n"
                    + "\n".join(tail)
                ) from err
        if not (folder / ".created").exists():
            # The passwords go through stdin, never on a command line.
            psql = self.as_owner(
                self.tool("psql"), "-q", "-X", "-v", "ON_ERROR_STOP=1", "-h", str(folder),
                "-p", str(self.folder.port()), "-U", self.owner, "-d", "postgres",
            )  # fmt: skip
            run(psql, input=create_roles_sql(self.folder.password(), self.folder.password(READER)))
            (folder / ".created").touch()
        return self.folder.url()

    def stop(self, mode: str) -> None:
        if self.running():
            run(self.pg_ctl("-m", mode, "-w", "stop"))


def create_roles_sql(password: str, reader_password: str) -> str:
    """The roles, the database, and the reader's SELECT on every table `netkit` creates."""
    return (
        f"CREATE ROLE {ROLE} LOGIN PASSWORD '{password}';\n"
        f"CREATE ROLE {READER} LOGIN PASSWORD '{reader_password}';\n"
        f"CREATE DATABASE {DATABASE} OWNER {ROLE};\n"
        f"\\connect {DATABASE}\n"
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {ROLE} IN SCHEMA public "
        f"GRANT SELECT ON TABLES TO {READER};\n"
    )
