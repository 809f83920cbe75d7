"""Digests: each rep's morning on working days, and the team's figures for each manager every
morning (yesterday) and on Mondays (the past week), at 09:00 in the reader's own time zone.

Each digest is one outbox row per person and period, keyed ``digest:<kind>:<staff>:<date>``
(the reader's local date), so it goes out once whatever restarts or however many processes
look. Only the period is stored; the figures are read when the digest is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from crm import outbox
from crm.audience import wants
from crm.idle_deals import count_idle_deals, idle_deals
from crm.models import Lead, LeadSource, Notification, Staff, Stage, StageKind, Task
from crm.money import from_minor_units
from crm.services.access import visible_leads
from crm.services.tasks import tasks_due
from crm.working_hours import is_working_day, next_working_moment

REP_DIGEST = "digest_rep"
TEAM_DAY = "digest_team_day"
TEAM_WEEK = "digest_team_week"
DIGEST_AT = time(9, 0)
MONDAY = 0
TOP_LOST_REASONS = 3
ITEMS_SHOWN = 8


@dataclass(frozen=True, slots=True)
class DueDigest:
    kind: str
    # The morning it goes out, and the first day it covers and the day after its last, all
    # dates in the reader's zone.
    day: date
    since: date
    until: date

    def key(self, staff: Staff) -> str:
        return f"digest:{self.kind.removeprefix('digest_')}:{staff.id}:{self.day.isoformat()}"

    def payload(self) -> dict[str, object]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}


def digests_of_the_day(staff: Staff, day: date) -> Iterator[DueDigest]:
    """What ``staff`` gets on the morning of ``day``: a rep their day on working days; a
    manager yesterday's figures every day and the past week's on Mondays."""
    if not staff.oversees_others:
        if is_working_day(day):
            yield DueDigest(REP_DIGEST, day, since=day, until=day + timedelta(days=1))
        return
    yield DueDigest(TEAM_DAY, day, since=day - timedelta(days=1), until=day)
    if day.weekday() == MONDAY:
        yield DueDigest(TEAM_WEEK, day, since=day - timedelta(days=7), until=day)


async def enqueue_due_digests(session: AsyncSession, *, now: datetime) -> int:
    """Write each digest whose 09:00 has come in its reader's zone and that is not written
    yet; the number written. A digest that could no longer go out the same day (its reader's
    working hours are over) is not written: the next morning brings a fresh one."""
    readers = await session.scalars(select(Staff).where(Staff.is_active.is_(True)))
    written = 0
    for staff in readers:
        if not wants(staff, Notification.DIGEST):
            continue
        local = now.astimezone(ZoneInfo(staff.time_zone))
        send_at = next_working_moment(staff, now)
        same_day = send_at.astimezone(ZoneInfo(staff.time_zone)).date() == local.date()
        if local.time() < DIGEST_AT or not same_day:
            continue
        for digest in digests_of_the_day(staff, local.date()):
            written += await outbox.enqueue_once(
                session,
                dedup_key=digest.key(staff),
                recipient_id=staff.id,
                kind=digest.kind,
                payload=digest.payload(),
                due_at=send_at,
            )
    return written


def local_midnight(day: date, staff: Staff) -> datetime:
    """The start of ``day`` in ``staff``'s zone, in UTC."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(staff.time_zone)).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class RepMorning:
    overdue: list[Task]
    today: list[Task]
    idle: list[Lead]
    idle_total: int

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.today or self.idle)


async def rep_morning(session: AsyncSession, *, rep: Staff, day: date, now: datetime) -> RepMorning:
    """``rep``'s open tasks overdue before ``day`` and due on it, and their idle deals at
    ``now``."""
    starts = local_midnight(day, rep)
    open_tasks = await tasks_due(
        session, actor=rep, until=local_midnight(day + timedelta(days=1), rep)
    )
    return RepMorning(
        overdue=[task for task in open_tasks if task.due_at < starts],
        today=[task for task in open_tasks if task.due_at >= starts],
        idle=await idle_deals(session, now=now, responsible_id=rep.id, limit=ITEMS_SHOWN),
        idle_total=await count_idle_deals(session, now=now, responsible_id=rep.id),
    )


@dataclass(frozen=True, slots=True)
class Money:
    count: int
    # Per currency; deals without a value are counted but not summed.
    totals: dict[str, Decimal]


@dataclass(frozen=True, slots=True)
class PipelineValue:
    totals: dict[str, Decimal]
    weighted: dict[str, Decimal]


@dataclass(frozen=True, slots=True)
class TeamFigures:
    new_by_source: list[tuple[LeadSource, int]]
    won: Money
    lost: Money
    # Lost reason codes (crm.models.LostReason), most frequent first.
    top_lost_reasons: list[tuple[str, int]]
    pipeline: PipelineValue
    idle_count: int

    @property
    def new_count(self) -> int:
        return sum(count for _, count in self.new_by_source)


async def team_figures(
    session: AsyncSession, *, reader: Staff, since: datetime, until: datetime, now: datetime
) -> TeamFigures:
    """What the team did between ``since`` and ``until``, and where the pipeline stands at
    ``now``: the manager's digest, of the leads ``reader`` sees (their teams')."""
    scope = visible_leads(reader)
    sources = await session.execute(
        select(Lead.source, func.count())
        .where(Lead.created_at >= since, Lead.created_at < until, scope)
        .group_by(Lead.source)
        .order_by(func.count().desc(), Lead.source)
    )
    reasons = await session.execute(
        select(Lead.lost_reason_code, func.count())
        .where(
            Lead.lost_at >= since, Lead.lost_at < until, Lead.lost_reason_code.is_not(None), scope
        )
        .group_by(Lead.lost_reason_code)
        .order_by(func.count().desc(), Lead.lost_reason_code)
        .limit(TOP_LOST_REASONS)
    )
    return TeamFigures(
        new_by_source=[(source, count) for source, count in sources],
        won=await _closed_between(session, scope, Lead.won_at, since, until),
        lost=await _closed_between(session, scope, Lead.lost_at, since, until),
        top_lost_reasons=[(code, count) for code, count in reasons if code is not None],
        pipeline=await _pipeline_value(session, scope),
        idle_count=await count_idle_deals(session, now=now, scope=scope),
    )


async def _closed_between(
    session: AsyncSession,
    scope: ColumnElement[bool],
    closed_at: InstrumentedAttribute[datetime | None],
    since: datetime,
    until: datetime,
) -> Money:
    """Deals won (or lost) between ``since`` and ``until``: how many, and their values."""
    rows = (
        await session.execute(
            select(Lead.currency, func.count(), func.sum(Lead.value_minor))
            .where(closed_at >= since, closed_at < until, scope)
            .group_by(Lead.currency)
        )
    ).all()
    return Money(
        count=sum(count for _, count, _ in rows),
        totals={
            currency: from_minor_units(total) for currency, _, total in rows if total is not None
        },
    )


async def _pipeline_value(session: AsyncSession, scope: ColumnElement[bool]) -> PipelineValue:
    """Open deals' values per currency, and weighted by their stage's win probability."""
    rows = await session.execute(
        select(Lead.currency, Stage.probability, func.sum(Lead.value_minor))
        .join(Stage, Stage.id == Lead.stage_id)
        .where(Stage.kind == StageKind.OPEN, Lead.value_minor.is_not(None), scope)
        .group_by(Lead.currency, Stage.probability)
    )
    totals: dict[str, Decimal] = {}
    weighted: dict[str, Decimal] = {}
    for currency, probability, total_minor in rows:
        if total_minor is None:
            continue
        total = from_minor_units(total_minor)
        totals[currency] = totals.get(currency, Decimal(0)) + total
        weighted[currency] = weighted.get(currency, Decimal(0)) + total * probability / 100
    cent = Decimal("0.01")
    return PipelineValue(
        totals=totals, weighted={currency: v.quantize(cent) for currency, v in weighted.items()}
    )
