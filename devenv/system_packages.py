"""`scripts/system-packages.sh`: the Debian packages the tests use beyond Python.

Graphviz's `dot` (connlist --format svg), Chromium (the HTML picture drawn in a real
browser, tests/e2e/test_html_report.py) and ShellCheck (the thin entry scripts are checked
in `make test`). The Docker engine, the cluster and PostgreSQL install their own.
"""

from __future__ import annotations

import os
import sys

from devenv.log import Log
from devenv.system import Package, ensure_packages

PACKAGES = (
    Package("graphviz", "dot"),
    Package("chromium", "chromium"),
    Package("shellcheck", "shellcheck"),
)


def main(argv: list[str]) -> int:
    if argv:
        print("usage: scripts/system-packages.sh", file=sys.stderr)
        return 2
    missing = sorted(p.name for p in PACKAGES if not p.present())
    if missing and os.geteuid() != 0:
        print(
            f"missing Debian packages: install them (sudo apt-get install {' '.join(missing)})"
            " and run again",
            file=sys.stderr,
        )
        return 1
    ensure_packages(Log("system-packages"), PACKAGES)
    return 0
