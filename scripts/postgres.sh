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
# DIR holds data/, port, password, reader-password. What each step does and why:
# devenv/postgres.py.
exec "$(dirname "$0")/devenv" postgres "$@"
