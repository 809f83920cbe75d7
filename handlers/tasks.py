"""Tasks and reminders for a lead (a quick follow-up or a titled task at a typed time), and
``/today``: my overdue tasks and the ones due by the end of my day, to tick off or snooze."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from typing import ClassVar

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.dates import checked_moment
from crm.errors import Conflict
from crm.labels import follow_up_title
from crm.models import Lead, Staff, Task, utcnow
from crm.services import cards, tasks
from crm.services.access import may_see_lead, visible_lead
from crm.services.board import Page
from handlers.common.editing import show_in_place
from handlers.common.filters import TYPED_ANSWER
from handlers.common.flows import FlowData, Pending, answered, ask
from handlers.common.paging import page_of
from handlers.common.screens import with_notice
from handlers.common.text import local_time, shorten, tr
from handlers.common.when import days_later, end_of_day, exactly_later, parse_moment, tomorrow_at
from handlers.leads.activities import (
    ask_to_type,
)
from handlers.leads.card import edit_card, send_card, show_card_with
from handlers.leads.keyboards import LeadAction, LeadActionKind, lead_card_keyboard
from handlers.leads.rendering import render_lead_card
from handlers.task_keyboards import (
    TASKS_PER_PAGE,
    DayPage,
    ReminderAction,
    ReminderActionKind,
    ShowLead,
    SkipTaskTitle,
    TaskAction,
    TaskActionKind,
    TaskTime,
    TimeChoice,
    day_keyboard,
    first_number,
    reminder_keyboard,
    skip_title_keyboard,
    snooze_keyboard,
    task_time_keyboard,
)

TITLE_IN_ANSWER = 150
QUICK_TIMES: dict[TimeChoice, Callable[[datetime], datetime]] = {
    TimeChoice.IN_AN_HOUR: lambda now: exactly_later(now, timedelta(hours=1)),
    TimeChoice.TOMORROW_MORNING: tomorrow_at,
    TimeChoice.IN_THREE_DAYS: lambda now: days_later(now, 3),
}
SNOOZE_TIMES: dict[TaskActionKind, Callable[[datetime], datetime]] = {
    TaskActionKind.SNOOZE_AN_HOUR: QUICK_TIMES[TimeChoice.IN_AN_HOUR],
    TaskActionKind.SNOOZE_TILL_MORNING: tomorrow_at,
}
REMINDER_MORNING = time(9, 0)
REMINDER_SNOOZES: dict[ReminderActionKind, Callable[[datetime], datetime]] = {
    ReminderActionKind.SNOOZE_15_MINUTES: lambda now: exactly_later(now, timedelta(minutes=15)),
    ReminderActionKind.SNOOZE_AN_HOUR: QUICK_TIMES[TimeChoice.IN_AN_HOUR],
    ReminderActionKind.SNOOZE_TILL_TOMORROW: lambda now: tomorrow_at(now, REMINDER_MORNING),
}


class TaskSetupInput(StatesGroup):
    """Setting up a task for a lead: when it is due, then (if asked) its title."""

    when = State()
    title = State()


class TaskTimeAsked(FlowData):
    destiny: ClassVar[str] = "task-setup"
    lead_id: int
    ask_title: bool


class TaskTitleAsked(FlowData):
    destiny: ClassVar[str] = "task-setup"
    lead_id: int
    due: datetime


def local_now(viewer: Staff) -> datetime:
    return local_time(utcnow(), viewer)


def saved_task_notice(task: Task, viewer: Staff, i18n: I18nContext) -> str:
    return tr(i18n, "task-saved", title=task.title, due=local_time(task.due_at, viewer))


async def create_follow_up(
    session: AsyncSession, actor: Staff, lead_id: int, due: datetime, i18n: I18nContext
) -> Task:
    """A task for the lead under the default title, "Follow up: <lead>"."""
    lead = await visible_lead(session, actor=actor, lead_id=lead_id)
    title = follow_up_title(lead, i18n)
    return await tasks.create_task(session, actor=actor, title=title, due_at=due, lead_id=lead_id)


async def pick_task_time(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    card = await cards.lead_card(session, actor=actor, lead_id=callback_data.lead_id)
    keyboard = task_time_keyboard(card.lead.id, card.lead.version, i18n, ask_title=True)
    await show_card_with(query, card, actor, i18n, keyboard, notice=i18n.get("task-pick-time"))


async def ask_for_time(
    query: CallbackQuery,
    callback_data: TaskTime,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    await ask_to_type(
        query,
        session,
        actor,
        callback_data.lead_id,
        i18n,
        state,
        waiting_for=TaskSetupInput.when,
        pending=TaskTimeAsked(lead_id=callback_data.lead_id, ask_title=callback_data.ask_title),
        prompt=i18n.get("task-ask-time"),
    )


async def quick_time_picked(
    query: CallbackQuery,
    callback_data: TaskTime,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    due = QUICK_TIMES[callback_data.choice](local_now(actor)).astimezone(UTC)
    lead_id = callback_data.lead_id
    if callback_data.ask_title:
        await ask_to_type(
            query,
            session,
            actor,
            lead_id,
            i18n,
            state,
            waiting_for=TaskSetupInput.title,
            pending=TaskTitleAsked(lead_id=lead_id, due=due),
            prompt=i18n.get("task-ask-title"),
            reply_markup=skip_title_keyboard(i18n),
        )
        return
    await create_follow_up(session, actor, lead_id, due, i18n)
    notice = i18n.get("task-reminder-set", due=local_time(due, actor))
    await edit_card(query, session, actor, lead_id, i18n, notice=notice)


async def typed_due(message: Message, actor: Staff, i18n: I18nContext) -> datetime | None:
    """The future moment typed, in UTC; if there is none, the person is told why (and one
    years away is refused by :func:`checked_moment`, which the errors router answers)."""
    moment = parse_moment(message.text or "", local_now(actor))
    if moment is None:
        await message.answer(i18n.get("task-time-not-understood"))
        return None
    now = utcnow()
    if moment <= now:  # compared as moments, whatever the zones
        await message.answer(i18n.get("task-time-past"))
        return None
    return checked_moment(moment, now=now, field="due_at")


async def time_typed(
    message: Message,
    pending: TaskTimeAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    due = await typed_due(message, actor, i18n)
    if due is None:
        return
    if pending.ask_title:
        await ask(state, TaskSetupInput.title, TaskTitleAsked(lead_id=pending.lead_id, due=due))
        await message.answer(i18n.get("task-ask-title"), reply_markup=skip_title_keyboard(i18n))
        return
    task = await create_follow_up(session, actor, pending.lead_id, due, i18n)
    await answered(state, TaskTimeAsked)
    notice = saved_task_notice(task, actor, i18n)
    await send_card(message, session, actor, pending.lead_id, i18n, notice=notice)


async def title_typed(
    message: Message,
    pending: TaskTitleAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    task = await tasks.create_task(
        session,
        actor=actor,
        title=message.text or "",
        due_at=pending.due,
        lead_id=pending.lead_id,
    )
    await answered(state, TaskTitleAsked)
    notice = saved_task_notice(task, actor, i18n)
    await send_card(message, session, actor, pending.lead_id, i18n, notice=notice)


async def title_skipped(
    query: CallbackQuery,
    pending: TaskTitleAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    """The question becomes the lead's card, with the saved task on top."""
    task = await create_follow_up(session, actor, pending.lead_id, pending.due, i18n)
    await answered(state, TaskTitleAsked)
    card = await cards.lead_card(session, actor=actor, lead_id=pending.lead_id)
    if isinstance(query.message, Message):
        await show_in_place(
            query.message,
            with_notice(saved_task_notice(task, actor, i18n), render_lead_card(card, actor, i18n)),
            lead_card_keyboard(card, actor, i18n),
        )
    await query.answer()


async def title_no_longer_asked(query: CallbackQuery, i18n: I18nContext) -> None:
    await query.answer(i18n.get("task-title-expired"))


async def day_view(session: AsyncSession, actor: Staff, page: int) -> Page[Task]:
    until = end_of_day(local_now(actor)).astimezone(UTC)
    return page_of(await tasks.tasks_due(session, actor=actor, until=until), page, TASKS_PER_PAGE)


def render_day(view: Page[Task], viewer: Staff, i18n: I18nContext) -> str:
    if not view.items:
        return i18n.get("today-empty")
    now = utcnow()
    lines = [i18n.get("today-title", count=view.total), ""]
    lines += [
        task_line(number, task, now, viewer, i18n)
        for number, task in enumerate(view.items, start=first_number(view))
    ]
    lines.append("")
    if view.page_count > 1:
        lines.append(i18n.get("today-page", page=view.page + 1, pages=view.page_count))
    lines.append(i18n.get("today-legend"))
    return "\n".join(lines)


def task_line(number: int, task: Task, now: datetime, viewer: Staff, i18n: I18nContext) -> str:
    key = "today-task-overdue" if task.due_at < now else "today-task"
    line = tr(i18n, key, number=number, title=task.title, due=local_time(task.due_at, viewer))
    if task.snoozed_until is not None and task.snoozed_until > now:
        until = local_time(task.snoozed_until, viewer)
        line += " " + i18n.get("today-task-snoozed", until=until)
    return line


def day_markup(view: Page[Task], i18n: I18nContext) -> InlineKeyboardMarkup | None:
    return day_keyboard(view, i18n) if view.items else None


async def show_day(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext
) -> None:
    view = await day_view(session, actor, page=0)
    await message.answer(render_day(view, actor, i18n), reply_markup=day_markup(view, i18n))


async def refresh_day(
    query: CallbackQuery,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    *,
    page: int,
    notice: str | None = None,
) -> None:
    view = await day_view(session, actor, page)
    if isinstance(query.message, Message):
        await show_in_place(query.message, render_day(view, actor, i18n), day_markup(view, i18n))
    await query.answer(notice)


async def turn_day_page(
    query: CallbackQuery,
    callback_data: DayPage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    await refresh_day(query, session, actor, i18n, page=callback_data.page)


async def change_task(
    query: CallbackQuery,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    *,
    page: int,
    change: Awaitable[Task],
    notice: str,
) -> None:
    """Apply ``change`` and show the day again, or say the task is already done."""
    try:
        await change
    except Conflict:
        # The tasks service's only conflict: the task was done meanwhile, as after a double tap.
        # The central answer would speak of someone else's change.
        notice = i18n.get("task-already-done")
    await refresh_day(query, session, actor, i18n, page=page, notice=notice)


async def mark_done(
    query: CallbackQuery,
    callback_data: TaskAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    await change_task(
        query,
        session,
        actor,
        i18n,
        page=callback_data.page,
        change=tasks.complete_task(session, actor=actor, task_id=callback_data.task_id),
        notice=i18n.get("task-done"),
    )


async def pick_snooze(
    query: CallbackQuery,
    callback_data: TaskAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    task = await tasks.own_task(session, actor=actor, task_id=callback_data.task_id)
    view = await day_view(session, actor, callback_data.page)
    if isinstance(query.message, Message):
        await show_in_place(
            query.message,
            render_day(view, actor, i18n),
            snooze_keyboard(task.id, view.page, i18n),
        )
    await query.answer(i18n.get("snooze-ask", title=shorten(task.title, TITLE_IN_ANSWER)))


async def snooze(
    query: CallbackQuery,
    callback_data: TaskAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    until = SNOOZE_TIMES[callback_data.action](local_now(actor))
    await change_task(
        query,
        session,
        actor,
        i18n,
        page=callback_data.page,
        change=tasks.snooze_task(
            session, actor=actor, task_id=callback_data.task_id, until=until.astimezone(UTC)
        ),
        notice=i18n.get("task-snoozed", until=until),
    )


async def task_lead(session: AsyncSession, viewer: Staff, task: Task) -> Lead | None:
    """The task's lead, if ``viewer`` may see it."""
    if task.lead_id is None:
        return None
    if not await may_see_lead(session, actor=viewer, lead_id=task.lead_id):
        return None
    return await session.get(Lead, task.lead_id)


def render_reminder(
    task: Task, lead: Lead | None, viewer: Staff, i18n: I18nContext, *, late: bool = False
) -> str:
    """A task's reminder: what to do, for which lead, by when; ``late`` if it came due while
    the bot was not running."""
    lines = [tr(i18n, "reminder-title", title=task.title)]
    if lead is not None:
        lines.append(tr(i18n, "reminder-lead", lead=lead.title))
    lines.append(i18n.get("reminder-due", due=local_time(task.due_at, viewer)))
    if late and task.remind_at is not None:
        lines.append(i18n.get("reminder-late", at=local_time(task.remind_at, viewer)))
    return "\n".join(lines)


async def settle_reminder(
    query: CallbackQuery,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    *,
    task_id: int,
    change: Awaitable[Task],
    notice: str,
) -> None:
    """Apply ``change``, or say the task was already done, and show it in the reminder."""
    try:
        await change
    except Conflict:
        # The tasks service's only conflict: the task was done meanwhile, as after a double tap.
        notice = i18n.get("task-already-done")
    task = await tasks.own_task(session, actor=actor, task_id=task_id)
    lead = await task_lead(session, actor, task)
    if isinstance(query.message, Message):
        await show_in_place(
            query.message,
            with_notice(notice, render_reminder(task, lead, actor, i18n)),
            reminder_keyboard(task, lead, i18n),
        )
    await query.answer(notice)


async def reminder_done(
    query: CallbackQuery,
    callback_data: ReminderAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    await settle_reminder(
        query,
        session,
        actor,
        i18n,
        task_id=callback_data.task_id,
        change=tasks.complete_task(session, actor=actor, task_id=callback_data.task_id),
        notice=i18n.get("task-done"),
    )


async def reminder_snoozed(
    query: CallbackQuery,
    callback_data: ReminderAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    until = REMINDER_SNOOZES[callback_data.action](local_now(actor))
    await settle_reminder(
        query,
        session,
        actor,
        i18n,
        task_id=callback_data.task_id,
        change=tasks.snooze_task(
            session, actor=actor, task_id=callback_data.task_id, until=until.astimezone(UTC)
        ),
        notice=i18n.get("task-snoozed", until=until),
    )


async def show_lead_below(
    query: CallbackQuery,
    callback_data: ShowLead,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    if isinstance(query.message, Message):
        await send_card(query.message, session, actor, callback_data.lead_id, i18n)
    await query.answer()


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.callback_query.register(
        pick_task_time, LeadAction.filter(F.action == LeadActionKind.TASK)
    )
    router.callback_query.register(ask_for_time, TaskTime.filter(F.choice == TimeChoice.OTHER))
    router.callback_query.register(quick_time_picked, TaskTime.filter())
    router.message.register(
        time_typed, StateFilter(TaskSetupInput.when), TYPED_ANSWER, Pending(TaskTimeAsked)
    )
    router.message.register(
        title_typed, StateFilter(TaskSetupInput.title), TYPED_ANSWER, Pending(TaskTitleAsked)
    )
    router.callback_query.register(
        title_skipped,
        SkipTaskTitle.filter(),
        StateFilter(TaskSetupInput.title),
        Pending(TaskTitleAsked),
    )
    router.callback_query.register(title_no_longer_asked, SkipTaskTitle.filter())
    router.message.register(show_day, Command("today"))
    router.callback_query.register(turn_day_page, DayPage.filter())
    router.callback_query.register(mark_done, TaskAction.filter(F.action == TaskActionKind.DONE))
    router.callback_query.register(
        pick_snooze, TaskAction.filter(F.action == TaskActionKind.PICK_SNOOZE)
    )
    router.callback_query.register(snooze, TaskAction.filter(F.action.in_(SNOOZE_TIMES)))
    router.callback_query.register(
        reminder_done, ReminderAction.filter(F.action == ReminderActionKind.DONE)
    )
    router.callback_query.register(
        reminder_snoozed, ReminderAction.filter(F.action.in_(REMINDER_SNOOZES))
    )
    router.callback_query.register(show_lead_below, ShowLead.filter())
    return router
