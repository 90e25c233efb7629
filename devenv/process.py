"""A supervised background process: a pid file, a log, a wait until ready, a clean stop.

Each process runs in a session of its own (`setsid`), so a stop reaches everything it
started (a containerd's shims, a shell's children) by signalling the whole group.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from devenv.errors import EnvError


@dataclass(frozen=True)
class Supervised:
    """A named process whose pid is kept in `run_dir/NAME.pid`, its output in `log_dir/NAME.log`."""

    name: str
    run_dir: Path
    log_dir: Path

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def alive(self) -> bool:
        pid = self.pid()
        return pid is not None and pid_alive(pid)

    def launch(self, argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> None:
        """Start `argv` in the background unless the recorded process still runs."""
        if self.alive():
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        program = shutil.which(str(argv[0]))
        if program is None:
            raise EnvError(f"{self.name}: `{argv[0]}` is not installed or not on PATH")
        pid = spawn_detached([program, *map(str, argv[1:])], self.log_file, env)
        self.pid_file.write_text(f"{pid}\n")

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM to the process's session, SIGKILL after `grace` seconds; forget the pid."""
        pid = self.pid()
        if pid is not None and pid_alive(pid):
            signal_group(pid, signal.SIGTERM)
            deadline = time.monotonic() + grace
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            signal_group(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)


MAX_FD = os.sysconf("SC_OPEN_MAX")


def spawn_detached(argv: list[str], log_file: Path, env: Mapping[str, str] | None) -> int:
    """Start `argv` in a new session, output appended to `log_file`, stdin empty.

    A plain fork and exec rather than `subprocess.Popen`: the process outlives this one by
    design, and nothing here waits for it (`pid_alive` reaps it if it exits first).
    """
    environ = dict(os.environ) if env is None else {**os.environ, **env}
    log = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    pid = os.fork()
    if pid == 0:  # the child: never returns
        try:
            os.setsid()
            nothing = os.open(os.devnull, os.O_RDONLY)
            os.dup2(nothing, 0)
            os.dup2(log, 1)
            os.dup2(log, 2)
            # Nothing else is passed on: a descriptor the caller inherited (the lock file
            # of `flock LOCK command`) would stay held for as long as the daemon runs.
            os.closerange(3, MAX_FD)
            os.execve(argv[0], argv, environ)
        finally:
            os._exit(127)
    os.close(log)
    return pid


def pid_alive(pid: int) -> bool:
    """Whether `pid` runs. A zombie counts as gone: ours is reaped here, and one whose
    parent is gone waits for the machine's init, which can take seconds to reap it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return not is_zombie(pid)
    return done == 0


def is_zombie(pid: int) -> bool:
    """Whether `pid` has exited and only waits to be reaped (state Z in /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The command name, in parentheses, may hold spaces: the state follows its last ")".
    return stat[stat.rfind(")") + 2 : stat.rfind(")") + 3] == "Z"


def signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal the session `pid` leads, or `pid` alone when it leads none."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def wait_until(what: str, seconds: float, ready: Callable[[], bool], *, hint: str = "") -> None:
    """Poll `ready` every half second; past `seconds`, fail with one line naming `what`."""
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise EnvError(
                f"{what} did not come up within {seconds:g} s{'; ' + hint if hint else ''}"
            )
        time.sleep(0.5)
