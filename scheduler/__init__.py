"""When things happen: reminders, overdue tasks, idle deals and digests.

APScheduler's ``AsyncIOScheduler`` with its memory job store only decides when to look; the
database decides what is due and what was sent, so any number of processes may run the same
jobs at once (``crm-bot run`` and any ``crm-bot worker``). Every job runs once at start, so
what came due while nothing ran goes out then.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.memory import MemoryJobStore  # type: ignore[import-untyped]
from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.models import utcnow
from crm.reminders import DEFAULT_OVERDUE_AFTER
from crm.services.intake import KEEP_RECEIPTS
from scheduler.rounds import Rounds, Wakeable

__all__ = ["Rounds", "Wakeable", "create_scheduler"]

# A reminder goes out within a couple of seconds of its minute; the rest can wait a minute.
REMINDERS_EVERY = timedelta(seconds=1)
OTHERS_EVERY = timedelta(minutes=1)
HOUSEKEEPING_EVERY = timedelta(hours=1)


def create_scheduler(
    session_factory: async_sessionmaker[AsyncSession],
    outbox: Wakeable,
    *,
    clock: Callable[[], datetime] = utcnow,
    overdue_after: timedelta = DEFAULT_OVERDUE_AFTER,
    keep_receipts: timedelta = KEEP_RECEIPTS,
) -> AsyncIOScheduler:
    """The scheduler, not yet started; ``.start()`` it inside the running event loop."""
    rounds = Rounds(
        session_factory,
        outbox,
        clock=clock,
        overdue_after=overdue_after,
        keep_receipts=keep_receipts,
    )
    scheduler = AsyncIOScheduler(
        jobstores={"default": MemoryJobStore()},
        timezone=UTC,
        # A round that overruns its interval is not run twice at once, and missed runs
        # collapse into one: each round looks at everything due anyway.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    started = datetime.now(UTC)
    for job, every in (
        (rounds.reminders, REMINDERS_EVERY),
        (rounds.overdue_tasks, OTHERS_EVERY),
        (rounds.idle_deals, OTHERS_EVERY),
        (rounds.digests, OTHERS_EVERY),
        (rounds.rule_timers, OTHERS_EVERY),
        (rounds.intake_receipts, HOUSEKEEPING_EVERY),
        (rounds.settled_rule_records, HOUSEKEEPING_EVERY),
        (rounds.settled_webhook_deliveries, HOUSEKEEPING_EVERY),
    ):
        scheduler.add_job(
            job,
            IntervalTrigger(seconds=every.total_seconds(), timezone=UTC),
            id=job.__name__,
            next_run_time=started,
        )
    return scheduler
