"""What the scheduler finds due about tasks and deals: a task's reminder with Done, Snooze and
Open lead; an overdue task for the managers; an idle deal for its rep. Each says nothing
(returns None) once there is nothing left to say: the task done, snoozed again or handed to
someone else, the deal touched since."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.messages import Outgoing, Reader, Renderer
from bot.delivery.notifications import open_lead_button
from crm import idle_deals, reminders
from crm.models import Lead, OutboxMessage, Staff, Task
from crm.services.access import may_see_task
from handlers.common.text import local_time, stage_name, tr
from handlers.task_keyboards import reminder_keyboard
from handlers.tasks import render_reminder, task_lead


async def render_task_reminder(
    session: AsyncSession, reader: Reader, message: OutboxMessage
) -> Outgoing | None:
    task = await session.get(Task, message.payload["task_id"])
    if task is None or task.done_at is not None or task.assignee_id != reader.staff.id:
        return None
    if task.remind_at != datetime.fromisoformat(message.payload["remind_at"]):
        return None  # snoozed or moved since: its newer reminder will say it
    lead = await task_lead(session, reader.staff, task)
    return Outgoing(
        text=render_reminder(
            task, lead, reader.staff, reader.i18n, late=bool(message.payload["late"])
        ),
        reply_markup=reminder_keyboard(task, lead, reader.i18n),
    )


async def render_overdue_task(
    session: AsyncSession, reader: Reader, message: OutboxMessage
) -> Outgoing | None:
    task = await session.get(Task, message.payload["task_id"])
    if task is None or task.done_at is not None:
        return None
    if not await may_see_task(session, actor=reader.staff, task_id=task.id):
        return None  # out of the reader's teams since it was written
    assignee = await session.get(Staff, task.assignee_id)
    lead = await task_lead(session, reader.staff, task)
    lines = [
        tr(
            reader.i18n,
            "overdue-alert",
            title=task.title,
            assignee=assignee.display_name if assignee else "",
            due=local_time(task.due_at, reader.staff),
        )
    ]
    if lead is not None:
        lines.append(tr(reader.i18n, "overdue-alert-lead", lead=lead.title))
    return Outgoing(
        text="\n".join(lines),
        reply_markup=open_lead_button(lead, reader) if lead is not None else None,
    )


async def render_idle_deal(
    session: AsyncSession, reader: Reader, message: OutboxMessage
) -> Outgoing | None:
    """Said as of when the nudge was due; nothing if the rep touched the deal since."""
    lead = await session.get(Lead, message.payload["lead_id"])
    if lead is None or lead.responsible_id != reader.staff.id:
        return None
    if not idle_deals.still_idle(lead, message.due_at):
        return None
    text = tr(
        reader.i18n,
        "idle-nudge",
        title=lead.title,
        days=(message.due_at - lead.last_activity_at).days,
        stage=stage_name(lead.stage, reader.i18n),
    )
    return Outgoing(text=text, reply_markup=open_lead_button(lead, reader))


RENDERERS: dict[str, Renderer] = {
    reminders.REMINDER: render_task_reminder,
    reminders.OVERDUE: render_overdue_task,
    idle_deals.IDLE_DEAL: render_idle_deal,
}
