"""One round of each scheduled job: find what is due in the database, write it to the outbox
in one transaction, and wake the sender if anything was written.

The database is the source of truth, so a round may run in any number of processes at once,
again after a restart, or late: each row it writes is written once (see ``crm.reminders``,
``crm.idle_deals`` and ``crm.digests``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.automation.records import forget_settled_records
from crm.automation.timers import record_timed_events
from crm.digests import enqueue_due_digests
from crm.idle_deals import nudge_idle_deals
from crm.reminders import DEFAULT_OVERDUE_AFTER, enqueue_due_reminders, escalate_overdue_tasks
from crm.services.intake import KEEP_RECEIPTS, forget_old_receipts
from crm.webhooks import forget_settled_deliveries

log = logging.getLogger(__name__)
Work = Callable[[AsyncSession, datetime], Awaitable[int]]


class Wakeable(Protocol):
    """Whoever sends the outbox: told that new rows may have been committed."""

    def wake(self) -> None: ...


class Rounds:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        outbox: Wakeable,
        *,
        clock: Callable[[], datetime],
        overdue_after: timedelta = DEFAULT_OVERDUE_AFTER,
        keep_receipts: timedelta = KEEP_RECEIPTS,
    ) -> None:
        self.session_factory = session_factory
        self.outbox = outbox
        self.clock = clock
        self.overdue_after = overdue_after
        self.keep_receipts = keep_receipts

    async def reminders(self) -> int:
        return await self._round("reminders", lambda s, now: enqueue_due_reminders(s, now=now))

    async def overdue_tasks(self) -> int:
        return await self._round(
            "overdue tasks",
            lambda s, now: escalate_overdue_tasks(s, now=now, overdue_after=self.overdue_after),
        )

    async def idle_deals(self) -> int:
        return await self._round("idle deals", lambda s, now: nudge_idle_deals(s, now=now))

    async def rule_timers(self) -> int:
        """Leads gone idle and tasks come due, recorded for the automation rules that wait
        for them (the rule runner takes them from there)."""
        return await self._round("rule timers", lambda s, now: record_timed_events(s, now=now))

    async def digests(self) -> int:
        return await self._round("digests", lambda s, now: enqueue_due_digests(s, now=now))

    async def intake_receipts(self) -> int:
        """Forget intake receipts older than ``keep_receipts``; how many. Nothing to send."""
        return await self._round(
            "intake receipts",
            lambda s, now: forget_old_receipts(s, now=now, keep=self.keep_receipts),
            writes_outbox=False,
        )

    async def settled_rule_records(self) -> int:
        """Forget the rule runner's records done a while ago; how many. Nothing to send."""
        return await self._round(
            "settled rule records",
            lambda s, now: forget_settled_records(s, now=now),
            writes_outbox=False,
        )

    async def settled_webhook_deliveries(self) -> int:
        """Forget webhook deliveries settled a while ago, keeping each webhook's log; how
        many. Nothing to send."""
        return await self._round(
            "settled webhook deliveries",
            lambda s, now: forget_settled_deliveries(s, now=now),
            writes_outbox=False,
        )

    async def _round(self, name: str, work: Work, *, writes_outbox: bool = True) -> int:
        """The number of rows written (outbox rows, unless ``writes_outbox`` is False); none
        when the database could not be reached (the next round tries again)."""
        try:
            async with self.session_factory() as session:
                written = await work(session, self.clock())
                await session.commit()
        except (SQLAlchemyError, OSError) as error:
            log.warning("scheduler: the %s round failed and will run again: %s", name, error)
            return 0
        if written and writes_outbox:
            self.outbox.wake()
        return written
