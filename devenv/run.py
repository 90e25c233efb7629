"""One way to run a command: its failure carries the command, exit status and output."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from devenv.errors import CommandFailed, EnvError


def invoke(
    args: list[str],
    *,
    env: Mapping[str, str] | None,
    timeout: float | None = None,
    **how: Any,
) -> subprocess.CompletedProcess[Any]:
    """`subprocess.run` of `args`, the environment added to this one's; a missing program
    and a timeout become the errors the user sees."""
    try:
        return subprocess.run(
            args,
            env=None if env is None else {**os.environ, **env},
            timeout=timeout,
            check=False,
            **how,
        )
    except FileNotFoundError as err:
        raise EnvError(f"`{args[0]}` is not installed or not on PATH") from err
    except subprocess.TimeoutExpired as err:
        raise CommandFailed(args, -1, f"no answer within {timeout} s") from err


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    input: str | None = None,
    timeout: float | None = None,
) -> str:
    """Run `argv`, return its standard output; stderr is kept for the error only."""
    args = [str(a) for a in argv]
    done = invoke(
        args, env=env, timeout=timeout, cwd=cwd, input=input, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise CommandFailed(args, done.returncode, (done.stdout or "") + (done.stderr or ""))
    return str(done.stdout)


def succeeds(argv: Sequence[str], *, timeout: float | None = 30) -> bool:
    """Whether `argv` exits 0 (its output discarded): for probes and existence checks."""
    try:
        run(argv, timeout=timeout)
    except EnvError:
        return False
    return True


def run_shown(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> None:
    """Run `argv` with its output going straight to this process's stderr (long builds)."""
    args = [str(a) for a in argv]
    done = invoke(args, env=env, cwd=cwd, stdout=2)
    if done.returncode != 0:
        raise CommandFailed(args, done.returncode, "(its output is above)")


def run_logged(
    argv: Sequence[str],
    log: Path,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> str:
    """Run `argv` with its output (stdout and stderr, interleaved) written to `log`; return it.

    For a command whose whole output is worth keeping (initdb, a refresh), whether or not
    it succeeds: the failure carries the output too.
    """
    args = [str(a) for a in argv]
    with log.open("w") as out:
        try:
            done = invoke(
                args,
                env=env,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        except CommandFailed as failed:
            raise CommandFailed(args, failed.status, f"{failed.output}; see {log}") from failed
    output = log.read_text(errors="replace")
    if done.returncode != 0:
        raise CommandFailed(args, done.returncode, output)
    return output
