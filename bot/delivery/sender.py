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
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
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

    async def release_claims(self) -> None:
        async with self.session_factory() as session:
            await outbox.release_claims(session, worker=self.worker)
            await session.commit()

    async def send_due(self) -> int:
        """Claim one batch of due messages and send it; the number claimed."""
        async with self.session_factory() as session:
            claimed = await outbox.claim_due(
                session, worker=self.worker, now=self.clock(), limit=BATCH, lease=self.lease
            )
            await session.commit()
        by_recipient = groupby(
            sorted(claimed, key=lambda m: (m.recipient_id, m.due_at, m.id)),
            key=lambda m: m.recipient_id,
        )
        await asyncio.gather(*(self._send_in_order(list(messages)) for _, messages in by_recipient))
        return len(claimed)

    async def _send_in_order(self, messages: list[OutboxMessage]) -> None:
        """One person's messages one after another, so they read them in order; on a stop,
        what has not started is left for :meth:`run` to hand back."""
        for message in messages:
            if self.stopping:
                return
            await self._deliver(message)

    async def _deliver(self, message: OutboxMessage) -> None:
        async with self.session_factory() as session:
            recipient = await session.get(Staff, message.recipient_id)
            try:
                outgoing = await self._render(session, recipient, message)
            except Exception as error:  # a renderer's bug must not stop the sender
                log.exception("outbox %s (%s) could not be rendered", message.id, message.kind)
                await self._failed(session, message, repr(error))
                return
            if outgoing is None:
                await outbox.mark_skipped(
                    session,
                    message_id=message.id,
                    worker=self.worker,
                    now=self.clock(),
                    why="nothing left to say",
                )
            else:
                assert recipient is not None
                await self._send_and_settle(session, message, recipient, outgoing)
            await session.commit()

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
    ) -> None:
        # The reads made while rendering end here: no transaction stays open over the wait.
        await session.commit()
        async with self.pacer.background_slot(recipient.telegram_id):
            if self.stopping:
                return  # handed back by run() for the next sender
            still_ours = await outbox.renew_claim(
                session,
                message_id=message.id,
                worker=self.worker,
                now=self.clock(),
                lease=self.lease,
            )
            await session.commit()
            if still_ours:
                await self._send_now_and_settle(session, message, recipient, outgoing)

    async def _send_now_and_settle(
        self, session: AsyncSession, message: OutboxMessage, recipient: Staff, outgoing: Outgoing
    ) -> None:
        try:
            await self._send(recipient.telegram_id, outgoing)
        except TelegramRetryAfter as limit:
            until = self.clock() + timedelta(seconds=limit.retry_after)
            await outbox.postpone(session, message_id=message.id, worker=self.worker, until=until)
        except TelegramForbiddenError:
            log.info("staff %s blocked the bot; their messages wait", recipient.id)
            await outbox.mark_blocked(session, staff_id=recipient.id, now=self.clock())
            await outbox.postpone(
                session, message_id=message.id, worker=self.worker, until=self.clock()
            )
        except TelegramBadRequest as refused:
            # Telegram will refuse the same message again: no point retrying it.
            log.error("outbox %s refused by Telegram: %s", message.id, refused.message)
            await outbox.give_up(
                session, message_id=message.id, worker=self.worker, error=refused.message
            )
        except (TelegramNetworkError, TelegramServerError, OSError, TimeoutError) as error:
            await self._failed(session, message, repr(error))
        else:
            await outbox.mark_sent(
                session, message_id=message.id, worker=self.worker, now=self.clock()
            )

    async def _failed(self, session: AsyncSession, message: OutboxMessage, error: str) -> None:
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
