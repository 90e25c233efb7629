"""`python -m devenv PART ARGS...`: the entry every script under `scripts/` calls."""

from __future__ import annotations

import importlib
import sys

from devenv.errors import EnvError

PARTS = {
    # part: module whose `main(argv) -> int` runs it ("module:function" names another function)
    "in-netns": "devenv.cgroup_entry",
    "toolchain": "devenv.builds:toolchain_main",
    "cluster-toolchain": "devenv.builds:cluster_toolchain_main",
    "yaml-host": "devenv.builds:yaml_host_main",
    "netpol-analyzer": "devenv.builds:netpol_analyzer_main",
    "postgres": "devenv.postgres",
    "recover": "devenv.recover",
    "system-packages": "devenv.system_packages",
    "cluster": "devenv.cluster",
    "link-kubectl": "devenv.kubectl_link",
    "docker-engine": "devenv.docker_engine",
    "docker-image": "devenv.docker_image",
    "docker-hosts": "devenv.docker_hosts",
    "stack-hosts": "devenv.stack_hosts",
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in PARTS:
        print(f"usage: python -m devenv {{{'|'.join(sorted(PARTS))}}} ARGS...", file=sys.stderr)
        return 2
    module_name, _, function = PARTS[args[0]].partition(":")
    entry = getattr(importlib.import_module(module_name), function or "main")
    try:
        status: int = entry(args[1:])
    except EnvError as err:
        print(f"{args[0]}: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
