"""The Docker engines of `scripts/docker-hosts.sh` (host1, host2, ...), as the end-to-end
tests reach them: the docker CLI on each engine's socket."""

from __future__ import annotations

import subprocess

from netkit import docker_hosts


def dk(host: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`docker ARGS` on `host`'s engine; with `check`, a failure is an assertion naming it."""
    url = docker_hosts.engine_url(f"netkit-hosts://{host}")
    done = subprocess.run(
        ["docker", "-H", url, *args], capture_output=True, text=True, timeout=120, check=False
    )
    if check and done.returncode != 0:
        raise AssertionError(f"docker -H {host} {' '.join(args)}: {done.stderr.strip()}")
    return done


def named_with_prefix(host: str, kind: str, prefix: str) -> list[str]:
    """The names of `host`'s containers (`kind` "container", stopped ones too) or networks
    that start with `prefix`: what a test made."""
    args = ("ps", "-a") if kind == "container" else ("network", "ls")
    out = dk(host, *args, "--format", "{{.Names}}" if kind == "container" else "{{.Name}}")
    return sorted(n for n in out.stdout.split() if n.startswith(prefix))
