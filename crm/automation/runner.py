"""The rule runner: takes recorded events after their commit and runs their rules, each
record in one transaction with what its rules did, so a restart loses nothing and runs
nothing twice; any number of runners may run at once (a record is taken in the transaction
that runs it, locked until its commit)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from enum import Enum
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from crm.automation import records
from crm.automation.engine import SpecCache, nothing_fires, run_rules
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
        self._held: AsyncConnection | None = None
        self._holding = False

    def wake(self) -> None:
        self._woken.set()

    def stop(self) -> None:
        self._stopping.set()
        self._woken.set()

    async def run(self) -> None:
        """Run rules until :meth:`stop`; a record is taken only in the transaction that runs
        it, so nothing is left claimed. A database that cannot be reached is asked again when
        woken or at the next poll."""
        async with self.holding_a_connection():
            while not self._stopping.is_set():
                self._woken.clear()
                if not await self._ran_any():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._woken.wait(), self.poll_seconds)

    @contextlib.asynccontextmanager
    async def holding_a_connection(self) -> AsyncIterator[None]:
        """Keep one connection for the records taken inside the block, as :meth:`run` does.
        The runner looks at least once a poll, and a connection taken from the pool is
        checked first, a round trip on PostgreSQL (holding one took a record whose rules did
        nothing from 2.9-3.1 ms to 2.35-2.5 on a loaded machine). Not on SQLite, whose pool
        gives a connection unchecked and at once the one the change just used (its thread
        awake, its pages in its cache): a connection of the runner's own was slower there. A
        connection that failed is given back and another taken for the next record."""
        self._holding = self._engine().dialect.name != "sqlite"
        try:
            yield
        finally:
            self._holding = False
            await self._let_go()

    async def _connection(self) -> AsyncConnection:
        if self._held is None:
            self._held = await self._engine().connect()
        return self._held

    async def _let_go(self) -> None:
        """Give the held connection back: after an error it may be broken (the pool checks
        the next one it gives)."""
        held, self._held = self._held, None
        if held is not None:
            with contextlib.suppress(SQLAlchemyError, OSError):
                await held.close()

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
        its own to commit first). The take and the check of the rules are Core on the
        connection; a session is opened on that transaction only when some rule may act (or
        the rules must be read)."""
        now = self.clock()
        taken: records.Taken | None = None
        try:
            async with self._connected() as connection:
                transaction = await connection.begin()
                try:
                    taken = await records.take_due(connection, now=now)
                    if taken is None:
                        return Looked.NOTHING_DUE
                    if await nothing_fires(connection, taken, self.specs):
                        await transaction.commit()
                    else:
                        await self._run_rules(connection, taken, now)
                finally:
                    if transaction.is_active:
                        await transaction.rollback()
        except Exception as error:
            await self._let_go()
            if taken is None:
                raise
            await self._failed(taken.record, now, error)
            return Looked.RAN_ONE_OF_MORE
        return Looked.RAN_ONE_OF_MORE if taken.more_due else Looked.RAN_THE_LAST

    async def _run_rules(
        self, connection: AsyncConnection, taken: records.Taken, now: datetime
    ) -> None:
        """Run the rules in a session that takes over the transaction of the take: its commit
        (with what the rules told people) is the transaction's."""
        async with self.session_factory(
            bind=connection, join_transaction_mode="control_fully"
        ) as session:
            await run_rules(session, taken, now=now, specs=self.specs)
            await commit_with_notifications(session)
        self.outbox.wake()

    @contextlib.asynccontextmanager
    async def _connected(self) -> AsyncIterator[AsyncConnection]:
        """The held connection inside :meth:`holding_a_connection`, else one from the pool
        for this record."""
        if self._holding:
            yield await self._connection()
            return
        async with self._engine().connect() as connection:
            yield connection

    def _engine(self) -> AsyncEngine:
        engine = self.session_factory.kw["bind"]
        assert isinstance(engine, AsyncEngine)
        return engine

    async def _failed(self, record: RuleEvent, now: datetime, error: Exception) -> None:
        """A bug or the database: the record is tried again later."""
        log.exception("rules of event %s failed; trying again later", record.id)
        async with self.session_factory() as session:
            await records.record_error(session, record=record, now=now, error=repr(error))
            await session.commit()
