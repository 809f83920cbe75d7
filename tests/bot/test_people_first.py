"""While a backlog of news drains, the outbox sender steps aside on the event loop for a
person's update being served; news that fits one batch goes out at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from aiogram import Bot
from aiogram_i18n.cores import FluentRuntimeCore
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.messages import Outgoing, Reader
from bot.delivery.sender import BATCH, OutboxSender
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


async def _news(
    session_factory: async_sessionmaker[AsyncSession], team: Team, clock: Clock, count: int
) -> None:
    assert team.manager.staff is not None
    async with session_factory() as session:
        for _ in range(count):
            outbox.enqueue(
                session, recipient_id=team.manager.staff.id, kind=KIND, payload={}, due_at=clock.now
            )
        await session.commit()


async def _statuses(session_factory: async_sessionmaker[AsyncSession]) -> list[OutboxStatus]:
    async with session_factory() as session:
        kinds = select(OutboxMessage.status).where(OutboxMessage.kind == KIND)
        return sorted((await session.scalars(kinds)).all())


@pytest.fixture
def a_day_ahead() -> Clock:
    """A day ahead, so the bot's own running sender leaves the messages alone."""
    return Clock(utcnow() + timedelta(days=1))


@pytest.fixture
def patient_pacer() -> SendPacer:
    return SendPacer(longest_step_aside=NEVER)


@pytest.fixture
def note_sender(
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    translator: FluentRuntimeCore,
    a_day_ahead: Clock,
    patient_pacer: SendPacer,
) -> OutboxSender:
    return OutboxSender(
        bot,
        session_factory,
        translator,
        {KIND: render_note},
        clock=a_day_ahead,
        pacer=patient_pacer,
    )


async def test_a_backlog_waits_while_a_persons_update_is_served_then_goes_out(
    telegram: Telegram,
    team: Team,
    session_factory: async_sessionmaker[AsyncSession],
    a_day_ahead: Clock,
    patient_pacer: SendPacer,
    note_sender: OutboxSender,
) -> None:
    await _news(session_factory, team, a_day_ahead, BATCH + 1)

    async with patient_pacer.serving_update():
        sending = asyncio.create_task(note_sender.send_due())
        await asyncio.sleep(0.5)
        assert OutboxStatus.SENT not in await _statuses(session_factory)
    assert await sending == BATCH

    statuses = await _statuses(session_factory)
    assert statuses.count(OutboxStatus.SENT) == BATCH
    chat = await telegram.control.messages(team.manager.user.id)
    assert len([m for m in chat if (m.text or "").startswith("Note #")]) == BATCH


async def test_news_that_fits_one_batch_goes_out_while_an_update_is_served(
    telegram: Telegram,
    team: Team,
    session_factory: async_sessionmaker[AsyncSession],
    a_day_ahead: Clock,
    patient_pacer: SendPacer,
    note_sender: OutboxSender,
) -> None:
    await _news(session_factory, team, a_day_ahead, 1)

    async with patient_pacer.serving_update():
        sending = asyncio.create_task(note_sender.send_due())
        await asyncio.sleep(0.5)
        assert await _statuses(session_factory) == [OutboxStatus.SENT]
    assert await sending == 1
