#!/usr/bin/env bash
# The Debian packages the tests use beyond Python (devenv/system_packages.py says which).
exec "$(dirname "$0")/devenv" system-packages "$@"
