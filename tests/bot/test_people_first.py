"""The outbox sender steps aside on the event loop while a person's update is being served:
news waits, unclaimed, until the update is through, then goes out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiogram import Bot
from aiogram_i18n.cores import FluentRuntimeCore
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.messages import Outgoing, Reader
from bot.delivery.sender import OutboxSender
from bot.pacing import SendPacer
from crm import outbox
from crm.models import OutboxMessage, OutboxStatus, utcnow
from tests.bot.conftest import Team, Telegram
from tests.scheduler.conftest import Clock

KIND = "people_first_note"
# Long enough that nothing but the update's end lets the sender through.
NEVER = 3600.0


async def render_note(session: AsyncSession, reader: Reader, message: OutboxMessage) -> Outgoing:
    return Outgoing(text=f"Note #{message.id}")


async def test_news_waits_unclaimed_while_a_persons_update_is_served_then_goes_out(
    telegram: Telegram,
    team: Team,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    translator: FluentRuntimeCore,
) -> None:
    # A day ahead, so the bot's own running sender leaves the message alone.
    clock = Clock(utcnow() + timedelta(days=1))
    assert team.manager.staff is not None
    async with session_factory() as session:
        message = outbox.enqueue(
            session, recipient_id=team.manager.staff.id, kind=KIND, payload={}, due_at=clock.now
        )
        await session.commit()
    pacer = SendPacer(longest_step_aside=NEVER)
    sender = OutboxSender(
        bot, session_factory, translator, {KIND: render_note}, clock=clock, pacer=pacer
    )

    async with pacer.serving_update():
        sending = asyncio.create_task(sender.send_due())
        await asyncio.sleep(0.5)
        async with session_factory() as session:
            waiting = await session.get(OutboxMessage, message.id)
        assert waiting is not None
        assert (waiting.status, waiting.claimed_by) == (OutboxStatus.PENDING, None)
    assert await sending == 1

    async with session_factory() as session:
        sent = await session.get(OutboxMessage, message.id)
    assert sent is not None and sent.status == OutboxStatus.SENT
    chat = await telegram.control.messages(team.manager.user.id)
    assert [m.text for m in chat if (m.text or "").startswith("Note #")] == [f"Note #{message.id}"]
