"""The one sender of the outbox: claims due messages with a lease, renders each in its
reader's language, sends it within Telegram's limits and settles it.

A 429 sends the message later, as Telegram asked; a person who blocked the bot is marked and
their messages wait until they write again; network and server errors are retried with
backoff and, after repeated failures, the message is marked failed (admins see the count).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from itertools import groupby

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram_i18n.cores import FluentRuntimeCore
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.loop import SendingLoop
from bot.delivery.messages import Outgoing, Renderer, reader_of
from bot.pacing import SendPacer, background_sending
from crm import outbox
from crm.models import OutboxMessage, Staff, utcnow

log = logging.getLogger(__name__)
# What to write about a message once its batch is through, in the batch's one transaction.
Settle = Callable[[AsyncSession], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Sent:
    """A message sent at ``at``: the batch's sent messages are written in one statement."""

    message_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Skipped:
    """A message found at ``at`` to have nothing left to say: written with the batch's others
    in one statement, as the sent ones are."""

    message_id: int
    at: datetime


@dataclass(slots=True)
class _Batch:
    sent: list[Sent] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    settles: list[Settle] = field(default_factory=list)

    def add(self, outcome: Sent | Skipped | Settle) -> None:
        if isinstance(outcome, Sent):
            self.sent.append(outcome)
        elif isinstance(outcome, Skipped):
            self.skipped.append(outcome)
        else:
            self.settles.append(outcome)


NOTHING_TO_SAY = "nothing left to say"
# About a second's worth of sends: a claim is never held much longer than it takes to send.
BATCH = 25


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class OutboxSender(SendingLoop):
    def __init__(
        self,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        translator: FluentRuntimeCore,
        renderers: Mapping[str, Renderer],
        *,
        clock: Callable[[], datetime] = utcnow,
        worker: str | None = None,
        lease: timedelta = outbox.LEASE,
        pacer: SendPacer | None = None,
    ) -> None:
        """``pacer`` is the bot's own, so the outbox and people's replies share one pace."""
        super().__init__()
        self.bot = bot
        self.session_factory = session_factory
        self.translator = translator
        self.renderers = renderers
        self.clock = clock
        self.worker = worker or worker_name()
        self.lease = lease
        self.pacer = pacer or SendPacer()
        self._rendering = asyncio.Lock()
        # Whether the last claim filled a batch: more news is waiting than one batch holds.
        self._draining_backlog = False

    async def release_claims(self) -> None:
        async with self.session_factory() as session:
            await outbox.release_claims(session, worker=self.worker)
            await session.commit()

    async def send_due(self) -> int:
        """Claim one batch of due messages and send it; the number claimed."""
        await self._step_aside_for_people()
        async with self.session_factory() as session:
            claimed = await outbox.claim_due(
                session, worker=self.worker, now=self.clock(), limit=BATCH, lease=self.lease
            )
            await session.commit()
        self._draining_backlog = len(claimed) == BATCH
        by_recipient = groupby(
            sorted(claimed, key=lambda m: (m.recipient_id, m.due_at, m.id)),
            key=lambda m: m.recipient_id,
        )
        batch = _Batch()
        sending = (self._send_in_order(list(messages), batch) for _, messages in by_recipient)
        outcomes = await asyncio.gather(*sending, return_exceptions=True)
        await self._settle(batch)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return len(claimed)

    async def _settle(self, batch: _Batch) -> None:
        """What became of a batch, written in one short transaction (the sent messages in
        one statement, the skipped ones in another): SQLite has one writer, and a commit, or
        a statement, per message would make people's own updates queue behind them. A process
        killed before this may send the batch again: those messages were in flight."""
        if not batch.sent and not batch.skipped and not batch.settles:
            return
        await self._step_aside_for_people()
        async with self.session_factory() as session:
            sent = [(each.message_id, each.at) for each in batch.sent]
            await outbox.mark_all_sent(session, worker=self.worker, sent=sent)
            skipped = [(each.message_id, each.at) for each in batch.skipped]
            await outbox.mark_all_skipped(
                session, worker=self.worker, skipped=skipped, why=NOTHING_TO_SAY
            )
            for settle in batch.settles:
                await settle(session)
            await session.commit()

    async def _step_aside_for_people(self) -> None:
        """While a backlog drains, each step waits for people's updates being served; news
        that fits one batch goes out at once, as it did when it was the only thing to do."""
        if self._draining_backlog:
            await self.pacer.people_first()

    async def _send_in_order(self, messages: list[OutboxMessage], batch: _Batch) -> None:
        """One person's messages one after another, so they read them in order; on a stop,
        what has not started is left for :meth:`run` to hand back."""
        for message in messages:
            if self.stopping:
                return
            outcome = await self._deliver(message)
            if outcome is not None:
                batch.add(outcome)

    async def _deliver(self, message: OutboxMessage) -> Sent | Skipped | Settle | None:
        """Render and send ``message``; what to write about it (None: nothing)."""
        async with self.session_factory() as session:
            # One message of the batch is read and rendered at a time, and not while a person's
            # update is being served: the batch's chats wait for their turns to send side by
            # side, but their queries and rendering, all at once, would stand between the
            # update and each of its own steps on the event loop.
            async with self._rendering:
                await self._step_aside_for_people()
                recipient = await session.get(Staff, message.recipient_id)
                try:
                    outgoing = await self._render(session, recipient, message)
                except Exception as error:  # a renderer's bug must not stop the sender
                    log.exception("outbox %s (%s) could not be rendered", message.id, message.kind)
                    return partial(self._failed, message=message, error=repr(error))
                # The reads made while rendering end here: no transaction stays open over the
                # wait for a turn to send.
                await session.commit()
            if outgoing is None:
                return Skipped(message.id, self.clock())
            assert recipient is not None
            return await self._send_and_settle(session, message, recipient, outgoing)

    async def _render(
        self, session: AsyncSession, recipient: Staff | None, message: OutboxMessage
    ) -> Outgoing | None:
        if recipient is None or not recipient.is_active:
            return None
        render = self.renderers.get(message.kind)
        if render is None:
            raise LookupError(f"no renderer for outbox kind {message.kind!r}")
        return await render(session, reader_of(recipient, self.translator), message)

    async def _send_and_settle(
        self, session: AsyncSession, message: OutboxMessage, recipient: Staff, outgoing: Outgoing
    ) -> Sent | Settle | None:
        async with self.pacer.background_slot(recipient.telegram_id):
            if self.stopping:
                return None  # handed back by run() for the next sender
            if not await self._still_ours(session, message):
                return None
            return await self._send_now(message, recipient, outgoing)

    async def _still_ours(self, session: AsyncSession, message: OutboxMessage) -> bool:
        """Whether the claim holds right before sending. While most of its lease is left
        nobody else may take it, so the database is not asked: each write is a moment the
        people's own updates wait for SQLite's one writer. A claim near its end is renewed."""
        now = self.clock()
        if message.claimed_until is not None and message.claimed_until - now > self.lease / 2:
            return True
        still_ours = await outbox.renew_claim(
            session, message_id=message.id, worker=self.worker, now=now, lease=self.lease
        )
        await session.commit()
        return still_ours

    async def _send_now(
        self, message: OutboxMessage, recipient: Staff, outgoing: Outgoing
    ) -> Sent | Settle:
        """Send; what to write about the message, by how it went."""
        message_id, worker = message.id, self.worker
        try:
            await self._send(recipient.telegram_id, outgoing)
        except TelegramRetryAfter as limit:
            until = self.clock() + timedelta(seconds=limit.retry_after)
            return partial(outbox.postpone, message_id=message_id, worker=worker, until=until)
        except TelegramForbiddenError:
            log.info("staff %s blocked the bot; their messages wait", recipient.id)
            return partial(self._blocked, message=message, staff_id=recipient.id, now=self.clock())
        except TelegramBadRequest as refused:
            # Telegram will refuse the same message again: no point retrying it.
            log.error("outbox %s refused by Telegram: %s", message.id, refused.message)
            return partial(
                outbox.give_up, message_id=message_id, worker=worker, error=refused.message
            )
        except (TelegramNetworkError, TelegramServerError, OSError, TimeoutError) as error:
            return partial(self._failed, message=message, error=repr(error))
        return Sent(message_id, self.clock())

    async def _blocked(
        self, session: AsyncSession, *, message: OutboxMessage, staff_id: int, now: datetime
    ) -> None:
        await outbox.mark_blocked(session, staff_id=staff_id, now=now)
        await outbox.postpone(session, message_id=message.id, worker=self.worker, until=now)

    async def _failed(self, session: AsyncSession, *, message: OutboxMessage, error: str) -> None:
        outcome = await outbox.record_failure(
            session, message=message, worker=self.worker, now=self.clock(), error=error
        )
        if outcome.given_up:
            log.error("outbox %s given up after repeated failures: %s", message.id, error)

    async def _send(self, chat_id: int, outgoing: Outgoing) -> None:
        token = background_sending.set(True)
        try:
            if outgoing.photo is not None:
                await self.bot.send_photo(
                    chat_id,
                    outgoing.photo,
                    caption=outgoing.text,
                    reply_markup=outgoing.reply_markup,
                )
            else:
                await self.bot.send_message(
                    chat_id, outgoing.text, reply_markup=outgoing.reply_markup
                )
        finally:
            background_sending.reset(token)
