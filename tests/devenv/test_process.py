"""A supervised process: started once, its pid kept, stopped with everything it started."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from devenv.errors import EnvError
from devenv.process import Supervised, pid_alive, wait_until


def test_launch_records_the_pid_logs_the_output_and_does_not_start_twice(tmp_path: Path) -> None:
    proc = Supervised("sleeper", tmp_path / "run", tmp_path / "logs")
    proc.launch(["sh", "-c", "echo started; exec sleep 30"])
    first = proc.pid()
    assert first is not None and proc.alive()
    proc.launch(["sh", "-c", "echo again; exec sleep 30"])
    assert proc.pid() == first
    wait_until("the log line", 5, lambda: "started" in proc.log_file.read_text())
    proc.stop()
    assert not pid_alive(first)
    assert not proc.pid_file.exists()
    assert "again" not in proc.log_file.read_text()


def test_stop_reaches_the_children_of_the_process_group(tmp_path: Path) -> None:
    proc = Supervised("parent", tmp_path, tmp_path)
    marker = tmp_path / "child.pid"
    proc.launch(["sh", "-c", f"sleep 30 & echo $! > {marker}; wait"])
    wait_until("the child", 5, marker.exists)
    time.sleep(0.1)
    child = int(marker.read_text())
    assert pid_alive(child)
    proc.stop()
    wait_until("the child to go", 5, lambda: not pid_alive(child))


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    proc = Supervised("stubborn", tmp_path, tmp_path)
    proc.launch(["sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"])
    pid = proc.pid()
    assert pid is not None
    time.sleep(0.2)
    proc.stop(grace=0.5)
    wait_until("the stubborn process to go", 5, lambda: not pid_alive(pid))


def test_a_stale_pid_file_is_not_alive(tmp_path: Path) -> None:
    proc = Supervised("gone", tmp_path, tmp_path)
    proc.pid_file.write_text("999999999\n")
    assert not proc.alive()
    proc.pid_file.write_text("not a pid\n")
    assert not proc.alive()


def test_wait_until_names_what_did_not_come_up(tmp_path: Path) -> None:
    with pytest.raises(EnvError, match=r"etcd did not come up within 0.2 s; see the log"):
        wait_until("etcd", 0.2, lambda: False, hint="see the log")


def test_a_descriptor_of_the_caller_is_not_passed_on(tmp_path: Path) -> None:
    # `flock LOCK command` leaves the lock's descriptor open in the command: a daemon
    # that kept it would hold the lock for as long as it runs.
    held = os.open(tmp_path / "lock", os.O_RDONLY | os.O_CREAT)
    os.set_inheritable(held, True)
    proc = Supervised("daemon", tmp_path, tmp_path)
    listing = tmp_path / "fds"
    try:
        proc.launch(["sh", "-c", f"ls /proc/$$/fd > {listing}.tmp; mv {listing}.tmp {listing}; exec sleep 30"])  # fmt: skip
        wait_until("the listing", 5, listing.exists)
        assert str(held) not in listing.read_text().split()
    finally:
        proc.stop()
        os.close(held)
