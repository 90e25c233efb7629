"""Progress lines on stderr, each prefixed with the part of the environment speaking."""

from __future__ import annotations

import sys


class Log:
    def __init__(self, who: str) -> None:
        self.who = who

    def say(self, message: str) -> None:
        print(f"{self.who}: {message}", file=sys.stderr, flush=True)
