"""Task reminders and overdue escalations: written to the outbox once, at the right moment
in the reader's own time, however many schedulers run and whatever restarts in between."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm import reminders
from crm.models import Notification, OutboxStatus, Task
from crm.services import tasks
from handlers.common.when import parse_moment
from handlers.task_keyboards import ReminderActionKind
from handlers.tasks import REMINDER_SNOOZES
from scheduler import Rounds
from tests.scheduler.conftest import KYIV, Clock, Sender, Team, kyiv, outbox_rows

MINUTE = timedelta(minutes=1)


async def stored_task(session_factory: async_sessionmaker[AsyncSession], task_id: int) -> Task:
    async with session_factory() as session:
        task = await session.get(Task, task_id)
        assert task is not None
        return task


async def test_a_reminder_is_written_once_at_its_minute_and_not_again_after_a_restart(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    rounds: Rounds,
    clock: Clock,
    sender: Sender,
) -> None:
    due = kyiv(2030, 4, 16, 15, 0)
    task = await tasks.create_task(session, actor=team.rep, title="Call Olena", due_at=due)
    await session.commit()

    clock.now = due - timedelta(seconds=1)
    early = await rounds.reminders()
    clock.now = due
    on_time = await rounds.reminders()
    clock.now = due + timedelta(seconds=1)
    again = await rounds.reminders()
    restarted = Rounds(session_factory, Sender(), clock=clock)
    after_restart = await restarted.reminders()

    assert (early, on_time, again, after_restart) == (0, 1, 0, 0)
    (row,) = await outbox_rows(session_factory)
    assert row.recipient_id == team.rep.id
    assert row.kind == reminders.REMINDER
    assert row.payload == {"task_id": task.id, "remind_at": due.isoformat(), "late": False}
    assert row.due_at == due and row.status == OutboxStatus.PENDING
    assert (await stored_task(session_factory, task.id)).reminder_sent_at == due
    assert sender.wakes == 1


async def test_reminders_that_came_due_while_nothing_ran_go_out_on_start_marked_late(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    rounds: Rounds,
    clock: Clock,
) -> None:
    first = kyiv(2030, 4, 16, 10, 0)
    for title, due in (("Call", first), ("Send the offer", first + timedelta(hours=1))):
        await tasks.create_task(session, actor=team.rep, title=title, due_at=due)
    await session.commit()

    clock.now = first + timedelta(hours=3)
    written = await rounds.reminders()

    rows = await outbox_rows(session_factory)
    assert written == 2
    assert [row.payload["late"] for row in rows] == [True, True]
    assert [row.due_at for row in rows] == [clock.now, clock.now]


async def test_racing_schedulers_write_each_reminder_exactly_once(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    clock: Clock,
) -> None:
    due = clock.now - MINUTE
    session.add_all(
        Task(title=f"Call {n}", due_at=due, remind_at=due, assignee_id=team.rep.id)
        for n in range(300)
    )
    await session.commit()

    async def one_process() -> int:
        async with session_factory() as own_session:
            written = await reminders.enqueue_due_reminders(own_session, now=clock.now, limit=40)
            await own_session.commit()
            return written

    while sum(await asyncio.gather(*(one_process() for _ in range(4)))):
        pass

    rows = await outbox_rows(session_factory)
    assert len(rows) == 300
    assert len({row.payload["task_id"] for row in rows}) == 300


async def test_quiet_hours_hold_reminders_others_set_but_not_ones_people_set_themselves(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    rounds: Rounds,
    clock: Clock,
) -> None:
    evening = kyiv(2030, 4, 16, 21, 30)
    mine = await tasks.create_task(session, actor=team.rep, title="Mine", due_at=evening)
    from_manager = await tasks.create_task(
        session,
        actor=team.manager,
        title="From the manager",
        due_at=evening,
        assignee_id=team.rep.id,
    )
    await session.commit()

    clock.now = evening
    await rounds.reminders()

    due_at = {row.payload["task_id"]: row.due_at for row in await outbox_rows(session_factory)}
    assert due_at == {mine.id: evening, from_manager.id: kyiv(2030, 4, 17, 9, 0)}


async def test_no_reminder_for_done_tasks_or_people_who_switched_reminders_off(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    rounds: Rounds,
    clock: Clock,
) -> None:
    team.other_rep.notifications = [Notification.DIGEST.value]
    done = await tasks.create_task(session, actor=team.rep, title="Done early", due_at=clock.now)
    await tasks.complete_task(session, actor=team.rep, task_id=done.id)
    unwanted = await tasks.create_task(
        session, actor=team.other_rep, title="Not wanted", due_at=clock.now
    )
    await session.commit()

    first = await rounds.reminders()
    second = await rounds.reminders()

    assert (first, second) == (0, 0)
    assert await outbox_rows(session_factory) == []
    # Both are settled, so no later round looks at them again.
    assert (await stored_task(session_factory, unwanted.id)).reminder_sent_at == clock.now
    assert (await stored_task(session_factory, done.id)).reminder_sent_at == clock.now


async def test_a_snoozed_task_is_reminded_again_at_its_new_time(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    rounds: Rounds,
    clock: Clock,
) -> None:
    task = await tasks.create_task(session, actor=team.rep, title="Call", due_at=clock.now)
    await session.commit()
    await rounds.reminders()
    later = clock.now + timedelta(minutes=15)
    await tasks.snooze_task(session, actor=team.rep, task_id=task.id, until=later)
    await session.commit()

    before = await rounds.reminders()
    clock.now = later
    after = await rounds.reminders()

    rows = await outbox_rows(session_factory)
    assert (before, after) == (0, 1)
    assert [row.payload["remind_at"] for row in rows] == [
        task.due_at.isoformat(),
        later.isoformat(),
    ]


async def reminders_written_minute_by_minute(
    rounds: Rounds, clock: Clock, start: datetime, end: datetime
) -> list[datetime]:
    """The moments at which a round wrote something."""
    written_at = []
    clock.now = start
    while clock.now <= end:
        if await rounds.reminders():
            written_at.append(clock.now)
        clock.now += MINUTE
    return written_at


async def test_a_reminder_at_a_time_the_clocks_skip_fires_once(
    session: AsyncSession, team: Team, rounds: Rounds, clock: Clock
) -> None:
    # 31 March 2030 in Kyiv: 03:00 becomes 04:00, so 03:30 never shows on the clock.
    saturday = datetime(2030, 3, 30, 20, 0, tzinfo=KYIV)
    typed = parse_moment("31.03 03:30", saturday)
    assert typed is not None
    await tasks.create_task(session, actor=team.rep, title="Call", due_at=typed.astimezone(UTC))
    await session.commit()

    written_at = await reminders_written_minute_by_minute(
        rounds, clock, kyiv(2030, 3, 31, 1, 0), kyiv(2030, 3, 31, 6, 0)
    )

    assert written_at == [datetime(2030, 3, 31, 1, 30, tzinfo=UTC)]


async def test_a_reminder_at_a_time_the_clocks_show_twice_fires_once(
    session: AsyncSession, team: Team, rounds: Rounds, clock: Clock
) -> None:
    # 27 October 2030 in Kyiv: 04:00 becomes 03:00 again, so 03:30 shows twice.
    saturday = datetime(2030, 10, 26, 20, 0, tzinfo=KYIV)
    typed = parse_moment("27.10 03:30", saturday)
    assert typed is not None
    await tasks.create_task(session, actor=team.rep, title="Call", due_at=typed.astimezone(UTC))
    await session.commit()

    written_at = await reminders_written_minute_by_minute(
        rounds, clock, kyiv(2030, 10, 27, 2, 0), kyiv(2030, 10, 27, 5, 0)
    )

    assert written_at == [kyiv(2030, 10, 27, 3, 30)]
    assert kyiv(2030, 10, 27, 3, 30, fold=1) - written_at[0] == timedelta(hours=1)


def test_snoozing_till_tomorrow_on_a_clock_change_day_means_nine_by_the_local_clock() -> None:
    till_tomorrow = REMINDER_SNOOZES[ReminderActionKind.SNOOZE_TILL_TOMORROW]

    spring = till_tomorrow(datetime(2030, 3, 30, 22, 0, tzinfo=KYIV))
    autumn = till_tomorrow(datetime(2030, 10, 26, 22, 0, tzinfo=KYIV))

    assert spring.astimezone(UTC) == datetime(2030, 3, 31, 6, 0, tzinfo=UTC)
    assert autumn.astimezone(UTC) == datetime(2030, 10, 27, 7, 0, tzinfo=UTC)


async def test_a_task_still_open_a_day_after_it_was_due_is_escalated_once_to_the_managers(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    rounds: Rounds,
    clock: Clock,
) -> None:
    team.admin.notifications = [Notification.DIGEST.value]
    due = kyiv(2030, 4, 15, 11, 0)
    late = await tasks.create_task(session, actor=team.rep, title="Send the offer", due_at=due)
    done = await tasks.create_task(session, actor=team.rep, title="Done", due_at=due)
    await tasks.complete_task(session, actor=team.rep, task_id=done.id)
    managers_own = await tasks.create_task(
        session, actor=team.manager, title="Manager's own", due_at=due
    )
    await session.commit()

    clock.now = due + timedelta(hours=24) - MINUTE
    early = await rounds.overdue_tasks()
    clock.now = due + timedelta(hours=24)
    on_time = await rounds.overdue_tasks()
    clock.now += timedelta(hours=1)
    again = await Rounds(session_factory, Sender(), clock=clock).overdue_tasks()

    rows = await outbox_rows(session_factory, reminders.OVERDUE)
    assert (early, on_time, again) == (0, 1, 0)
    assert [(row.recipient_id, row.payload) for row in rows] == [
        (team.manager.id, {"task_id": late.id})
    ]
    escalated = (await stored_task(session_factory, managers_own.id)).escalated_at
    assert escalated == due + timedelta(hours=24)


async def test_the_overdue_threshold_is_a_setting(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    team: Team,
    clock: Clock,
) -> None:
    due = clock.now - timedelta(hours=3)
    await tasks.create_task(session, actor=team.rep, title="Call", due_at=due)
    await session.commit()
    after_two_hours = Rounds(
        session_factory, Sender(), clock=clock, overdue_after=timedelta(hours=2)
    )
    after_a_day = Rounds(session_factory, Sender(), clock=clock)

    assert await after_a_day.overdue_tasks() == 0
    assert await after_two_hours.overdue_tasks() == 2  # the manager and the admin
    async with session_factory() as fresh:
        count = await fresh.scalar(
            select(func.count()).select_from(Task).where(Task.escalated_at.is_not(None))
        )
    assert count == 1
