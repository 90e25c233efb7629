"""The locks of a stack, each as the pid and host that took it.

A file backend (file://) keeps each lock as a file,
`.pulumi/locks/<org>/<project>/<stack>/<id>.json`; a PostgreSQL one (postgres://) as a
row of its table, keyed by the URL's path (the database name) and that file's path, the
content base64 in JSON, read here with psql.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from devenv.errors import CommandFailed, EnvError
from devenv.run import run

TABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str


def holder_of(lock: str | bytes) -> Holder:
    """Who took a lock, from the lock file's JSON (`pid`, `hostname`)."""
    found = json.loads(lock)
    return Holder(int(found.get("pid", 0)), str(found.get("hostname", "")))


def file_holders(state: Path, project: str, stack: str) -> list[Holder]:
    """The locks of `stack` in the file backend at `state`."""
    locks = sorted(state.glob(f".pulumi/locks/*/{project}/{stack}/*.json"))
    return [holder_of(lock.read_bytes()) for lock in locks]


@dataclass(frozen=True)
class LockQuery:
    """How to read a PostgreSQL backend's locks: libpq's URL, the table, the keys' prefix."""

    libpq_url: str
    table: str
    prefix: str

    def sql(self) -> str:
        """The rows under `prefix` (psql's `:'locks'` variable), key and base64 content."""
        return f"SELECT key, data->>'data' FROM {self.table} WHERE starts_with(key, :'locks');\n"


def lock_query(url: str) -> LockQuery:
    """From the backend URL: `table` is Pulumi's own parameter (default pulumi_state);
    libpq takes the others. Keys are paths under the URL's path (the database name)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    table = dict(query).get("table", "pulumi_state")
    if not TABLE.fullmatch(table):
        raise EnvError(f"table={table!r} in PULUMI_BACKEND_URL: not a plain table name")
    libpq = urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in query if k != "table"])))
    prefix = f"{parts.path.strip('/')}/.pulumi/locks/".lstrip("/")
    return LockQuery(libpq, table, prefix)


def holders_in_rows(rows: str, prefix: str, project: str, stack: str) -> list[Holder]:
    """The locks of `stack` among psql's rows (`key<TAB>base64`, one a line)."""
    found = []
    for line in rows.splitlines():
        key, _, data = line.partition("\t")
        path = key[len(prefix) :].split("/")  # <org>/<project>/<stack>/<id>.json
        if key.startswith(prefix) and len(path) == 4 and path[1:3] == [project, stack]:
            found.append(holder_of(base64.b64decode(data)))
    return found


def postgres_holders(url: str, project: str, stack: str) -> list[Holder]:
    """The locks of `stack` in the PostgreSQL backend at `url`."""
    if shutil.which("psql") is None:
        raise EnvError(
            "reading the locks of a PostgreSQL backend needs psql "
            "(Debian: apt-get install postgresql-client)"
        )
    query = lock_query(url)
    psql = ["psql", query.libpq_url, "-X", "-A", "-t", "-F", "\t", "-v", f"locks={query.prefix}"]
    try:
        rows = run(psql, input=query.sql(), timeout=120)
    except CommandFailed as err:  # its command line holds the password: not shown
        raise EnvError(f"cannot read the locks from the backend: {err.output.strip()}") from None
    return holders_in_rows(rows, query.prefix, project, stack)
