"""`python -m devenv stack-hosts STACK`: how many hosts of `scripts/docker-hosts.sh` the
stack `Pulumi.<STACK>.yaml` (in the current folder) needs.

It prints its highest `netkit-hosts://hostN` number, at least the default 3, and nothing
when it names no such host or there is no such file: `make hosts` starts that many,
`make up` refreshes first when there are some.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from devenv.docker_hosts import DEFAULT_COUNT
from devenv.errors import EnvError
from netkit.docker_hosts import LOCAL_SCHEME, local_host_name
from netkit.errors import NetkitError
from netkit.spec import load_stack_file, stack_file


def hosts_needed(urls: Iterable[str]) -> int | None:
    """The number of local hosts the engine URLs `urls` need; None when they name none."""
    numbers = [
        int(local_host_name(url).removeprefix("host"))
        for url in urls
        if url.startswith(LOCAL_SCHEME)
    ]
    return max(DEFAULT_COUNT, *numbers) if numbers else None


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m devenv stack-hosts STACK", file=sys.stderr)
        return 2
    path = stack_file(Path.cwd(), argv[0])
    if not path.exists():
        return 0
    try:
        spec = load_stack_file(path)
    except NetkitError as err:
        raise EnvError(str(err)) from None
    needed = hosts_needed(host.url for host in spec.docker.hosts)
    if needed is not None:
        print(needed)
    return 0
