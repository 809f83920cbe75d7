"""The scheduler itself: APScheduler runs every round once at start, so what came due while
nothing ran goes out then, and wakes the sender."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from apscheduler.events import (  # type: ignore[import-untyped]
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    JobExecutionEvent,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm import reminders
from crm.services import tasks
from scheduler import create_scheduler
from tests.scheduler.conftest import Clock, Sender, Team, outbox_rows

# Only a bound on a broken scheduler: a working one runs its first rounds at once.
STARTUP_LIMIT_SECONDS = 30


async def test_every_round_runs_at_start_and_wakes_the_sender(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    clock: Clock,
    sender: Sender,
) -> None:
    await tasks.create_task(
        session, actor=team.rep, title="Missed", due_at=clock.now - timedelta(hours=2)
    )
    await session.commit()
    scheduler = create_scheduler(session_factory, sender, clock=clock)
    ran: dict[str, bool] = {}
    all_ran = asyncio.Event()

    def record(event: JobExecutionEvent) -> None:
        ran[event.job_id] = event.exception is None
        if len(ran) == len(scheduler.get_jobs()):
            all_ran.set()

    scheduler.add_listener(record, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start()
    try:
        async with asyncio.timeout(STARTUP_LIMIT_SECONDS):
            await all_ran.wait()
    finally:
        scheduler.shutdown(wait=False)

    assert ran == {
        "reminders": True,
        "overdue_tasks": True,
        "idle_deals": True,
        "digests": True,
        "rule_timers": True,
        "intake_receipts": True,
        "settled_rule_records": True,
        "settled_webhook_deliveries": True,
    }
    (reminder,) = await outbox_rows(session_factory, reminders.REMINDER)
    assert reminder.payload["late"] is True
    assert sender.wakes >= 1
