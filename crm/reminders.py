"""Task reminders at their minute and overdue tasks escalated to the managers, written to the
outbox exactly once however many schedulers look at the same moment.

Each function takes what is due with a conditional ``UPDATE ... RETURNING`` on the task's
marker (``reminder_sent_at``, ``escalated_at``), so of two processes racing for a task only
one gets it, and writes the outbox rows in the same transaction: a rollback un-marks the task
and drops its messages together. ``now`` is always given, so tests control the clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm import outbox
from crm.audience import managers_wanting, staff_wanting
from crm.claims import picked_once
from crm.models import Notification, Task
from crm.services.access import readers_of_task
from crm.working_hours import next_working_moment

REMINDER = "task_reminder"
OVERDUE = "task_overdue"
BATCH = 500
# A reminder taken this long after its minute came due while nothing ran: it says it is late.
LATE_AFTER = timedelta(minutes=1)
DEFAULT_OVERDUE_AFTER = timedelta(hours=24)


async def enqueue_due_reminders(session: AsyncSession, *, now: datetime, limit: int = BATCH) -> int:
    """Take the reminders due by ``now`` (oldest first) and write one outbox row for each open
    task whose assignee wants reminders; the number written.

    A reminder the assignee set themselves goes out at once, whatever the hour; one set by
    someone else waits for the assignee's working hours. A task done before its reminder came
    due is taken too, without a message, so the scan for due reminders stays short.
    """
    due = (
        select(Task.id)
        .where(Task.reminder_sent_at.is_(None), Task.remind_at <= now)
        .order_by(Task.remind_at, Task.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    taken = await session.execute(
        update(Task)
        .where(Task.id.in_(picked_once(session, due, "due_reminders")))
        .values(reminder_sent_at=now)
        .returning(Task.id, Task.assignee_id, Task.created_by_id, Task.remind_at, Task.done_at)
        .execution_options(synchronize_session=False)
    )
    open_tasks = [task for task in taken if task.done_at is None]
    assignees = await staff_wanting(
        session, {task.assignee_id for task in open_tasks}, Notification.REMINDERS
    )
    written = 0
    for task in open_tasks:
        assignee = assignees.get(task.assignee_id)
        if assignee is None:
            continue
        set_themselves = task.created_by_id == task.assignee_id
        outbox.enqueue(
            session,
            recipient_id=assignee.id,
            kind=REMINDER,
            payload=reminder_payload(task.id, task.remind_at, now),
            due_at=now if set_themselves else next_working_moment(assignee, now),
        )
        written += 1
    return written


def reminder_payload(task_id: int, remind_at: datetime, now: datetime) -> dict[str, object]:
    """Which reminder of the task this is (a snooze makes a newer one) and whether it came due
    while nothing ran."""
    return {
        "task_id": task_id,
        "remind_at": remind_at.isoformat(),
        "late": now - remind_at >= LATE_AFTER,
    }


async def escalate_overdue_tasks(
    session: AsyncSession,
    *,
    now: datetime,
    overdue_after: timedelta = DEFAULT_OVERDUE_AFTER,
    limit: int = BATCH,
) -> int:
    """Tell the managers who want it and see the task, once per task, about tasks still open
    ``overdue_after`` past their due time; the number of outbox rows written. Nobody is told
    of their own task."""
    stale = (
        select(Task.id)
        .where(
            Task.escalated_at.is_(None), Task.done_at.is_(None), Task.due_at <= now - overdue_after
        )
        .order_by(Task.due_at, Task.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    taken = (
        await session.execute(
            update(Task)
            .where(Task.id.in_(picked_once(session, stale, "overdue_tasks")))
            .values(escalated_at=now)
            .returning(Task.id, Task.assignee_id)
            .execution_options(synchronize_session=False)
        )
    ).all()
    if not taken:
        return 0
    written = 0
    for task in taken:
        managers = await managers_wanting(
            session, Notification.OVERDUE_TASKS, about=readers_of_task(task.id)
        )
        for manager in managers:
            if manager.id == task.assignee_id:
                continue
            outbox.enqueue(
                session,
                recipient_id=manager.id,
                kind=OVERDUE,
                payload={"task_id": task.id},
                due_at=next_working_moment(manager, now),
            )
            written += 1
    return written
