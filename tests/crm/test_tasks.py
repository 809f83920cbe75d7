from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.errors import Conflict, Forbidden, ValidationFailed
from crm.models import utcnow
from crm.reminders import enqueue_due_reminders
from crm.services import tasks
from tests.crm.conftest import Team


async def test_my_day_lists_overdue_and_today_but_not_done_or_later(
    session: AsyncSession, team: Team
) -> None:
    now = utcnow()
    overdue = await tasks.create_task(
        session, actor=team.rep, title="Overdue", due_at=now - timedelta(hours=5)
    )
    today = await tasks.create_task(
        session, actor=team.rep, title="Today", due_at=now + timedelta(hours=1)
    )
    await tasks.create_task(
        session, actor=team.rep, title="Next week", due_at=now + timedelta(days=7)
    )
    done = await tasks.create_task(session, actor=team.rep, title="Done", due_at=now)
    await tasks.complete_task(session, actor=team.rep, task_id=done.id)
    await tasks.create_task(session, actor=team.other_rep, title="Not mine", due_at=now)

    due = await tasks.tasks_due(session, actor=team.rep, until=now + timedelta(hours=2))

    assert [task.id for task in due] == [overdue.id, today.id]


async def test_done_twice_is_reported_once(session: AsyncSession, team: Team) -> None:
    task = await tasks.create_task(session, actor=team.rep, title="Call", due_at=utcnow())
    await tasks.complete_task(session, actor=team.rep, task_id=task.id)
    first_done_at = task.done_at

    with pytest.raises(Conflict):
        await tasks.complete_task(session, actor=team.rep, task_id=task.id)
    assert task.done_at == first_done_at


async def test_reps_act_on_their_own_tasks_only(session: AsyncSession, team: Team) -> None:
    task = await tasks.create_task(session, actor=team.other_rep, title="Call", due_at=utcnow())

    with pytest.raises(Forbidden):
        await tasks.complete_task(session, actor=team.rep, task_id=task.id)
    with pytest.raises(Forbidden):
        await tasks.create_task(
            session, actor=team.rep, title="For you", due_at=utcnow(), assignee_id=team.other_rep.id
        )
    assert task.done_at is None


async def test_bad_task_input_is_refused(session: AsyncSession, team: Team) -> None:
    with pytest.raises(ValidationFailed) as empty:
        await tasks.create_task(session, actor=team.rep, title="  ", due_at=utcnow())
    task = await tasks.create_task(session, actor=team.rep, title="Call", due_at=utcnow())
    with pytest.raises(ValidationFailed) as past:
        await tasks.snooze_task(
            session, actor=team.rep, task_id=task.id, until=utcnow() - timedelta(minutes=1)
        )

    assert (empty.value.code, past.value.code) == ("task-title-empty", "snooze-in-past")


async def test_a_reminder_is_claimed_once_and_again_after_a_snooze(
    session_factory: async_sessionmaker[AsyncSession], team: Team
) -> None:
    now = utcnow()
    async with session_factory() as session:
        task = await tasks.create_task(session, actor=team.rep, title="Call", due_at=now)
        await tasks.create_task(
            session, actor=team.rep, title="Later", due_at=now + timedelta(hours=1)
        )
        await session.commit()

    async with session_factory() as first, session_factory() as second:
        claimed = await enqueue_due_reminders(first, now=now)
        await first.commit()
        claimed_again = await enqueue_due_reminders(second, now=now)
        await second.commit()
        assert (claimed, claimed_again) == (1, 0)

    async with session_factory() as session:
        actor = await session.merge(team.rep)
        await tasks.snooze_task(
            session, actor=actor, task_id=task.id, until=now + timedelta(minutes=30)
        )
        await session.commit()
        assert await enqueue_due_reminders(session, now=now + timedelta(minutes=29)) == 0
        assert await enqueue_due_reminders(session, now=now + timedelta(minutes=31)) == 1
