"""``/today``: my overdue tasks and the rest of my day, ticked off and snoozed in place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.models import Staff, Task, utcnow
from crm.services.tasks import create_task
from tests.bot.conftest import Team, Telegram
from tests.bot.test_follow_ups import (
    KYIV,
    NOT_ALLOWED,
    TELEGRAM_TEXT_LIMIT,
    eventually,
    tomorrow_at_ten_in_kyiv,
)

TELEGRAM_BUTTON_LIMIT = 100


def end_of_today_in_kyiv(moment: datetime) -> datetime:
    day = moment.astimezone(KYIV).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=KYIV).astimezone(UTC)


def later_today(moment: datetime) -> datetime:
    """Between ``moment`` and midnight in Kyiv, whatever the hour."""
    return moment + (end_of_today_in_kyiv(moment) - moment) / 2


async def add_task(session: AsyncSession, owner: Staff, title: str, due: datetime) -> Task:
    task = await create_task(session, actor=owner, title=title, due_at=due)
    await session.commit()
    return task


async def stored_task(
    session_factory: async_sessionmaker[AsyncSession],
    task_id: int,
    settled: Callable[[Task], bool] = lambda _: True,
) -> Task:
    async def read() -> Task:
        async with session_factory() as session:
            task = await session.get(Task, task_id)
            assert task is not None
            return task

    return await eventually(read, settled)


async def test_today_lists_overdue_first_and_nothing_of_tomorrow(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    assert team.rep.staff is not None and team.other_rep.staff is not None
    now = utcnow()
    await add_task(session, team.rep.staff, "Call <Olena> & Co", now - timedelta(days=1))
    await add_task(session, team.rep.staff, "Send the offer", later_today(now))
    await add_task(session, team.rep.staff, "Tomorrow's demo", end_of_today_in_kyiv(now))
    await add_task(session, team.other_rep.staff, "Not mine", now - timedelta(hours=1))

    day = await telegram.say(team.rep, "/today")

    assert day.text is not None
    lines = day.text.splitlines()
    assert lines[0] == "📋 Your day: 2 tasks"
    assert lines[2].startswith("1. ⚠️ overdue since") and lines[2].endswith("— Call <Olena> & Co")
    assert lines[3].startswith("2. 🕒") and lines[3].endswith("— Send the offer")
    assert "Tomorrow's demo" not in day.text and "Not mine" not in day.text
    assert [b["text"] for b in day.buttons] == ["✅ 1", "💤 1", "✅ 2", "💤 2"]


async def test_done_applies_once_and_the_list_edits_in_place(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    assert team.rep.staff is not None
    task = await add_task(session, team.rep.staff, "Call Olena", utcnow() - timedelta(hours=1))
    day = await telegram.say(team.rep, "/today")
    done = day.button("✅ 1")["callback_data"]

    first = await telegram.press_for_answer(team.rep, day, data=done)
    done_at = (await stored_task(session_factory, task.id, lambda task: bool(task.done_at))).done_at
    second = await telegram.press_for_answer(team.rep, day, data=done, forged=True)
    shown = await telegram.control.message(day.chat_id, day.message_id)

    assert (first, second) == ("✅ Done", "This task is already done.")
    assert done_at is not None
    assert (await stored_task(session_factory, task.id)).done_at == done_at
    assert shown.text == "🎉 Nothing due today and nothing overdue. Enjoy the calm!"
    assert shown.buttons == []


async def test_snooze_moves_the_reminder_to_tomorrow_morning(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    assert team.rep.staff is not None
    task = await add_task(session, team.rep.staff, "Call Olena", utcnow() - timedelta(hours=1))
    day = await telegram.say(team.rep, "/today")

    choices = await telegram.press(team.rep, day, "💤 1")
    before = utcnow()
    snoozed = await telegram.press(team.rep, choices, "💤 Till tomorrow 10:00")
    after = utcnow()

    assert [b["text"] for b in choices.buttons] == [
        "💤 For 1 hour",
        "💤 Till tomorrow 10:00",
        "« Back",
    ]
    assert snoozed.text is not None and "💤 until" in snoozed.text
    assert [b["text"] for b in snoozed.buttons] == ["✅ 1", "💤 1"]
    stored = await stored_task(session_factory, task.id, lambda task: bool(task.snoozed_until))
    assert stored.remind_at in {tomorrow_at_ten_in_kyiv(before), tomorrow_at_ten_in_kyiv(after)}
    assert stored.snoozed_until == stored.remind_at
    assert stored.due_at == task.due_at and stored.done_at is None


async def test_an_empty_day_gets_a_friendly_word(telegram: Telegram, team: Team) -> None:
    english = await telegram.say(team.rep, "/today")
    ukrainian = await telegram.say(team.other_rep, "/today")

    assert english.text == "🎉 Nothing due today and nothing overdue. Enjoy the calm!"
    assert ukrainian.text == "🎉 На сьогодні задач немає, прострочених теж. Гарного дня!"
    assert english.reply_markup is None


@pytest.mark.parametrize(
    ("count", "heading"),
    [(1, "1 задача"), (2, "2 задачі"), (5, "5 задач"), (11, "11 задач"), (21, "21 задача")],
)
async def test_ukrainian_counts_agree_with_the_number(
    telegram: Telegram, team: Team, session: AsyncSession, count: int, heading: str
) -> None:
    assert team.other_rep.staff is not None
    now = utcnow()
    for number in range(count):
        await add_task(session, team.other_rep.staff, f"Задача {number}", now - timedelta(hours=1))

    day = await telegram.say(team.other_rep, "/today")

    assert day.text is not None and day.text.startswith(f"📋 Ваш день: {heading}\n")
    assert "1. ⚠️ прострочено з" in day.text


async def test_a_long_day_is_paginated_within_telegrams_limits(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    assert team.rep.staff is not None
    now = utcnow()
    for number in range(25):
        title = f"{number:02d} " + "long title " * 18
        await add_task(session, team.rep.staff, title[:200], now - timedelta(minutes=number))

    first = await telegram.say(team.rep, "/today")
    first_text = first.text
    last = await telegram.press(team.rep, await telegram.press(team.rep, first, "Next ›"), "Next ›")

    assert first_text is not None and len(first_text) <= TELEGRAM_TEXT_LIMIT
    assert "Page 1 of 3" in first_text and first_text.startswith("📋 Your day: 25 tasks")
    assert len(first.buttons) <= TELEGRAM_BUTTON_LIMIT
    assert [b["text"] for b in first.buttons][-1] == "Next ›"
    assert last.text is not None and "Page 3 of 3" in last.text
    assert "21. ⚠️" in last.text and "25. ⚠️" in last.text
    assert [b["text"] for b in last.buttons][-1] == "‹ Previous"


async def test_done_forged_for_another_reps_task_is_not_allowed(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    assert team.other_rep.staff is not None
    theirs = await add_task(session, team.other_rep.staff, "Чуже", utcnow())
    mine = await telegram.say(team.rep, "/today")

    answers = [
        await telegram.press_for_answer(
            team.rep, mine, data=f"tk:{theirs.id}:{action}:0", forged=True
        )
        for action in ("d", "s", "h", "m")
    ]

    assert answers == [NOT_ALLOWED] * 4
    stored = await stored_task(session_factory, theirs.id)
    assert (stored.done_at, stored.snoozed_until) == (None, None)
    assert stored.remind_at == theirs.remind_at
