"""A PostgreSQL server of its own in a folder, for a Pulumi state backend (tests, benchmarks,
trying the team set-up on one machine). `scripts/postgres.sh` is its entry (usage:
`USAGE`); the folder and its URLs are `devenv.postgres_folder`, the server
`devenv.postgres_server`.

What `start` does, each step once:

1. installs Debian's `postgresql` when no server binaries are found (as root; the
   package's own `main` cluster is not created, so nothing else starts);
2. initialises a cluster in DIR/data. PostgreSQL refuses to run as root, so as root
   the server runs as the `postgres` user the package creates, and DIR is given to it;
3. listens on 127.0.0.1 on a free port (kept in DIR/port, so a restart keeps the URL)
   and on a Unix socket in DIR, and nowhere else;
4. creates the role and database `netkit` with a random password (DIR/password, mode
   600), and a role `netkit_reader` that may only read the tables `netkit` creates
   (DIR/reader-password): what CI's previews need. Every login needs its password
   (scram-sha-256), except the server's own superuser from its own OS user on the socket.

The URL is what Pulumi's PostgreSQL backend takes (`PULUMI_BACKEND_URL` or `pulumi
login`): `postgres://netkit:PASSWORD@127.0.0.1:PORT/netkit?sslmode=disable`. The Pulumi
CLI reads it with Go's lib/pq, whose default sslmode is `require`; this server has no
certificate and only listens on loopback, so the URL says `disable`. (Over a Unix socket
lib/pq never uses SSL: `postgres://netkit:PASSWORD@/netkit?host=DIR&port=PORT`.) The
backend keeps every file of its state as a row of one table, `pulumi_state` (`?table=NAME`
picks another), which it creates on first use, keyed by the URL's path (the database
name) and the file's: `netkit/.pulumi/stacks/<project>/<stack>.json`, the content base64
in JSON. Without `sslmode` lib/pq fails here with "pq: SSL is not enabled on the server".
"""

from __future__ import annotations

import sys
from pathlib import Path

from devenv.postgres_folder import BadArgument, Folder
from devenv.postgres_server import Server

USAGE = """\
scripts/postgres.sh start DIR            start (installing and initialising if needed); prints the URL
scripts/postgres.sh stop DIR [MODE]      stop it (MODE: fast, the default, or immediate: as a crash)
scripts/postgres.sh restart DIR [MODE]   stop it, then start it
scripts/postgres.sh url DIR [--socket|--reader]  the backend URL: loopback TCP, the
                                         Unix socket in DIR, or the read-only role's
scripts/postgres.sh status DIR           exit 0 when it runs"""

MODES = ("fast", "immediate")


def mode_of(rest: list[str]) -> str:
    if len(rest) > 1:
        raise BadArgument(f"one MODE at most, not {' '.join(rest)} (fast or immediate)")
    mode = rest[0] if rest else "fast"
    if mode not in MODES:
        raise BadArgument(f"{mode}: not a stop mode (fast, the default, or immediate)")
    return mode


def command(argv: list[str]) -> int:
    """Run one command line; argument errors raise BadArgument."""
    name, folder, rest = argv[0], Folder(Path.cwd() / argv[1]), argv[2:]
    server = Server(folder)
    if name == "start" and not rest:
        print(server.start())
    elif name == "stop":
        server.stop(mode_of(rest))
    elif name == "restart":
        mode = mode_of(rest)
        server.stop(mode)
        server.start()
    elif name == "url" and (rest in ([], ["--socket"], ["--reader"])):
        print(folder.url(*rest))
    elif name == "status" and not rest:
        return server.status()
    elif name in ("start", "url", "status"):
        raise BadArgument(f"{name}: unexpected {' '.join(rest)} (see scripts/postgres.sh)")
    else:
        raise BadArgument(f"{name}: not a command (start, stop, restart, url or status)")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        return command(argv)
    except BadArgument as err:
        print(f"postgres: {err}", file=sys.stderr)
        return 2
