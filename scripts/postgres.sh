#!/usr/bin/env bash
# A PostgreSQL server of its own in a folder, for a Pulumi state backend (tests, benchmarks,
# trying the team set-up on one machine).
#
#   scripts/postgres.sh start DIR            start (installing and initialising if needed); prints the URL
#   scripts/postgres.sh stop DIR [MODE]      stop it (MODE: fast, the default, or immediate: as a crash)
#   scripts/postgres.sh restart DIR [MODE]   stop it, then start it
#   scripts/postgres.sh url DIR [--socket|--reader]  the backend URL: loopback TCP, the
#                                            Unix socket in DIR, or the read-only role's
#   scripts/postgres.sh status DIR           exit 0 when it runs
#
# What `start` does, each step once:
#  1. installs Debian's `postgresql` when no server binaries are found (as root; the
#     package's own `main` cluster is not created, so nothing else starts);
#  2. initialises a cluster in DIR/data. PostgreSQL refuses to run as root, so as root
#     the server runs as the `postgres` user the package creates, and DIR is given to it;
#  3. listens on 127.0.0.1 on a free port (kept in DIR/port, so a restart keeps the URL)
#     and on a Unix socket in DIR, and nowhere else;
#  4. creates the role and database `netkit` with a random password (DIR/password, mode
#     600), and a role `netkit_reader` that may only read the tables `netkit` creates
#     (DIR/reader-password): what CI's previews need. Every login needs its password
#     (scram-sha-256), except the server's own superuser from its own OS user on the socket.
#
# The URL is what Pulumi's PostgreSQL backend takes (`PULUMI_BACKEND_URL` or `pulumi
# login`): `postgres://netkit:PASSWORD@127.0.0.1:PORT/netkit?sslmode=disable`. The Pulumi
# CLI reads it with Go's lib/pq, whose default sslmode is `require`; this server has no
# certificate and only listens on loopback, so the URL says `disable`. (Over a Unix socket
# lib/pq never uses SSL: `postgres://netkit:PASSWORD@/netkit?host=DIR&port=PORT`.) The
# backend keeps every file of its state as a row of one table, `pulumi_state` (`?table=NAME`
# picks another), which it creates on first use, keyed by the URL's path (the database
# name) and the file's: `netkit/.pulumi/stacks/<project>/<stack>.json`, the content base64
# in JSON. Without `sslmode` lib/pq fails here with "pq: SSL is not enabled on the server".
set -euo pipefail

say() { echo "postgres: $*" >&2; }
usage() {
    sed -n '4,10s/^# \{0,1\}//p' "$0" >&2
    exit 2
}
[[ $# -ge 2 ]] || usage
command=$1
dir=$2
shift 2
[[ $dir == /* ]] || dir=$PWD/$dir
ROLE=netkit
READER=netkit_reader
DATABASE=netkit

# --- the server's binaries ---------------------------------------------------------------
# Debian keeps them in /usr/lib/postgresql/<major>/bin, off PATH; take the newest.
find_bindir() {
    local candidate
    for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [[ -x $candidate/initdb && -x $candidate/pg_ctl ]] && echo "$candidate" && return 0
    done
    candidate=$(command -v pg_ctl 2>/dev/null) || return 1
    dirname "$candidate"
}

install_server() {
    if [[ $(id -u) != 0 ]]; then
        say "no PostgreSQL server is installed: run \`sudo apt-get install postgresql\` and this again"
        exit 1
    fi
    say "installing Debian's postgresql (apt-get)"
    # The package would create and start a cluster of its own (`main`, port 5432).
    mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/netkit.conf
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

bindir=$(find_bindir) || {
    install_server
    bindir=$(find_bindir) || {
        say "postgresql is installed but no initdb/pg_ctl was found"
        exit 1
    }
}

# --- who runs the server -----------------------------------------------------------------
if [[ $(id -u) == 0 ]]; then
    owner=postgres
    id -u "$owner" >/dev/null 2>&1 || {
        say "running as root needs the \`postgres\` user (Debian's postgresql package creates it)"
        exit 1
    }
    as_owner() { runuser -u "$owner" -- "$@"; }
else
    owner=$(id -un)
    as_owner() { "$@"; }
fi
data=$dir/data
pg_ctl() { as_owner "$bindir/pg_ctl" -D "$data" "$@"; }
running() { [[ -f $data/PG_VERSION ]] && pg_ctl status >/dev/null 2>&1; }

url() {
    local port role=$ROLE password
    port=$(cat "$dir/port")
    password=$(cat "$dir/password")
    if [[ ${1:-} == --reader ]]; then
        role=$READER password=$(cat "$dir/reader-password")
    fi
    if [[ ${1:-} == --socket ]]; then
        echo "postgres://$role:$password@/$DATABASE?host=$dir&port=$port"
    else
        echo "postgres://$role:$password@127.0.0.1:$port/$DATABASE?sslmode=disable"
    fi
}

free_port() {
    python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

initialise() {
    mkdir -p "$dir"
    # The socket lives in DIR and its path must fit a sockaddr_un (107 bytes).
    if ((${#dir} > 80)); then
        say "$dir: the folder's path is ${#dir} characters; the server's socket in it needs" \
            "at most 80: use a shorter one (e.g. mktemp -d /tmp/pg.XXXXXX)"
        exit 2
    fi
    if [[ $owner != "$(id -un)" ]]; then
        chown "$owner" "$dir"
        chmod 700 "$dir"
        if ! as_owner test -w "$dir"; then
            say "$dir: the $owner user cannot reach this folder (a parent is private to" \
                "$(id -un)): use one under /tmp, e.g. mktemp -d /tmp/pg.XXXXXX"
            exit 2
        fi
    fi
    say "initialising a cluster in $data"
    as_owner "$bindir/initdb" -D "$data" -U "$owner" --auth-local=peer --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    free_port >"$dir/port"
    for file in password reader-password; do
        python3 -c 'import secrets; print(secrets.token_hex(16))' >"$dir/$file"
    done
    chmod 600 "$dir/password" "$dir/reader-password" "$dir/port"
    # Loopback and the folder's socket only. The superuser logs in from its own OS user on
    # the socket (to create the role below); everyone else needs the password.
    as_owner tee -a "$data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $(cat "$dir/port")
unix_socket_directories = '$dir'
EOF
    as_owner tee "$data/pg_hba.conf" >/dev/null <<EOF
local all $owner peer
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
EOF
}

start() {
    [[ -f $data/PG_VERSION ]] || initialise
    if ! running; then
        pg_ctl -l "$dir/server.log" -w -t 60 start >/dev/null || {
            tail -n 20 "$dir/server.log" >&2
            exit 1
        }
    fi
    local port
    port=$(cat "$dir/port")
    if [[ ! -f $dir/.created ]]; then
        # The password goes through stdin, never on a command line.
        as_owner "$bindir/psql" -q -X -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U "$owner" \
            -d postgres >/dev/null <<EOF
CREATE ROLE $ROLE LOGIN PASSWORD '$(cat "$dir/password")';
CREATE ROLE $READER LOGIN PASSWORD '$(cat "$dir/reader-password")';
CREATE DATABASE $DATABASE OWNER $ROLE;
\connect $DATABASE
ALTER DEFAULT PRIVILEGES FOR ROLE $ROLE IN SCHEMA public GRANT SELECT ON TABLES TO $READER;
EOF
        touch "$dir/.created"
    fi
    url
}

case $command in
start) start ;;
stop)
    mode=${1:-fast}
    [[ $mode == fast || $mode == immediate ]] || usage
    if running; then pg_ctl -m "$mode" -w stop >/dev/null; fi
    ;;
restart)
    mode=${1:-fast}
    [[ $mode == fast || $mode == immediate ]] || usage
    if running; then pg_ctl -m "$mode" -w stop >/dev/null; fi
    start >/dev/null
    ;;
url)
    [[ -f $dir/password ]] || {
        say "$dir holds no server: run \`$0 start $dir\` first"
        exit 2
    }
    url "${1:-}"
    ;;
status) running ;;
*) usage ;;
esac
