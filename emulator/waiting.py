"""Waiting for the emulator's state to change without polling it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class ChangeSignal:
    """Wakes every waiter on each change; each waiter re-checks its own condition."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_for(self, condition: Callable[[], bool], max_wait: float | None) -> bool:
        """Wait until condition() holds; False if max_wait seconds pass first."""
        loop = asyncio.get_running_loop()
        deadline = None if max_wait is None else loop.time() + max_wait
        while not condition():
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return False
            waiter = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                return condition()
            finally:
                self._waiters.discard(waiter)
        return True
