"""Buttons for setting a task's time and working through the day's tasks, and their callback
data (at most 64 bytes with the largest ids)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from crm.models import Lead, Task
from crm.services.board import Page
from handlers.common.paging import page_navigation
from handlers.leads.keyboards import LeadAction, LeadActionKind

TASKS_PER_PAGE = 10
BUTTONS_PER_ROW = 4


class TimeChoice(StrEnum):
    IN_AN_HOUR = "h"
    TOMORROW_MORNING = "t"
    IN_THREE_DAYS = "d"
    OTHER = "o"


class TaskTime(CallbackData, prefix="tq"):
    """A time picked for a new task of the lead; ``ask_title`` unless it is a quick follow-up."""

    lead_id: int
    choice: TimeChoice
    ask_title: bool


class SkipTaskTitle(CallbackData, prefix="tn"):
    """Save the task being set up under its default title."""


class TaskActionKind(StrEnum):
    DONE = "d"
    PICK_SNOOZE = "s"
    SNOOZE_AN_HOUR = "h"
    SNOOZE_TILL_MORNING = "m"


class TaskAction(CallbackData, prefix="tk"):
    """A button of the day's list; ``page`` is the page to show afterwards."""

    task_id: int
    action: TaskActionKind
    page: int


class DayPage(CallbackData, prefix="td"):
    page: int


class ReminderActionKind(StrEnum):
    DONE = "d"
    SNOOZE_15_MINUTES = "q"
    SNOOZE_AN_HOUR = "h"
    SNOOZE_TILL_TOMORROW = "t"


class ReminderAction(CallbackData, prefix="rm"):
    """A button under a reminder; the reminder then shows what became of its task."""

    task_id: int
    action: ReminderActionKind


class ShowLead(CallbackData, prefix="sc"):
    """The lead's card as a new message, below a reminder or digest that stays as it is."""

    lead_id: int


def first_number(page: Page[Task]) -> int:
    """The number the page's first task is listed under."""
    return page.page * page.page_size + 1


def task_time_keyboard(
    lead_id: int, version: int, i18n: I18nContext, *, ask_title: bool
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for key, choice in (
        ("task-time-in-an-hour", TimeChoice.IN_AN_HOUR),
        ("task-time-tomorrow-morning", TimeChoice.TOMORROW_MORNING),
        ("task-time-in-three-days", TimeChoice.IN_THREE_DAYS),
        ("task-time-other", TimeChoice.OTHER),
    ):
        kb.button(
            text=i18n.get(key),
            callback_data=TaskTime(lead_id=lead_id, choice=choice, ask_title=ask_title),
        )
    kb.button(
        text=i18n.get("back" if ask_title else "follow-up-none"),
        callback_data=LeadAction(lead_id=lead_id, action=LeadActionKind.OPEN, version=version),
    )
    kb.adjust(2)
    return kb.as_markup()


def skip_title_keyboard(i18n: I18nContext) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=i18n.get("task-skip-title"), callback_data=SkipTaskTitle())
    return kb.as_markup()


def day_keyboard(page: Page[Task], i18n: I18nContext) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for number, task in enumerate(page.items, start=first_number(page)):
        for key, action in (
            ("today-done-button", TaskActionKind.DONE),
            ("today-snooze-button", TaskActionKind.PICK_SNOOZE),
        ):
            kb.button(
                text=i18n.get(key, number=number),
                callback_data=TaskAction(task_id=task.id, action=action, page=page.page),
            )
    kb.adjust(BUTTONS_PER_ROW)
    kb.row(*page_navigation(page, i18n, lambda number: DayPage(page=number)))
    return kb.as_markup()


def snooze_keyboard(task_id: int, page: int, i18n: I18nContext) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for key, action in (
        ("snooze-an-hour", TaskActionKind.SNOOZE_AN_HOUR),
        ("snooze-till-morning", TaskActionKind.SNOOZE_TILL_MORNING),
    ):
        kb.button(
            text=i18n.get(key), callback_data=TaskAction(task_id=task_id, action=action, page=page)
        )
    kb.button(text=i18n.get("back"), callback_data=DayPage(page=page))
    kb.adjust(2)
    return kb.as_markup()


def reminder_keyboard(task: Task, lead: Lead | None, i18n: I18nContext) -> InlineKeyboardMarkup:
    """Done and Open lead, then the snoozes; a done task keeps only Open lead."""
    kb = InlineKeyboardBuilder()
    still_open = task.done_at is None
    if still_open:
        kb.button(
            text=i18n.get("reminder-btn-done"),
            callback_data=ReminderAction(task_id=task.id, action=ReminderActionKind.DONE),
        )
    if lead is not None:
        kb.button(text=i18n.get("btn-open-lead"), callback_data=ShowLead(lead_id=lead.id))
    if still_open:
        for key, action in (
            ("reminder-btn-15-minutes", ReminderActionKind.SNOOZE_15_MINUTES),
            ("reminder-btn-an-hour", ReminderActionKind.SNOOZE_AN_HOUR),
            ("reminder-btn-tomorrow", ReminderActionKind.SNOOZE_TILL_TOMORROW),
        ):
            kb.button(
                text=i18n.get(key), callback_data=ReminderAction(task_id=task.id, action=action)
            )
    kb.adjust(2 if still_open and lead is not None else 1, 3)
    return kb.as_markup()
