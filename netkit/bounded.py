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
    items: Sequence[T], one: Callable[[T], R], *, deadline: float, parallel: int
) -> list[R]:
    """`one(item)` for each of `items`, `parallel` at a time; the results in the order of
    `items`. Beyond `deadline` seconds in all, the jobs not started are cancelled and
    TimeoutError says how many ran."""
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = [pool.submit(one, item) for item in items]
        stop = time.monotonic() + deadline
        results: list[R] = []
        for future in futures:
            try:
                results.append(future.result(timeout=max(0.0, stop - time.monotonic())))
            except FutureTimeout:
                for pending in futures:
                    pending.cancel()
                raise TimeoutError(
                    f"probes took longer than {deadline:.0f}s; {len(results)} of {len(items)} ran"
                ) from None
    return results
