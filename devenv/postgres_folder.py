"""The folder a PostgreSQL server of its own keeps its files in, and its backend URLs.

DIR holds `data/` (the cluster), `port`, `password`, `reader-password` (mode 600),
`initdb.log`, `server.log`, the server's socket, and `.created` once the roles exist.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from devenv.errors import EnvError

ROLE = "netkit"
READER = "netkit_reader"
DATABASE = "netkit"
SOCKET_PATH_MAX = 80
"""The socket lives in DIR and its path must fit a sockaddr_un (107 bytes)."""


class BadArgument(EnvError):
    """A command line this cannot act on: one line, exit status 2."""


def backend_url(role: str, password: str, port: int, *, socket_dir: Path | None = None) -> str:
    """The URL Pulumi's backend takes: loopback TCP, or the Unix socket in `socket_dir`."""
    if socket_dir is not None:
        return f"postgres://{role}:{password}@/{DATABASE}?host={quote(str(socket_dir), safe='/')}&port={port}"
    return f"postgres://{role}:{password}@127.0.0.1:{port}/{DATABASE}?sslmode=disable"


@dataclass(frozen=True)
class Folder:
    """DIR: the server's data, port and passwords (absolute, as the socket's URL names it)."""

    path: Path

    @property
    def data(self) -> Path:
        return self.path / "data"

    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").is_file()

    def port(self) -> int:
        return int((self.path / "port").read_text().strip())

    def password(self, role: str = ROLE) -> str:
        name = "reader-password" if role == READER else "password"
        return (self.path / name).read_text().strip()

    def url(self, flag: str = "") -> str:
        """`url DIR [--socket|--reader]`."""
        if not (self.path / "password").is_file():
            raise BadArgument(
                f"{self.path} holds no server: run `scripts/postgres.sh start {self.path}` first"
            )
        role = READER if flag == "--reader" else ROLE
        socket_dir = self.path if flag == "--socket" else None
        return backend_url(role, self.password(role), self.port(), socket_dir=socket_dir)

    def write_secret(self, name: str, text: str) -> None:
        """DIR/NAME with mode 600 from its first byte."""
        path = self.path / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(text)
        path.chmod(0o600)
