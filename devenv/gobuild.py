"""The one driver of the Go builds: every binary the local environment builds from the Go
module proxy (no registry reachable here ships them), in a cache folder named by a key.

What is built lives in `devenv/builds.py`; this module is how. A build's output folder is
named by a key: the pinned versions plus a short hash of the build's inputs, so a change
to a pin or to netkit's Go sources builds into a new folder and an old folder is never
patched. Each binary is built only when missing, into a temporary name, then moved into
place; a run with everything in place only checks (about a second).

The modes, as each entry script offers them:
  (none)       build what is missing, then print the result's path
  --check      exit 0 (and print the path) if everything is built, 1 otherwise; builds nothing
  --print-bin  print the path and exit (builds nothing)

Progress goes to stderr, one line per step: step i/n, the binary, the time elapsed, and an
estimate of what is left, from the last build of each binary on this machine
(`build-times.json` in the per-user cache) or else from a build on a fresh machine.
`NETKIT_BUILD_JOBS` (default 1) builds that many independent binaries at once.

Standard library only: it runs before the project's virtualenv exists.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from devenv.errors import EnvError
from devenv.log import Log
from devenv.paths import REPO, cache_home
from devenv.run import run_shown

GO_ENV = {
    # Builds use the committed go.sum files only (no module resolution at build time).
    "GOFLAGS": "-mod=readonly -trimpath -buildvcs=false",
    "GOTOOLCHAIN": "local",
    "CGO_ENABLED": "0",
}

JOBS_VARIABLE = "NETKIT_BUILD_JOBS"
TIMES_FILE = "build-times.json"
UNKNOWN_SECONDS = 60.0
"""The estimate for a binary with neither a recorded build nor a default."""

MODES = {"": "build", "--check": "check", "--print-bin": "print"}


# ---- versions.env ------------------------------------------------------------------------
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)")


def read_env_file(path: Path) -> dict[str, str]:
    """The KEY=VALUE lines of a versions.env file (comments and blank lines skipped).

    The files are plain KEY=VALUE lines so that bash and make can read them too; this
    reads that subset only and names the line that is anything else.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise EnvError(f"cannot read {shown(path)}: {err.strerror}") from err
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _ASSIGNMENT.fullmatch(line)
        if match is None:
            raise EnvError(
                f"{shown(path)}:{number} is not a KEY=VALUE line: {line!r}; "
                "write plain KEY=VALUE lines there"
            )
        value = match[2]
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[match[1]] = value
    return values


@dataclass(frozen=True)
class Versions:
    """The values of one versions.env file, each looked up with the file named on failure."""

    path: Path
    values: Mapping[str, str]

    @classmethod
    def read(cls, path: Path) -> Versions:
        return cls(path, read_env_file(path))

    def __getitem__(self, key: str) -> str:
        value = self.values.get(key)
        if not value:
            raise EnvError(f"{shown(self.path)} sets no {key}; add a line {key}=VALUE there")
        return value

    def pin(
        self, go_mod: Path, module: str, key: str, *, v: str = "", replace: bool = False
    ) -> Pin:
        """The go.mod must require (or replace `module` with) `v` + the value of `key`."""
        return Pin(
            go_mod, module, v + self[key], f"{shown(self.path)} says {key}={self[key]}", replace
        )


def shown(path: Path) -> str:
    """A path as the user reads it: relative to the checkout when inside it."""
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


# ---- the key -----------------------------------------------------------------------------
def _files(root: Path, name: str) -> Iterator[str]:
    """`find NAME -type f ! -name '*.md'` run in `root`: regular files only (symbolic links
    neither listed nor followed), each named as find prints it."""
    try:
        mode = os.lstat(root / name).st_mode
    except OSError as err:
        raise EnvError(f"cannot read {shown(root / name)}: {err.strerror}") from err
    if stat.S_ISREG(mode):
        if not name.endswith(".md"):
            yield name
    elif stat.S_ISDIR(mode):
        for entry in (root / name).iterdir():
            yield from _files(root, f"{name}/{entry.name}")


def _sha256sum_line(digest: str, name: bytes) -> bytes:
    """One line of `sha256sum FILE`: GNU coreutils escapes a name holding a backslash,
    newline or carriage return, and then starts the line with a backslash."""
    if any(c in name for c in b"\\\n\r"):
        escaped = name.replace(b"\\", b"\\\\").replace(b"\n", b"\\n").replace(b"\r", b"\\r")
        return b"\\" + digest.encode() + b"  " + escaped + b"\n"
    return digest.encode() + b"  " + name + b"\n"


def source_hash(root: Path, inputs: Sequence[str] = (".",)) -> str:
    """The first 10 hex digits of what the scripts computed, byte for byte:

        cd ROOT && find INPUTS -type f ! -name '*.md' -print0 | LC_ALL=C sort -z |
            xargs -0 sha256sum | sha256sum | cut -c1-10

    so that the folders built before keep their names. Inputs are named as `./x`.
    """
    names = sorted(os.fsencode(name) for inp in inputs for name in _files(root, inp))
    listing = b""
    for name in names:
        digest = hashlib.sha256((root / os.fsdecode(name)).read_bytes()).hexdigest()
        listing += _sha256sum_line(digest, name)
    if not names:
        # xargs runs sha256sum once even without input: it then reads an empty stdin.
        listing = _sha256sum_line(hashlib.sha256(b"").hexdigest(), b"-")
    return hashlib.sha256(listing).hexdigest()[:10]


# ---- pins --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pin:
    """A go.mod must require (or, with `replace`, replace a module with) the version its
    versions.env names: a bump of one side fails until the other follows."""

    go_mod: Path
    module: str
    version: str
    told_by: str
    """Where the version comes from, e.g. `toolchain/versions.env says PULUMI_VERSION=1.2.3`."""
    replace: bool = False


def require_pin(pin: Pin) -> None:
    """Check one pin; its failure is one line naming the go.mod, the module and the fix."""
    module, version = re.escape(pin.module), re.escape(pin.version)
    if pin.replace:
        pattern = rf"^\s*(replace\s+)?{module} => {module} {version}(\s|$)"
        wanted = f"replace {pin.module} with {pin.version}"
    else:
        pattern = rf"^\s*(require\s+)?{module} {version}( |$)"
        wanted = f"require {pin.module} {pin.version}"
    try:
        text = pin.go_mod.read_text(encoding="utf-8")
    except OSError as err:
        raise EnvError(f"cannot read {shown(pin.go_mod)}: {err.strerror}") from err
    if re.search(pattern, text, re.MULTILINE) is None:
        raise EnvError(f"{shown(pin.go_mod)} does not {wanted} ({pin.told_by}); fix one of them")


# ---- what is built -----------------------------------------------------------------------
class Recipe(Protocol):
    """How one binary is made: write it to `out` (a temporary name) or raise."""

    def __call__(self, out: Path) -> None: ...


class Finish(Protocol):
    """A step after the builds (a plugin install): whether it is done, and doing it."""

    def current(self) -> bool: ...

    def install(self, log: Log) -> None: ...


@dataclass(frozen=True)
class Binary:
    name: str
    folder: Path
    recipe: Recipe
    seconds: float
    """How long its build took on a fresh machine (the estimate before one here)."""

    @property
    def path(self) -> Path:
        return self.folder / self.name


@dataclass(frozen=True)
class Toolchain:
    """One cache folder's worth of binaries, as one entry script builds them."""

    result: Path
    """What stdout's last line names: the bin folder, or the one binary."""
    missing: str
    """What --check says when something is not built, e.g. `not built yet: PATH`."""
    binaries: tuple[Binary, ...]
    pins: tuple[Pin, ...] = ()
    finish: tuple[Finish, ...] = ()
    go: str = "Go"
    """The Go the build needs, as the error names it."""
    scratch: Path | None = None
    """A folder the recipes work in, removed after a build."""


def is_built(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def complete(tc: Toolchain) -> bool:
    return all(is_built(b.path) for b in tc.binaries) and all(f.current() for f in tc.finish)


def go(*args: str | Path, env: Mapping[str, str] = GO_ENV, cwd: Path | None = None) -> None:
    """`go ARGS...` with the build's environment, its output on stderr."""
    run_shown(["go", *map(str, args)], env=env, cwd=cwd)


@dataclass(frozen=True)
class GoBuild:
    """`go build -C MODULE_DIR -ldflags LDFLAGS -o OUT PACKAGE`."""

    module_dir: Path
    package: str
    ldflags: str = "-s -w"

    def __call__(self, out: Path) -> None:
        go("build", "-C", self.module_dir, "-ldflags", self.ldflags, "-o", out, self.package)


# ---- estimates ---------------------------------------------------------------------------
class BuildTimes:
    """How long each binary's last build took on this machine (`build-times.json` in the
    per-user cache), falling back to the defaults measured on a fresh machine."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.recorded: dict[str, float] = {}
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            loaded = {}  # none yet, or unreadable: only estimates are lost
        if isinstance(loaded, dict):
            self.recorded = {
                k: float(v) for k, v in loaded.items() if isinstance(v, int | float) and v >= 0
            }

    def expected(self, binary: Binary) -> float:
        return self.recorded.get(binary.name, binary.seconds)

    def record(self, name: str, seconds: float) -> None:
        self.recorded[name] = round(seconds, 1)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp.{os.getpid()}")
        tmp.write_text(json.dumps(self.recorded, indent=1, sort_keys=True) + "\n", "utf-8")
        tmp.replace(self.path)


def time_left(seconds: Sequence[float], jobs: int) -> float:
    """What is left of builds expected to take `seconds`, `jobs` at once, in order: each
    starts when the first of the jobs is free (one at a time, their sum)."""
    busy = [0.0] * jobs
    for each in seconds:
        busy[busy.index(min(busy))] += each
    return max(busy)


def about(seconds: float) -> str:
    return f"about {max(1, round(seconds / 60))} min left"


def clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60} s" if whole >= 60 else f"{whole} s"


def jobs_from_env(environ: Mapping[str, str] = os.environ) -> int:
    """`NETKIT_BUILD_JOBS`: how many binaries to build at once (default 1)."""
    value = environ.get(JOBS_VARIABLE, "").strip() or "1"
    if not value.isdigit() or int(value) < 1:
        raise EnvError(f"{JOBS_VARIABLE}={value!r} is not a whole number >= 1; unset it or fix it")
    return int(value)


# ---- building ----------------------------------------------------------------------------
def build_one(binary: Binary) -> float:
    """Build `binary` into a temporary name beside it, then move it into place; the
    seconds it took. An interrupted build leaves no file under the final name."""
    binary.folder.mkdir(parents=True, exist_ok=True)
    tmp = binary.folder / f".{binary.name}.tmp.{os.getpid()}"
    start = time.monotonic()
    tmp.unlink(missing_ok=True)
    try:
        binary.recipe(tmp)
        tmp.chmod(0o755)
        tmp.replace(binary.path)
    finally:
        tmp.unlink(missing_ok=True)
    return time.monotonic() - start


@dataclass
class Progress:
    """The progress lines of one run: step i/n, the binary, elapsed, what is left."""

    log: Log
    times: BuildTimes
    jobs: int
    todo: Sequence[Binary]
    start: float = field(default_factory=time.monotonic)
    started: int = 0
    left: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.left = {b.name: self.times.expected(b) for b in self.todo}

    def remaining(self) -> str:
        return about(time_left(list(self.left.values()), self.jobs))

    def begin(self) -> None:
        at_once = f", {self.jobs} at once" if self.jobs > 1 else ""
        names = ", ".join(b.name for b in self.todo)
        self.log.say(f"{len(self.todo)} to build ({names}){at_once}, {self.remaining()}")

    def step(self, binary: Binary) -> None:
        with self.lock:
            self.started += 1
            elapsed = clock(time.monotonic() - self.start)
            self.log.say(
                f"step {self.started}/{len(self.todo)}: building {binary.name} "
                f"({elapsed} elapsed, {self.remaining()})"
            )

    def done(self, binary: Binary, seconds: float) -> None:
        with self.lock:
            self.left.pop(binary.name, None)
            self.times.record(binary.name, seconds)
            self.log.say(f"built {binary.name} in {clock(seconds)}")


def build_all(todo: Sequence[Binary], progress: Progress) -> None:
    """Build `todo`, `progress.jobs` at once; the first failure is raised once the builds
    already running have ended."""

    def one(binary: Binary) -> None:
        progress.step(binary)
        progress.done(binary, build_one(binary))

    progress.begin()
    if progress.jobs == 1:
        for binary in todo:
            one(binary)
        return
    # Imported here: every `make` runs these scripts' --print-bin, which should stay quick.
    from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

    with ThreadPoolExecutor(progress.jobs) as pool:
        futures = [pool.submit(one, binary) for binary in todo]
        finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = [f for f in finished if f.exception() is not None]
        if failed:
            pool.shutdown(wait=True, cancel_futures=True)
            failed[0].result()


def drive(tc: Toolchain, mode: str, part: str, *, jobs: int = 1) -> int:
    """Run one mode on one toolchain; the result's path is stdout's last line."""
    log = Log(part)
    if mode == "print":
        print(tc.result)
        return 0
    if mode == "check":
        if not complete(tc):
            raise EnvError(f"{tc.missing} (run scripts/{part}.sh)")
        print(tc.result)
        return 0
    if complete(tc):
        print(tc.result)
        return 0
    for pin in tc.pins:
        require_pin(pin)
    todo = [b for b in tc.binaries if not is_built(b.path)]
    if todo:
        if shutil.which("go") is None:
            raise EnvError(f"needs {tc.go} on PATH")
        times = BuildTimes(cache_home() / TIMES_FILE)
        try:
            build_all(todo, Progress(log, times, jobs, todo))
        finally:
            if tc.scratch is not None:
                shutil.rmtree(tc.scratch, ignore_errors=True)
    for step in tc.finish:
        if not step.current():
            step.install(log)
    log.say(f"ready: {tc.result}")
    print(tc.result)
    return 0


def main(argv: Sequence[str], part: str, make: Callable[[], Toolchain]) -> int:
    """An entry script's `main`: `[--check | --print-bin]`, then `drive`."""
    first = argv[0] if argv else ""  # as the scripts did: later arguments are ignored
    if first not in MODES:
        print(f"usage: scripts/{part}.sh [--check | --print-bin]", file=sys.stderr)
        return 2
    mode = MODES[first]
    jobs = jobs_from_env() if mode == "build" else 1
    return drive(make(), mode, part, jobs=jobs)
