"""What the bot says is what the database holds, and what others are told reaches them.

Replies are sent only after the update's transaction committed; messages to other people go
through the outbox and never hold up the person at the keyboard.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Chat, Message, Update, User
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.delivery.sender import OutboxSender
from bot.pacing import SendPacer
from crm.models import Lead, OutboxMessage, OutboxStatus, Role, Staff
from emulator import EmulatorClient, RateLimits, RunningEmulator, SentMessage, SimulatedUser
from emulator.limits import SendLimiter
from tests.bot.conftest import Person, Team, Telegram


@pytest.fixture
def refuse_commits() -> Iterator[list[bool]]:
    """While the switch is on, every commit fails as a full disk or a lost server would."""
    switch = [False]

    def refuse(session: Session) -> None:
        if switch[0]:
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    event.listen(Session, "before_commit", refuse)
    yield switch
    event.remove(Session, "before_commit", refuse)


async def lead_count(session: AsyncSession, title: str) -> int:
    await session.rollback()
    count = await session.scalar(select(func.count()).where(Lead.title == title))
    return count or 0


async def test_a_change_that_could_not_be_saved_is_never_confirmed(
    telegram: Telegram, team: Team, session: AsyncSession, refuse_commits: list[bool]
) -> None:
    before = len(await telegram.control.messages(team.manager.user.id))
    refuse_commits[0] = True
    try:
        reply = await telegram.say(team.rep, "/lead Olena Petrenko +380671234567")
    finally:
        refuse_commits[0] = False

    assert reply.text == (
        "⚠️ Not saved: the database did not take the change. Nothing was changed; please try again."
    )
    assert await lead_count(session, "Olena Petrenko") == 0
    assert len(await telegram.control.messages(team.rep.user.id)) == 2  # /start's and this
    await asyncio.sleep(0.3)  # nothing is sent about it later either
    assert len(await telegram.control.messages(team.manager.user.id)) == before


async def test_managers_are_told_who_added_a_lead_and_open_it_in_one_tap(
    telegram: Telegram, team: Team
) -> None:
    before = len(await telegram.control.messages(team.manager.user.id))
    await telegram.say(team.rep, "/lead Olena Petrenko +380671234567")
    told = (await telegram.control.wait_for_messages(team.manager.user.id, before + 1))[-1]

    assert told.text is not None
    assert told.text.startswith("🆕 Новий лід Olena Petrenko, джерело: вручну, автор: Taras")
    card = await telegram.press(team.manager, told, "📇 Відкрити лід")
    assert card.text is not None and card.text.startswith("📇 Olena Petrenko")


NEWS = "🆕"


def is_news(message: SentMessage) -> bool:
    return (message.text or "").startswith(NEWS)


@pytest.mark.parametrize("stack", [("sqlite", "memory")], indirect=True)
async def test_a_persons_own_reply_goes_before_the_news_waiting_for_them(
    telegram: Telegram, team: Team, session: AsyncSession, pacer: SendPacer, sender: OutboxSender
) -> None:
    # Telegram's real per-chat pace from here on, for the bot and the emulator alike.
    (bot_state,) = telegram.emulator.state.bots.values()
    bot_state.limiter = SendLimiter(RateLimits(), time.monotonic)
    pacer.per_chat.clear()
    pacer.per_chat.default_factory = SendPacer().per_chat.default_factory
    manager = await staff_row(session, team.manager)
    lead = Lead(title="Busy day", stage_id=1, version=1)
    session.add(lead)
    await session.flush()
    for _ in range(20):  # twenty seconds' worth of news at one message a second
        session.add(
            OutboxMessage(
                recipient_id=manager.id,
                kind="lead_created",
                payload={"lead_id": lead.id, "actor_id": None},
            )
        )
    await session.commit()
    chat = team.manager.user.id
    before = len(await telegram.control.messages(chat))
    sender.wake()
    await telegram.control.wait_for_messages(chat, before + 1)  # the news is flowing

    await telegram.control.send_text(team.manager.user, "/today")
    async with asyncio.timeout(10):
        while True:
            shown = (await telegram.control.messages(chat))[before:]
            replies = [
                n for n, message in enumerate(shown) if not (message.text or "").startswith(NEWS)
            ]
            if replies:
                break
            await asyncio.sleep(0.1)
    news_before_the_reply = replies[0]

    # The reply came while news still waited its turn behind it.
    assert news_before_the_reply < 20
    waiting = await session.scalar(
        select(func.count()).where(
            OutboxMessage.recipient_id == manager.id,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
    )
    assert waiting is not None and waiting > 0
    assert await telegram.rate_limit_hits() == 0


def typed(user: SimulatedUser, text: str, update_id: int) -> Update:
    person = User(id=user.id, is_bot=False, first_name=user.first_name)
    message = Message(
        message_id=update_id,
        date=datetime.now(UTC),
        chat=Chat(id=user.id, type="private"),
        from_user=person,
        text=text,
    )
    return Update(update_id=update_id, message=message)


@pytest.mark.parametrize("stack", [("sqlite", "memory")], indirect=True)
async def test_a_reply_waiting_out_telegrams_limit_holds_up_nobody_elses_work(
    emulator: RunningEmulator,
    bot: Bot,
    dispatcher: Dispatcher,
    session: AsyncSession,
) -> None:
    slow, quick = (
        SimulatedUser(id=601, first_name="Slow"),
        SimulatedUser(id=602, first_name="Quick"),
    )
    session.add_all(
        Staff(telegram_id=user.id, display_name=user.first_name, role=Role.REP)
        for user in (slow, quick)
    )
    await session.commit()
    async with EmulatorClient(emulator.base_url) as control:
        for user in (slow, quick):
            await control.start_chat(user)
    # One message every seven seconds per chat: longer than SQLite waits for a lock (5 s).
    (bot_state,) = emulator.state.bots.values()
    bot_state.limiter = SendLimiter(
        RateLimits(per_chat_per_second=1 / 7, per_chat_burst=1), time.monotonic
    )
    await bot.send_message(slow.id, "the slow chat's one message for now")

    slow_lead = asyncio.create_task(dispatcher.feed_update(bot, typed(slow, "/lead Alpha", 1)))
    await asyncio.sleep(0.5)  # its reply now waits for Telegram
    await dispatcher.feed_update(bot, typed(quick, "/lead Beta", 2))

    assert not slow_lead.done()
    assert await lead_count(session, "Beta") == 1
    await slow_lead
    assert await lead_count(session, "Alpha") == 1


async def staff_row(session: AsyncSession, person: Person) -> Staff:
    await session.rollback()
    staff = await session.scalar(select(Staff).where(Staff.telegram_id == person.user.id))
    assert staff is not None
    return staff


async def test_news_for_someone_who_blocked_the_bot_waits_until_they_write_again(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    await telegram.control.set_blocked(team.manager.user)
    await telegram.say(team.rep, "/lead Blocked Meanwhile +380671234599")
    async with asyncio.timeout(10):
        while (await staff_row(session, team.manager)).blocked_bot_at is None:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    await telegram.control.set_blocked(team.manager.user, blocked=False)

    before = len(await telegram.control.messages(team.manager.user.id))
    await telegram.say(team.manager, "/today")
    told = await telegram.control.wait_for_messages(team.manager.user.id, before + 2)

    assert any("Blocked Meanwhile" in (message.text or "") for message in told[before:])
    assert (await staff_row(session, team.manager)).blocked_bot_at is None


async def test_admins_see_what_was_given_up_and_can_send_it_again(
    telegram: Telegram, team: Team, session: AsyncSession
) -> None:
    manager = await staff_row(session, team.manager)
    lead = Lead(title="Given up", stage_id=1, version=1)
    session.add(lead)
    await session.flush()
    session.add(
        OutboxMessage(
            recipient_id=manager.id,
            kind="lead_created",
            payload={"lead_id": lead.id, "actor_id": None},
            status=OutboxStatus.FAILED,
            attempts=8,
            last_error="TelegramNetworkError('timeout')",
        )
    )
    await session.commit()

    refused = await telegram.say(team.rep, "/delivery")
    screen = await telegram.say(team.admin, "/delivery")
    before = len(await telegram.control.messages(team.manager.user.id))
    await telegram.press(team.admin, screen, "🔁 Send the given-up messages again")
    told = await telegram.control.wait_for_messages(team.manager.user.id, before + 1)

    assert refused.text == "Not allowed"
    assert screen.text is not None
    assert "1 message was given up after repeated failures" in screen.text
    assert "Марина: TelegramNetworkError('timeout')" in screen.text
    assert "Given up" in (told[-1].text or "")
