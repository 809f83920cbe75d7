"""Tasks and follow-ups: creating, completing and snoozing them, and the day's list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import events
from crm.dates import checked_moment
from crm.errors import Conflict, Forbidden, NotFound, ValidationFailed
from crm.models import Staff, Task, utcnow
from crm.services.access import may_see_staff, require_active, visible_lead, visible_tasks
from crm.services.customers import visible_customer

TITLE_MAX = 200


async def create_task(
    session: AsyncSession,
    *,
    actor: Staff,
    title: str,
    due_at: datetime,
    remind_at: datetime | None = None,
    lead_id: int | None = None,
    customer_id: int | None = None,
    assignee_id: int | None = None,
) -> Task:
    """A task for ``actor`` (or, from a manager, for someone else), reminded at ``remind_at``
    or, if not given, when due."""
    title = title.strip()
    if not title:
        raise ValidationFailed("task-title-empty", field="title")
    if len(title) > TITLE_MAX:
        raise ValidationFailed("task-title-too-long", field="title")
    now = utcnow()
    due_at = checked_moment(due_at, now=now, field="due_at")
    remind_at = checked_moment(remind_at, now=now, field="remind_at") if remind_at else None
    assignee = await _assignee(session, actor, assignee_id)
    if lead_id is not None:
        lead = await visible_lead(session, actor=actor, lead_id=lead_id)
        customer_id = customer_id or lead.customer_id
    elif customer_id is not None:
        customer_id = (await visible_customer(session, actor=actor, customer_id=customer_id)).id
    task = Task(
        title=title,
        due_at=due_at,
        remind_at=remind_at or due_at,
        assignee_id=assignee.id,
        lead_id=lead_id,
        customer_id=customer_id,
        created_by_id=actor.id,
    )
    session.add(task)
    await session.flush()
    return task


async def _assignee(session: AsyncSession, actor: Staff, assignee_id: int | None) -> Staff:
    require_active(actor)
    if assignee_id is None or assignee_id == actor.id:
        return actor
    if not actor.oversees_others:
        raise Forbidden("reps set tasks for themselves")
    assignee = await session.get(Staff, assignee_id)
    if assignee is None or not assignee.is_active:
        raise ValidationFailed("assignee-invalid", field="assignee_id")
    if not await may_see_staff(session, actor=actor, staff_id=assignee.id):
        raise Forbidden(f"staff {assignee.id} is outside {actor.id}'s teams")
    return assignee


async def own_task(session: AsyncSession, *, actor: Staff, task_id: int) -> Task:
    """A task ``actor`` may act on: their own, or for a manager any they see."""
    require_active(actor)
    task = await session.get(Task, task_id)
    if task is None:
        raise NotFound(f"task {task_id}")
    if task.assignee_id != actor.id and not (
        actor.oversees_others
        and await session.scalar(select(Task.id).where(Task.id == task_id, visible_tasks(actor)))
    ):
        raise Forbidden(f"task {task_id} is someone else's")
    return task


async def complete_task(session: AsyncSession, *, actor: Staff, task_id: int) -> Task:
    task = await own_task(session, actor=actor, task_id=task_id)
    if task.done_at is not None:
        raise Conflict("task already done")
    task.done_at = utcnow()
    events.record(
        session, events.TaskDone(actor_id=actor.id, task_id=task.id, lead_id=task.lead_id)
    )
    await session.flush()
    return task


async def snooze_task(
    session: AsyncSession, *, actor: Staff, task_id: int, until: datetime
) -> Task:
    """Put the reminder off until ``until``; it will be sent once more then."""
    task = await own_task(session, actor=actor, task_id=task_id)
    if task.done_at is not None:
        raise Conflict("task already done")
    now = utcnow()
    until = checked_moment(until, now=now, field="until")
    if until <= now:
        raise ValidationFailed("snooze-in-past", field="until")
    task.snoozed_until = until
    task.remind_at = until
    task.reminder_sent_at = None
    await session.flush()
    return task


async def tasks_due(session: AsyncSession, *, actor: Staff, until: datetime) -> list[Task]:
    """``actor``'s open tasks due before ``until`` (the end of their day), overdue first."""
    require_active(actor)
    rows = await session.scalars(
        select(Task)
        .where(Task.assignee_id == actor.id, Task.done_at.is_(None), Task.due_at < until)
        .order_by(Task.due_at, Task.id)
    )
    return list(rows)
