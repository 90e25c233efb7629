"""Many small jobs a few at a time within one deadline: the probes' runner."""

from __future__ import annotations

import threading
import time

import pytest

from netkit.bounded import run_within


def test_results_come_in_the_order_of_the_items_whatever_order_they_finish_in():
    def slow_first(n: int) -> int:
        time.sleep(0.05 if n == 0 else 0)
        return n * n

    assert run_within([0, 1, 2, 3], slow_first, deadline=10, parallel=4) == [0, 1, 4, 9]


def test_no_more_than_parallel_jobs_run_at_once():
    running, most = 0, 0
    lock = threading.Lock()

    def job(_: int) -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.01)
        with lock:
            running -= 1

    run_within(range(12), job, deadline=10, parallel=3)  # type: ignore[arg-type]
    assert most <= 3


def test_beyond_the_deadline_it_says_how_many_ran():
    release = threading.Event()

    def job(n: int) -> int:
        if n == 1:
            release.wait(1)
        return n

    with pytest.raises(TimeoutError, match=r"^probes took longer than 0s; 1 of 3 ran$"):
        run_within([0, 1, 2], job, deadline=0.2, parallel=1)
    release.set()


def test_a_deadline_counts_from_when_it_started_and_names_what_ran():
    release = threading.Event()

    def job(n: int) -> int:
        release.wait(1)
        return n

    # Started 5 s ago with a deadline of 1 s: nothing more may run.
    with pytest.raises(TimeoutError, match=r"^probes took longer than 1s; 0 of 2 pods ran$"):
        run_within([0, 1], job, deadline=1, parallel=1, started=time.monotonic() - 5, unit="pods")
    release.set()
