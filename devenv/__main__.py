"""`python -m devenv PART ARGS...`: the entry every script under `scripts/` calls."""

from __future__ import annotations

import importlib
import sys

from devenv.errors import EnvError

PARTS = {
    # part: module whose `main(argv) -> int` runs it
    "in-netns": "devenv.cgroup_entry",
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
    module = importlib.import_module(PARTS[args[0]])
    try:
        status: int = module.main(args[1:])
    except EnvError as err:
        print(f"{args[0]}: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
