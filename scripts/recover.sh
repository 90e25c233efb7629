#!/usr/bin/env bash
# Recover a stack after an interrupted `pulumi up` (killed, machine lost power), without
# losing what was created: what Docker made is imported into the state, not deleted.
#
#   scripts/recover.sh STACK      then run `pulumi up` (make up) again
#
# Environment: the Makefile's (local backend in .pulumi-state, the dev passphrase) unless
# PULUMI_BACKEND_URL / PULUMI_CONFIG_PASSPHRASE are set. Runs in the current folder if it
# holds a Pulumi.yaml, else in the repository root. What an interrupted update leaves and
# each step of the recovery: devenv/recover.py.
exec "$(dirname "$0")/devenv" recover "$@"
