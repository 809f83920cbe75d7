"""For the tests that a commit wakes an idle worker: a clock it can be shown to have looked
at, and a poll so long that only a wake gets it going again within a test."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

# Long enough that a worker waiting this long fails the test (a wake never came).
AN_HOUR = 3600.0
# How long a test waits for a woken worker's effect before it fails.
FAILS_AFTER_SECONDS = 60.0
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


class LateClock:
    """A worker's clock that is behind everything written until :meth:`catch_up`: what the
    worker looks for while it is behind is not due, so it goes idle."""

    def __init__(self) -> None:
        self.read = asyncio.Event()
        self._caught_up = False

    def __call__(self) -> datetime:
        self.read.set()
        return datetime.now(UTC) if self._caught_up else LONG_AGO

    def catch_up(self) -> None:
        self._caught_up = True
