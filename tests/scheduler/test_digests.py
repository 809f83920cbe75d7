"""Digests: each person's at 09:00 in their own time zone, exactly once per person and period
whatever restarts, however many schedulers and whatever the clocks do that day."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm import digests
from crm.digests import Money, local_midnight, rep_morning, team_figures
from crm.models import LeadSource, LostReason, Notification, OutboxMessage, Staff
from crm.services import tasks
from scheduler import Rounds
from tests.scheduler.conftest import Clock, Sender, Stages, Team, add_lead, kyiv, outbox_rows

MINUTE = timedelta(minutes=1)


def written(rows: list[OutboxMessage], staff: Staff) -> list[tuple[str, dict[str, Any]]]:
    return [(row.kind, row.payload) for row in rows if row.recipient_id == staff.id]


async def test_each_digest_is_written_once_at_nine_in_the_morning(
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    rounds: Rounds,
    clock: Clock,
) -> None:
    clock.now = kyiv(2030, 4, 16, 8, 59)  # a Tuesday
    early = await rounds.digests()
    clock.now = kyiv(2030, 4, 16, 9, 0)
    at_nine = await rounds.digests()
    clock.now += MINUTE
    again = await rounds.digests()
    after_restart = await Rounds(session_factory, Sender(), clock=clock).digests()

    rows = await outbox_rows(session_factory)
    assert (early, at_nine, again, after_restart) == (0, 4, 0, 0)
    assert written(rows, team.rep) == [
        (digests.REP_DIGEST, {"since": "2030-04-16", "until": "2030-04-17"})
    ]
    assert written(rows, team.manager) == [
        (digests.TEAM_DAY, {"since": "2030-04-15", "until": "2030-04-16"})
    ]
    keys = {row.dedup_key for row in rows}
    assert f"digest:rep:{team.rep.id}:2030-04-16" in keys
    assert f"digest:team_day:{team.manager.id}:2030-04-16" in keys
    assert {row.due_at for row in rows} == {kyiv(2030, 4, 16, 9, 0)}


async def test_reps_get_none_at_weekends_and_managers_get_the_week_on_mondays(
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    rounds: Rounds,
    clock: Clock,
) -> None:
    clock.now = kyiv(2030, 4, 20, 9, 0)  # Saturday
    await rounds.digests()
    clock.now = kyiv(2030, 4, 22, 9, 0)  # Monday
    await rounds.digests()

    rows = await outbox_rows(session_factory)
    assert written(rows, team.rep) == [
        (digests.REP_DIGEST, {"since": "2030-04-22", "until": "2030-04-23"})
    ]
    assert written(rows, team.manager) == [
        (digests.TEAM_DAY, {"since": "2030-04-19", "until": "2030-04-20"}),
        (digests.TEAM_DAY, {"since": "2030-04-21", "until": "2030-04-22"}),
        (digests.TEAM_WEEK, {"since": "2030-04-15", "until": "2030-04-22"}),
    ]


async def test_nine_oclock_is_the_readers_own(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    rounds: Rounds,
    clock: Clock,
) -> None:
    team.other_rep.time_zone = "America/New_York"
    await session.commit()

    clock.now = kyiv(2030, 4, 16, 9, 0)
    in_kyiv = await rounds.digests()
    clock.now = datetime(2030, 4, 16, 8, 59, tzinfo=UTC) + timedelta(hours=4)
    before_nine_in_new_york = await rounds.digests()
    clock.now += MINUTE
    at_nine_in_new_york = await rounds.digests()

    assert (in_kyiv, before_nine_in_new_york, at_nine_in_new_york) == (3, 0, 1)
    (row,) = [
        row for row in await outbox_rows(session_factory) if row.recipient_id == team.other_rep.id
    ]
    assert row.due_at == datetime(2030, 4, 16, 13, 0, tzinfo=UTC)


async def test_a_digest_missed_until_after_hours_is_not_sent_late(
    session_factory: async_sessionmaker[AsyncSession], team: Team, rounds: Rounds, clock: Clock
) -> None:
    clock.now = kyiv(2030, 4, 16, 18, 30)
    evening = await rounds.digests()
    clock.now = kyiv(2030, 4, 17, 9, 0)
    next_morning = await rounds.digests()

    assert (evening, next_morning) == (0, 4)
    days = {row.payload["since"] for row in await outbox_rows(session_factory, digests.REP_DIGEST)}
    assert days == {"2030-04-17"}


async def test_people_who_switched_the_digest_off_get_none(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    rounds: Rounds,
    clock: Clock,
) -> None:
    for staff in (team.rep, team.manager):
        staff.notifications = [Notification.REMINDERS.value]
    team.admin.is_active = False
    await session.commit()

    clock.now = kyiv(2030, 4, 16, 9, 0)
    await rounds.digests()

    assert [row.recipient_id for row in await outbox_rows(session_factory)] == [team.other_rep.id]


async def test_racing_schedulers_write_each_digest_once(
    session_factory: async_sessionmaker[AsyncSession], team: Team, clock: Clock
) -> None:
    clock.now = kyiv(2030, 4, 22, 9, 0)  # Monday: two reps, two managers with two each
    schedulers = [Rounds(session_factory, Sender(), clock=clock) for _ in range(4)]

    counts = await asyncio.gather(*(each.digests() for each in schedulers))

    assert sum(counts) == 6
    assert len(await outbox_rows(session_factory)) == 6


async def digests_written_minute_by_minute(
    rounds: Rounds, clock: Clock, day: date
) -> list[datetime]:
    written_at = []
    clock.now = datetime.combine(day, time(4, 0), tzinfo=UTC)
    while clock.now < datetime.combine(day, time(9, 0), tzinfo=UTC):
        if await rounds.digests():
            written_at.append(clock.now)
        clock.now += MINUTE
    return written_at


async def test_on_the_days_the_clocks_change_the_digest_goes_out_once_at_nine_local(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    rounds: Rounds,
    clock: Clock,
) -> None:
    for staff in (team.admin, team.rep, team.other_rep):
        staff.notifications = []
    await session.commit()
    spring, autumn = date(2030, 3, 31), date(2030, 10, 27)  # last Sundays: +1 h, -1 h

    spring_at = await digests_written_minute_by_minute(rounds, clock, spring)
    autumn_at = await digests_written_minute_by_minute(rounds, clock, autumn)

    assert spring_at == [kyiv(2030, 3, 31, 9, 0)] == [datetime(2030, 3, 31, 6, 0, tzinfo=UTC)]
    assert autumn_at == [kyiv(2030, 10, 27, 9, 0)] == [datetime(2030, 10, 27, 7, 0, tzinfo=UTC)]
    rows = await outbox_rows(session_factory)
    assert [row.payload["until"] for row in rows] == ["2030-03-31", "2030-10-27"]


async def test_a_reps_morning_lists_overdue_todays_tasks_and_idle_deals(
    session: AsyncSession, team: Team, stages: Stages
) -> None:
    day = date(2030, 4, 16)
    nine = kyiv(2030, 4, 16, 9, 0)
    for title, due in (
        ("Yesterday's call", kyiv(2030, 4, 15, 16, 0)),
        ("Early call", kyiv(2030, 4, 16, 8, 0)),
        ("Evening offer", kyiv(2030, 4, 16, 23, 30)),
        ("Tomorrow", kyiv(2030, 4, 17, 0, 0)),
    ):
        await tasks.create_task(session, actor=team.rep, title=title, due_at=due)
    await tasks.create_task(session, actor=team.other_rep, title="Not mine", due_at=nine)
    idle = add_lead(session, stages.new, team.rep, quiet_since=nine - timedelta(days=5))
    add_lead(session, stages.new, team.rep, quiet_since=nine - timedelta(days=1))
    await session.commit()

    morning = await rep_morning(session, rep=team.rep, day=day, now=nine)

    assert [task.title for task in morning.overdue] == ["Yesterday's call"]
    assert [task.title for task in morning.today] == ["Early call", "Evening offer"]
    assert [lead.id for lead in morning.idle] == [idle.id]
    assert morning.idle_total == 1


async def test_the_team_figures_of_a_day(session: AsyncSession, team: Team, stages: Stages) -> None:
    yesterday = kyiv(2030, 4, 15, 12, 0)
    before = kyiv(2030, 4, 14, 23, 59)
    for source in (LeadSource.WEB_FORM, LeadSource.WEB_FORM, LeadSource.MANUAL):
        add_lead(session, stages.new, team.rep, quiet_since=yesterday, source=source)
    add_lead(session, stages.new, team.rep, quiet_since=before, source=LeadSource.WHATSAPP)
    add_lead(session, stages.proposal, team.rep, quiet_since=before, value_minor=1_000_000)
    add_lead(
        session, stages.qualified, team.rep, quiet_since=before, value_minor=50_000, currency="USD"
    )
    for value, currency in ((1_200_000, "UAH"), (50_000, "USD"), (None, "UAH")):
        add_lead(
            session,
            stages.won,
            team.rep,
            quiet_since=before,
            won_at=yesterday,
            value_minor=value,
            currency=currency,
        )
    add_lead(session, stages.won, team.rep, quiet_since=before, won_at=before, value_minor=9)
    for reason in (
        LostReason.PRICE,
        LostReason.COMPETITOR,
        LostReason.PRICE,
        LostReason.OTHER,
        LostReason.TIMING,
    ):
        add_lead(
            session,
            stages.lost,
            team.rep,
            quiet_since=before,
            lost_at=yesterday,
            lost_reason_code=reason.value,
            value_minor=100_000,
        )
    await session.commit()

    figures = await team_figures(
        session,
        reader=team.manager,
        since=local_midnight(date(2030, 4, 15), team.manager),
        until=local_midnight(date(2030, 4, 16), team.manager),
        now=kyiv(2030, 4, 16, 9, 0),
    )

    assert figures.new_by_source == [(LeadSource.WEB_FORM, 2), (LeadSource.MANUAL, 1)]
    assert figures.new_count == 3
    assert figures.won == Money(count=3, totals={"UAH": Decimal("12000"), "USD": Decimal("500")})
    assert figures.lost == Money(count=5, totals={"UAH": Decimal("5000")})
    assert figures.top_lost_reasons == [("price", 2), ("competitor", 1), ("other", 1)]
    assert figures.pipeline.totals == {"UAH": Decimal("10000"), "USD": Decimal("500")}
    assert figures.pipeline.weighted == {"UAH": Decimal("6000.00"), "USD": Decimal("150.00")}
    # New leads are idle after 3 days: the one from before yesterday is not yet.
    assert figures.idle_count == 0
