"""A supervised process: started once, its pid kept, stopped with everything it started."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from devenv.errors import EnvError
from devenv.process import Supervised, is_zombie, pid_alive, wait_until


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


def test_the_process_keeps_no_descriptor_of_the_caller(tmp_path: Path) -> None:
    """A lock taken around a start (`flock FILE scripts/cluster.sh start` passes its lock
    on as an inheritable descriptor) must not be held by the processes started."""
    held = os.open(tmp_path / "lock", os.O_CREAT | os.O_RDWR)
    os.set_inheritable(held, True)
    try:
        proc = Supervised("sleeper", tmp_path, tmp_path)
        proc.launch(["sleep", "30"])
        pid = proc.pid()
        assert pid is not None
        wait_until("the exec", 5, lambda: Path(f"/proc/{pid}/exe").resolve().name == "sleep")
        assert sorted(int(fd.name) for fd in Path(f"/proc/{pid}/fd").iterdir()) == [0, 1, 2]
        proc.stop()
    finally:
        os.close(held)


def test_an_exited_process_not_yet_reaped_by_its_parent_counts_as_gone(tmp_path: Path) -> None:
    # A shell that starts a child and then stops itself without waiting for it: the child
    # exits and stays a zombie of that shell (not of this process) until the shell is killed.
    import signal as signals
    import subprocess

    marker = tmp_path / "child.pid"
    parent = subprocess.Popen(["sh", "-c", f"sleep 0.1 & echo $! > {marker}; kill -STOP $$"])
    try:
        wait_until("the child", 5, marker.exists)
        time.sleep(0.05)
        child = int(marker.read_text())
        wait_until("the child to exit", 5, lambda: is_zombie(child))
        assert not pid_alive(child)
    finally:
        parent.send_signal(signals.SIGKILL)
        parent.wait()
