"""The sender asks the database whether a claim still holds only near the end of its lease:
a claim that lapsed while the sender waited its turn, and passed to another worker, is not
sent by the first; one near its end is renewed and sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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

KIND = "lease_note"


async def render_note(session: AsyncSession, reader: Reader, message: OutboxMessage) -> Outgoing:
    return Outgoing(text=f"Note #{message.id}")


class SlowTurn(SendPacer):
    """Waiting for the turn to send takes ``wait`` on the clock; a lapsed claim is taken
    meanwhile by another worker."""

    def __init__(
        self, clock: Clock, wait: timedelta, session_factory: async_sessionmaker[AsyncSession]
    ) -> None:
        super().__init__()
        self.clock = clock
        self.wait = wait
        self.session_factory = session_factory

    @asynccontextmanager
    async def background_slot(self, chat_id: int) -> AsyncIterator[None]:
        self.clock.now += self.wait
        async with self.session_factory() as session:
            await outbox.claim_due(session, worker="other", now=self.clock.now, limit=10)
            await session.commit()
        async with super().background_slot(chat_id):
            yield


async def send_one_after(
    wait: timedelta,
    *,
    bot: Bot,
    team: Team,
    session_factory: async_sessionmaker[AsyncSession],
    translator: FluentRuntimeCore,
) -> OutboxMessage:
    # A day ahead, so the bot's own running sender leaves the message alone.
    clock = Clock(utcnow() + timedelta(days=1))
    assert team.manager.staff is not None
    async with session_factory() as session:
        message = outbox.enqueue(
            session, recipient_id=team.manager.staff.id, kind=KIND, payload={}, due_at=clock.now
        )
        await session.commit()
    pacer = SlowTurn(clock, wait, session_factory)
    sender = OutboxSender(
        bot, session_factory, translator, {KIND: render_note}, clock=clock, pacer=pacer
    )
    assert await sender.send_due() == 1
    async with session_factory() as session:
        stored = await session.get(OutboxMessage, message.id)
        assert stored is not None
        return stored


async def notes(telegram: Telegram, team: Team) -> list[str]:
    chat = await telegram.control.messages(team.manager.user.id)
    return [message.text or "" for message in chat if (message.text or "").startswith("Note #")]


async def test_a_claim_that_lapsed_while_waiting_and_passed_on_is_not_sent(
    telegram: Telegram,
    team: Team,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    translator: FluentRuntimeCore,
) -> None:
    stored = await send_one_after(
        outbox.LEASE + timedelta(seconds=1),
        bot=bot,
        team=team,
        session_factory=session_factory,
        translator=translator,
    )

    assert stored.status == OutboxStatus.PENDING
    assert stored.claimed_by == "other"
    assert await notes(telegram, team) == []


async def test_a_claim_near_the_end_of_its_lease_is_renewed_and_sent(
    telegram: Telegram,
    team: Team,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    translator: FluentRuntimeCore,
) -> None:
    stored = await send_one_after(
        outbox.LEASE * 0.8,
        bot=bot,
        team=team,
        session_factory=session_factory,
        translator=translator,
    )

    assert stored.status == OutboxStatus.SENT
    assert stored.claimed_by is None
    assert await notes(telegram, team) == [f"Note #{stored.id}"]
