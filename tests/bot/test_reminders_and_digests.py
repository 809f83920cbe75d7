"""What the scheduler brings to people's chats, end to end: reminders with Done, Snooze and
Open lead, overdue tasks for managers, idle-deal nudges and morning digests.

The scheduler's rounds and a sender of our own run on a clock the test sets, in the future,
so the bot's own sender (on the real clock) never takes what they write; the test runs them
when it wants, and nothing waits in real time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from aiogram import Bot
from aiogram_i18n.cores import FluentRuntimeCore
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.registry import RENDERERS
from bot.delivery.sender import OutboxSender
from crm.models import Lead, OutboxMessage, OutboxStatus, Staff, Task, utcnow
from crm.services import tasks
from crm.services.pipelines import default_pipeline
from emulator import SentMessage
from handlers.task_keyboards import ReminderAction, ReminderActionKind, ShowLead
from scheduler import Rounds
from tests.bot.conftest import Person, Team, Telegram
from tests.bot.test_follow_ups import eventually
from tests.scheduler.conftest import Clock, kyiv

Round = Callable[[], Awaitable[int]]
LARGEST_ID = 2**63 - 1
CALLBACK_DATA_LIMIT = 64
REMINDER_BUTTONS = ["✅ Done", "📇 Open lead", "💤 15 min", "💤 1 hour", "💤 Tomorrow 9:00"]


@dataclass
class Scheduling:
    """The scheduler's rounds and an outbox sender, both on ``clock``."""

    telegram: Telegram
    rounds: Rounds
    sender: OutboxSender
    clock: Clock

    async def run(self, *rounds: Round) -> None:
        """Run ``rounds`` at the clock's time, then send everything due by then."""
        for each in rounds:
            await each()
        while await self.sender.send_due():
            pass

    async def chat(self, person: Person) -> list[SentMessage]:
        return await self.telegram.control.messages(person.user.id)


@pytest.fixture
def clock() -> Clock:
    # A day ahead: what the rounds write is due in the future for the bot's own sender.
    return Clock(utcnow() + timedelta(days=1))


@pytest.fixture
def scheduling(
    telegram: Telegram,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    translator: FluentRuntimeCore,
    clock: Clock,
) -> Scheduling:
    sender = OutboxSender(bot, session_factory, translator, RENDERERS, clock=clock)
    return Scheduling(telegram, Rounds(session_factory, sender, clock=clock), sender, clock)


def staff(person: Person) -> Staff:
    assert person.staff is not None
    return person.staff


async def add_lead(
    session: AsyncSession, owner: Person, title: str, *, quiet_since: datetime | None = None
) -> Lead:
    pipeline = await default_pipeline(session)
    lead = Lead(stage_id=pipeline.stages[0].id, title=title, responsible_id=staff(owner).id)
    if quiet_since is not None:
        lead.last_activity_at = lead.created_at = quiet_since
    session.add(lead)
    await session.commit()
    return lead


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


def texts(messages: list[SentMessage]) -> list[str]:
    return [message.text or "" for message in messages]


async def test_a_reminder_arrives_at_its_minute_and_done_works_from_it(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    scheduling: Scheduling,
) -> None:
    lead = await add_lead(session, team.rep, "Olena Petrenko")
    task = await tasks.create_task(
        session,
        actor=staff(team.rep),
        title="Call about the <offer>",
        due_at=scheduling.clock.now + timedelta(minutes=1),
        lead_id=lead.id,
    )
    await session.commit()
    before = len(await scheduling.chat(team.rep))

    await scheduling.run(scheduling.rounds.reminders)
    too_early = len(await scheduling.chat(team.rep))
    scheduling.clock.now += timedelta(minutes=1)
    await scheduling.run(scheduling.rounds.reminders)
    await scheduling.run(scheduling.rounds.reminders)
    reminder = (await scheduling.chat(team.rep))[-1]

    assert too_early == before
    assert len(await scheduling.chat(team.rep)) == before + 1
    assert reminder.text is not None
    lines = reminder.text.splitlines()
    assert lines[:2] == ["⏰ Reminder: Call about the <offer>", "📇 Olena Petrenko"]
    assert lines[2].startswith("🕒 Due ") and len(lines) == 3
    assert [button["text"] for button in reminder.buttons] == REMINDER_BUTTONS

    done_data = reminder.button("✅ Done")["callback_data"]
    done = await telegram.press(team.rep, reminder, "✅ Done")
    stored = await stored_task(session_factory, task.id, lambda task: task.done_at is not None)
    again = await telegram.press_for_answer(team.rep, reminder, data=done_data, forged=True)

    assert done.text is not None and done.text.startswith("✅ Done\n\n⏰ Reminder: Call about")
    assert [button["text"] for button in done.buttons] == ["📇 Open lead"]
    assert stored.done_at is not None
    assert again == "This task is already done."


async def test_snoozed_from_the_reminder_it_comes_back_once_at_the_new_time(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    scheduling: Scheduling,
) -> None:
    task = await tasks.create_task(
        session, actor=staff(team.rep), title="Send the invoice", due_at=scheduling.clock.now
    )
    await session.commit()
    await scheduling.run(scheduling.rounds.reminders)
    reminder = (await scheduling.chat(team.rep))[-1]

    before = utcnow()
    snoozed = await telegram.press(team.rep, reminder, "💤 15 min")
    stored = await stored_task(session_factory, task.id, lambda task: task.reminder_sent_at is None)

    assert snoozed.text is not None and snoozed.text.startswith("💤 Snoozed until")
    assert stored.remind_at is not None
    assert before + timedelta(minutes=15) <= stored.remind_at <= utcnow() + timedelta(minutes=15)
    assert [button["text"] for button in snoozed.buttons] == ["✅ Done", *REMINDER_BUTTONS[2:]]

    count = len(await scheduling.chat(team.rep))
    scheduling.clock.now = stored.remind_at
    await scheduling.run(scheduling.rounds.reminders)
    await scheduling.run(scheduling.rounds.reminders)
    chat = await scheduling.chat(team.rep)

    assert len(chat) == count + 1
    assert chat[-1].text is not None and chat[-1].text.startswith("⏰ Reminder: Send the invoice")


async def test_open_lead_sends_the_card_below_the_reminder(
    telegram: Telegram, team: Team, session: AsyncSession, scheduling: Scheduling
) -> None:
    lead = await add_lead(session, team.rep, "Olena Petrenko")
    await tasks.create_task(
        session,
        actor=staff(team.rep),
        title="Call",
        due_at=scheduling.clock.now,
        lead_id=lead.id,
    )
    await session.commit()
    await scheduling.run(scheduling.rounds.reminders)
    reminder = (await scheduling.chat(team.rep))[-1]

    pressed = await telegram.press(team.rep, reminder, "📇 Open lead")
    card = await telegram.latest(team.rep)

    assert pressed.text == reminder.text and not pressed.edited
    assert card.message_id != reminder.message_id
    assert card.text is not None and card.text.startswith("📇 Olena Petrenko")


async def test_a_reminder_missed_while_nothing_ran_and_committed_but_not_sent_goes_out_once(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    bot: Bot,
    translator: FluentRuntimeCore,
    scheduling: Scheduling,
) -> None:
    await tasks.create_task(
        session,
        actor=staff(team.rep),
        title="Call",
        due_at=scheduling.clock.now - timedelta(hours=2),
    )
    await session.commit()
    before = len(await scheduling.chat(team.rep))

    # The first process writes the reminder and dies before sending it.
    await scheduling.rounds.reminders()
    restarted = OutboxSender(bot, session_factory, translator, RENDERERS, clock=scheduling.clock)
    again = Scheduling(
        telegram,
        Rounds(session_factory, restarted, clock=scheduling.clock),
        restarted,
        scheduling.clock,
    )
    await again.run(again.rounds.reminders)
    await again.run(again.rounds.reminders)

    chat = await scheduling.chat(team.rep)
    assert len(chat) == before + 1
    assert chat[-1].text is not None and "⌛ Sent late: it came due at" in chat[-1].text


async def test_a_person_who_blocked_the_bot_gets_their_reminder_once_they_write_again(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    scheduling: Scheduling,
) -> None:
    await tasks.create_task(
        session, actor=staff(team.rep), title="Call", due_at=scheduling.clock.now
    )
    await session.commit()
    await telegram.control.set_blocked(team.rep.user)
    before = len(await scheduling.chat(team.rep))

    await scheduling.run(scheduling.rounds.reminders)
    blocked = len(await scheduling.chat(team.rep))
    async with session_factory() as fresh:
        marked = await fresh.get(Staff, staff(team.rep).id)
        waiting = await fresh.scalar(select(OutboxMessage.status))
    await telegram.control.set_blocked(team.rep.user, False)
    await telegram.say(team.rep, "/today")
    await scheduling.run()
    chat = await scheduling.chat(team.rep)

    assert blocked == before
    assert marked is not None and marked.blocked_bot_at is not None
    assert waiting == OutboxStatus.PENDING
    assert len(chat) == before + 2  # the answer to /today, then the reminder
    assert chat[-1].text is not None and chat[-1].text.startswith("⏰ Reminder: Call")


async def test_reminders_switched_off_in_settings_are_not_sent(
    telegram: Telegram,
    team: Team,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    scheduling: Scheduling,
) -> None:
    settings = await telegram.say(team.rep, "/settings")
    toggles = await telegram.press(team.rep, settings, "🔔 Notifications")
    toggles = await telegram.press(team.rep, toggles, "✅ Task reminders")
    assert "⬜ Task reminders" in [button["text"] for button in toggles.buttons]
    task = await tasks.create_task(
        session, actor=staff(team.rep), title="Call", due_at=scheduling.clock.now
    )
    await session.commit()
    before = len(await scheduling.chat(team.rep))

    await scheduling.run(scheduling.rounds.reminders)

    assert len(await scheduling.chat(team.rep)) == before
    assert (await stored_task(session_factory, task.id)).reminder_sent_at is not None


async def test_outside_working_hours_a_reminder_someone_else_set_waits_for_the_morning(
    team: Team, session: AsyncSession, scheduling: Scheduling
) -> None:
    rep = staff(team.rep)
    rep.work_starts, rep.work_ends = time(9, 0), time(18, 0)
    evening = kyiv(2030, 4, 16, 22, 0)
    await tasks.create_task(
        session, actor=staff(team.manager), title="Call", due_at=evening, assignee_id=rep.id
    )
    await session.commit()
    before = len(await scheduling.chat(team.rep))

    scheduling.clock.now = evening
    await scheduling.run(scheduling.rounds.reminders)
    at_night = len(await scheduling.chat(team.rep))
    scheduling.clock.now = kyiv(2030, 4, 17, 9, 0)
    await scheduling.run(scheduling.rounds.reminders)
    chat = await scheduling.chat(team.rep)

    assert at_night == before
    assert len(chat) == before + 1
    assert chat[-1].text is not None and chat[-1].text.startswith("⏰ Reminder: Call")


async def test_an_overdue_task_reaches_the_managers_and_an_idle_deal_its_rep(
    telegram: Telegram, team: Team, session: AsyncSession, scheduling: Scheduling
) -> None:
    now = scheduling.clock.now
    lead = await add_lead(session, team.rep, "Olena Petrenko", quiet_since=now - timedelta(days=4))
    await tasks.create_task(
        session,
        actor=staff(team.rep),
        title="Send the offer",
        due_at=now - timedelta(hours=25),
        lead_id=lead.id,
    )
    await session.commit()
    manager_before = len(await scheduling.chat(team.manager))
    rep_before = len(await scheduling.chat(team.rep))

    rounds = scheduling.rounds
    await scheduling.run(rounds.overdue_tasks, rounds.idle_deals)
    await scheduling.run(rounds.overdue_tasks, rounds.idle_deals)
    told = (await scheduling.chat(team.manager))[manager_before:]
    nudged = (await scheduling.chat(team.rep))[rep_before:]

    assert len(told) == 1
    assert texts(told)[0].startswith("⚠️ Прострочена задача: Send the offer\n👤 Taras · термін")
    assert "📇 Olena Petrenko" in texts(told)[0]
    (nudge,) = nudged
    assert nudge.text == (
        "💤 Olena Petrenko has had no activity for 4 days at New. A call or a note keeps it moving."
    )
    card = await telegram.press(team.manager, told[0], "📇 Відкрити лід")
    assert card.text is not None and card.text.startswith("📇 Olena Petrenko")


async def test_morning_digests_for_a_rep_and_the_managers(
    telegram: Telegram, team: Team, session: AsyncSession, scheduling: Scheduling
) -> None:
    nine = kyiv(2030, 4, 16, 9, 0)
    idle = await add_lead(session, team.rep, "Quiet Ltd", quiet_since=nine - timedelta(days=10))
    rep = staff(team.rep)
    for title, due, lead_id in (
        ("Yesterday's call", kyiv(2030, 4, 15, 16, 0), idle.id),
        ("Demo", kyiv(2030, 4, 16, 15, 30), None),
    ):
        task = await tasks.create_task(session, actor=rep, title=title, due_at=due, lead_id=lead_id)
        task.reminder_sent_at = task.escalated_at = nine  # only the digests in this test
    await session.commit()
    chats = {person: len(await scheduling.chat(person)) for person in team_people(team)}

    scheduling.clock.now = nine
    await scheduling.run(scheduling.rounds.digests)
    await scheduling.run(scheduling.rounds.digests)
    new = {person: (await scheduling.chat(person))[count:] for person, count in chats.items()}

    (digest,) = new[team.rep]
    assert digest.text is not None
    assert digest.text.splitlines() == [
        "☀️ Good morning! Your Tuesday, April 16, 2030:",
        "",
        "⚠️ Overdue: 1",
        "1. since Apr 15, 2030 — Yesterday's call",
        "",
        "📋 Due today: 1",
        "2. 3:30\u202fPM — Demo",
        "",
        "💤 Deals without activity: 1",
        "3. Quiet Ltd — quiet since Apr 6, 2030",
        "",
        "Tap a number to open its lead.",
    ]
    assert [button["text"] for button in digest.buttons] == ["📇 1", "📇 3"]
    (team_day,) = new[team.manager]
    assert team_day.text is not None
    assert team_day.text.startswith("📊 Учора, понеділок, 15 квітня 2030")
    assert "💤 Угод без руху: 1" in team_day.text
    assert len(new[team.admin]) == 1
    assert new[team.other_rep] == []  # nothing due, nothing idle: no digest

    await telegram.press(team.rep, digest, "📇 3")
    card = await telegram.latest(team.rep)
    assert card.text is not None and card.text.startswith("📇 Quiet Ltd")


def team_people(team: Team) -> list[Person]:
    return [team.admin, team.manager, team.rep, team.other_rep]


def test_reminder_and_digest_buttons_fit_telegrams_callback_limit() -> None:
    buttons = [
        *(ReminderAction(task_id=LARGEST_ID, action=action) for action in ReminderActionKind),
        ShowLead(lead_id=LARGEST_ID),
    ]

    assert max(len(button.pack().encode()) for button in buttons) <= CALLBACK_DATA_LIMIT
