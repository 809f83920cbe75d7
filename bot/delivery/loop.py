"""The loop every sender runs: send what is due, at once when woken after a commit, else at
the next poll; on a stop, finish what is in flight and hand the rest back. A database that
does not answer is asked again when woken or at the next poll: the sender never dies of it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod

from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)
# What an unreachable or restarting database raises.
DATABASE_FAILURES = (SQLAlchemyError, OSError)

IDLE_POLL_SECONDS = 1.0


class SendingLoop(ABC):
    def __init__(self, *, poll_seconds: float = IDLE_POLL_SECONDS) -> None:
        self.poll_seconds = poll_seconds
        self._woken = asyncio.Event()
        self._stopping = asyncio.Event()

    @abstractmethod
    async def send_due(self) -> int:
        """Claim one batch of due messages and send it; the number claimed."""

    @abstractmethod
    async def release_claims(self) -> None:
        """Hand back what this sender claimed but did not send."""

    def wake(self) -> None:
        """New messages may have been committed: look now rather than at the next poll."""
        self._woken.set()

    def stop(self) -> None:
        self._stopping.set()
        self._woken.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def run(self) -> None:
        """Send until :meth:`stop`; what was in flight is finished, the rest handed back."""
        try:
            while not self._stopping.is_set():
                self._woken.clear()
                if not await self._sent_any():
                    await self._idle()
        finally:
            await self._hand_back()

    async def _sent_any(self) -> bool:
        try:
            return await self.send_due() > 0
        except DATABASE_FAILURES as error:
            log.warning("%s: the database did not answer (%s)", type(self).__name__, error)
            return False

    async def _hand_back(self) -> None:
        try:
            await self.release_claims()
        except DATABASE_FAILURES as error:
            # The claims' leases run out instead: another sender takes them then.
            log.warning("%s: claims not handed back (%s)", type(self).__name__, error)

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._woken.wait(), self.poll_seconds)
