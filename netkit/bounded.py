"""Running many small jobs (one probe each) a few at a time, within one deadline for all."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def run_within(
    items: Sequence[T],
    one: Callable[[T], R],
    *,
    deadline: float,
    parallel: int,
    started: float | None = None,
    unit: str = "",
) -> list[R]:
    """`one(item)` for each of `items`, `parallel` at a time; the results in the order of
    `items`. Beyond `deadline` seconds in all (counted from `started`, a `time.monotonic()`
    reading, when a deadline spans several runs; else from now), the jobs not started are
    cancelled and TimeoutError says how many `unit` ran."""
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = [pool.submit(one, item) for item in items]
        stop = (time.monotonic() if started is None else started) + deadline
        results: list[R] = []
        for future in futures:
            try:
                results.append(future.result(timeout=max(0.0, stop - time.monotonic())))
            except FutureTimeout:
                for pending in futures:
                    pending.cancel()
                counted = f"{len(results)} of {len(items)}" + (f" {unit}" if unit else "")
                raise TimeoutError(
                    f"probes took longer than {deadline:.0f}s; {counted} ran"
                ) from None
    return results
