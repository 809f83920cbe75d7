"""The rule runner: takes recorded events after their commit and runs their rules, each
record in one transaction with what its rules did, so a restart loses nothing and runs
nothing twice; any number of runners may run at once (a record is taken in the transaction
that runs it, locked until its commit)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.automation import records
from crm.automation.engine import SpecCache, run_rules
from crm.models import RuleEvent, utcnow
from crm.notifications import commit_with_notifications

log = logging.getLogger(__name__)
BATCH = 50
IDLE_POLL_SECONDS = 1.0


class Looked(Enum):
    NOTHING_DUE = "nothing due"
    RAN_THE_LAST = "ran the only record due"
    RAN_ONE_OF_MORE = "ran one of the records due"


class Wakeable(Protocol):
    def wake(self) -> None: ...


class RuleRunner:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        outbox: Wakeable,
        *,
        clock: Callable[[], datetime] = utcnow,
        poll_seconds: float = IDLE_POLL_SECONDS,
    ) -> None:
        """``outbox`` is woken after a commit that may have written messages. Idle, the
        runner looks again when woken (:mod:`crm.wakeups`) or after ``poll_seconds``."""
        self.session_factory = session_factory
        self.outbox = outbox
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.specs = SpecCache()
        self._woken = asyncio.Event()
        self._stopping = asyncio.Event()

    def wake(self) -> None:
        self._woken.set()

    def stop(self) -> None:
        self._stopping.set()
        self._woken.set()

    async def run(self) -> None:
        """Run rules until :meth:`stop`; a record is taken only in the transaction that runs
        it, so nothing is left claimed. A database that cannot be reached is asked again when
        woken or at the next poll."""
        while not self._stopping.is_set():
            self._woken.clear()
            if not await self._ran_any():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._woken.wait(), self.poll_seconds)

    async def _ran_any(self) -> bool:
        try:
            return await self.run_due() > 0
        except (SQLAlchemyError, OSError) as error:
            log.warning("rule runner: the database did not answer (%s); trying again", error)
            return False

    async def run_due(self) -> int:
        """Run the rules of up to one batch of due records; the number run. The last one
        taken said whether others were due: none means no look that would find nothing (a
        record committed since wakes the runner)."""
        ran = 0
        while ran < BATCH and not self._stopping.is_set():
            looked = await self.run_next()
            if looked is Looked.NOTHING_DUE:
                break
            ran += 1
            if looked is Looked.RAN_THE_LAST:
                break
        return ran

    async def run_next(self) -> Looked:
        """Take the oldest due record and run its rules in the same transaction (no claim of
        its own to commit first)."""
        now = self.clock()
        record: RuleEvent | None = None
        try:
            async with self.session_factory() as session:
                taken = await records.take_due(session, now=now)
                if taken is None:
                    return Looked.NOTHING_DUE
                record = taken.record
                await run_rules(session, taken, now=now, specs=self.specs)
                await commit_with_notifications(session)
        except Exception as error:
            if record is None:
                raise
            await self._failed(record, now, error)
            return Looked.RAN_ONE_OF_MORE
        self.outbox.wake()
        return Looked.RAN_ONE_OF_MORE if taken.more_due else Looked.RAN_THE_LAST

    async def _failed(self, record: RuleEvent, now: datetime, error: Exception) -> None:
        """A bug or the database: the record is tried again later."""
        log.exception("rules of event %s failed; trying again later", record.id)
        async with self.session_factory() as session:
            await records.record_error(session, record=record, now=now, error=repr(error))
            await session.commit()
