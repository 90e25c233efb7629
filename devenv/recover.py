"""Recover a stack after an interrupted `pulumi up` (killed, machine lost power), without
losing what was created: what Docker made is imported into the state, not deleted.
`scripts/recover.sh STACK` is its entry; then `pulumi up` (make up) runs again.

What a SIGKILLed `pulumi up` leaves with Pulumi 3.274 on a local (file://) backend, and
likewise on a PostgreSQL one (postgres://, where each file is a row):

1. the stack's lock file (.pulumi/locks/organization/<project>/<stack>/*.json), so every
   later update fails with "the stack is currently locked";
2. "pending operations" in the checkpoint: `creating` for every resource whose create
   had started, with the program's inputs but no ID. The Docker networks and
   containers among them usually exist already (the daemon finishes a create it was
   sent), so an `up` that forgets them fails: "network with name ... already exists";
3. if only the CLI was killed, its language host and providers, still running (they
   sit in process groups of their own); a provider may still finish a create;
4. on a backend written with metadata sidecars (a plain file:// URL: the Makefile's
   adds ?metadata=skip), maybe a truncated `<file>.attrs`, which the backend writes in
   place: every later command then fails with "failed to load checkpoint: EOF"; and
   the temp file (`<file>.<hex>.tmp`) of a write that never reached its rename.

The steps, in order (each says what it does):

1. refuse while an update of STACK still runs, or while orphaned Pulumi plugins run
   (`devenv.recover_running`);
2. on a file backend, remove half-written sidecars and temp files (a sidecar is
   optional metadata: the backend reads a missing one as empty; the checkpoint itself
   is always replaced by a rename, so it is whole) (`devenv.recover_files`);
3. remove the stale lock (`pulumi cancel`: it deletes the lock whether or not the
   update still runs, hence step 1, and the lock's own pid and host are checked
   first). A file backend keeps the lock as a file; a PostgreSQL one (postgres://) as
   a row of its table, read here with psql (`devenv.recover_locks`);
4. save the state (`pulumi stack export`), then edit it: a pending create of a Docker
   network or container that exists (found by its name) becomes a resource with that
   ID; other pending creates are dropped (render-mode Kubernetes manifests are written
   again by the next `pulumi up`); `pulumi stack import` the result
   (`devenv.recover_pending`);
5. `pulumi refresh` the resources a provider can read (not render-mode manifests, which
   have no cluster to read from), so the imported ones get their real outputs and
   other interrupted updates and deletes are resolved.

Why not `pulumi refresh --import-pending-creates URN ID`: in Pulumi 3.274 it only marks
those operations `importing`, and the refresh's new checkpoint keeps pending `creating`
operations alone, so the state forgets the resources (the next `up` then fails on the
names). And `pulumi refresh` of the whole stack fails on render-mode Kubernetes
resources ("unreachable cluster").

Environment: the Makefile's (local backend in .pulumi-state, the dev passphrase) unless
PULUMI_BACKEND_URL / PULUMI_CONFIG_PASSPHRASE are set. Runs in the current folder if it
holds a Pulumi.yaml, else in the repository root.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sys
import tempfile
from pathlib import Path

from devenv.errors import CommandFailed, EnvError
from devenv.log import Log
from devenv.paths import REPO
from devenv.recover_files import remove_half_written
from devenv.recover_locks import Holder, file_holders, postgres_holders
from devenv.recover_pending import docker_ids, recover_pending
from devenv.recover_running import is_engine, wait_for_orphans
from devenv.run import run, run_logged

log = Log("recover")


def pulumi_environment(environ: dict[str, str], toolchain_bin: str) -> dict[str, str]:
    """The variables `make` would give the CLI, where the caller set none."""
    return {
        "PULUMI_BACKEND_URL": environ.get("PULUMI_BACKEND_URL")
        or f"file://{REPO}/.pulumi-state?metadata=skip",
        # An empty passphrase set on purpose stays empty.
        "PULUMI_CONFIG_PASSPHRASE": environ.get(
            "PULUMI_CONFIG_PASSPHRASE", "netkit-dev-passphrase"
        ),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PATH": f"{toolchain_bin}:{environ.get('PATH', '')}",
    }


def pulumi(*args: str, log_file: Path | None = None) -> str:
    argv = ["pulumi", *args, "--non-interactive", "--color=never"]
    return run_logged(argv, log_file) if log_file else run(argv)


def project_name(pulumi_yaml: str) -> str:
    """The project's `name:` (the first top-level one)."""
    found = re.search(r"^name:[ \t]*(.*)$", pulumi_yaml, re.MULTILINE)
    return found.group(1).strip() if found else ""


def file_backend(url: str) -> Path | None:
    """The folder of a file:// backend URL (its query left off); None for another backend."""
    if not url.startswith("file://"):
        return None
    return Path(url.removeprefix("file://").partition("?")[0])


def refresh_summary(output: str) -> str:
    """The counts under `Resources:` at the end of a refresh, on one line."""
    lines = output.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Resources:")), None)
    if start is None:
        return ""
    block = []
    for line in lines[start + 1 :]:
        if not line:
            break
        block.append(line)
    return " ".join(" ".join(block).split())


def check_holders(stack: str, holders: list[Holder], host: str) -> None:
    """Refuse unless every lock of `stack` is stale: taken here, by a process gone."""
    for holder in holders:
        if holder.host != host:
            raise EnvError(
                f"{stack} is locked by pid {holder.pid} on {holder.host}; this machine cannot "
                "tell whether that update still runs. Once it does not, run "
                f"`pulumi cancel --stack {stack}` and this again."
            )
        if is_engine(holder.pid):
            raise EnvError(
                f"an update of {stack} is still running (pid {holder.pid}); wait for it, or stop it first"
            )
        log.say(f"stale lock of pid {holder.pid} (no longer running): removing it")


def clear_lock(stack: str, project: str, url: str, state: Path | None) -> None:
    """Step 3: the stale lock, on the backends whose locks this can read."""
    if state is not None:
        holders = file_holders(state, project, stack)
    elif url.startswith("postgres://"):
        holders = postgres_holders(url, project, stack)
    else:
        log.say(
            f"backend {url}: if an interrupted update still holds the stack, "
            f"run `pulumi cancel --stack {stack}` once you are sure it no longer runs"
        )
        return
    check_holders(stack, holders, socket.gethostname())
    if holders:
        pulumi("cancel", "--stack", stack, "--yes")


def import_pending(stack: str) -> None:
    """Steps 4 and 5: the pending creates imported or dropped, then read back."""
    saved = Path(
        tempfile.mkdtemp(prefix=f"netkit-recover-{stack}.", dir=os.environ.get("TMPDIR") or "/tmp")
    )
    before = saved / "before.json"
    pulumi("stack", "export", "--stack", stack, "--file", str(before))
    recovered = recover_pending(json.loads(before.read_text()), docker_ids, log, str(before))
    if recovered is None:
        shutil.rmtree(saved)
        log.say(f"{stack} has no pending operations: nothing to import")
        return
    after = saved / "after.json"
    after.write_text(json.dumps(recovered.document, indent=1))
    log.say(f"state before recovery saved to {before}")
    pulumi("stack", "import", "--stack", stack, "--file", str(after))

    if recovered.targets:
        refresh_log = saved / "refresh.log"
        targets = [f"--target={urn}" for urn in recovered.targets]
        refresh = ["refresh", "--stack", stack, "--yes", "--skip-preview", "--suppress-progress"]
        try:
            output = pulumi(*refresh, *targets, log_file=refresh_log)
        except CommandFailed as err:
            print(err.output, file=sys.stderr, end="")
            raise EnvError(
                f"the refresh failed; the state before recovery is in {before}"
            ) from None
        log.say(f"refreshed: {refresh_summary(output)}")


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: scripts/recover.sh STACK", file=sys.stderr)
        return 2
    stack = argv[0]
    if not Path("Pulumi.yaml").is_file():
        os.chdir(REPO)
    toolchain_bin = run([str(REPO / "scripts" / "toolchain.sh"), "--print-bin"]).strip()
    os.environ.update(pulumi_environment(dict(os.environ), toolchain_bin))
    url = os.environ["PULUMI_BACKEND_URL"]

    # 1. nothing may still be running
    left = wait_for_orphans()
    if left:
        pids = " ".join(map(str, left))
        raise EnvError(
            f"Pulumi plugins outlived their engine (pids {pids}); a provider may still be "
            f"creating resources. Stop them (kill {pids}) and run this again."
        )
    project = project_name(Path("Pulumi.yaml").read_text())
    state = file_backend(url)

    # 2. half-written files of the killed update
    if state is not None and (state / ".pulumi").is_dir():
        for path, why in remove_half_written(state, project, stack):
            log.say(f"removed {path}: {why}")

    clear_lock(stack, project, url, state)
    import_pending(stack)
    log.say(f"{stack} recovered; now run `pulumi up --stack {stack}` (make up STACK={stack})")
    return 0
