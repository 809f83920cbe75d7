"""The sender of reps' WhatsApp replies: claims them from the outbox with a lease, as the
Telegram sender claims staff messages, and sends each through a WhatsApp messenger (the
Cloud API, or a fake one in tests) with no transaction open over the call.

A reply that went out gets Meta's message id, so the delivery reports Meta posts later move
its status on. Throttling and Meta's own trouble are retried with the outbox's backoff; a
refusal (a closed 24-hour window, a number not on WhatsApp) marks the reply failed at once,
and its author is told in the chat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.loop import SendingLoop
from bot.delivery.sender import BATCH, worker_name
from crm import outbox
from crm.models import MessageStatus, OutboxMessage, utcnow
from crm.services.conversations import QueuedReply, queued_reply, reply_not_sent, settle_reply
from web.graph_api import GraphApiError

log = logging.getLogger(__name__)


class WhatsAppMessenger(Protocol):
    async def send_text(self, *, to: str, text: str) -> str:
        """Send ``text`` to the number ``to``; the channel's id of the message. Raises
        :class:`GraphApiError` when it did not go out."""
        ...


class WhatsAppSender(SendingLoop):
    def __init__(
        self,
        messenger: WhatsAppMessenger,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime] = utcnow,
        worker: str | None = None,
        lease: timedelta = outbox.LEASE,
    ) -> None:
        super().__init__()
        self.messenger = messenger
        self.session_factory = session_factory
        self.clock = clock
        self.worker = worker or worker_name()
        self.lease = lease

    async def send_due(self) -> int:
        async with self.session_factory() as session:
            claimed = await outbox.claim_due_of_kinds(
                session,
                kinds=[outbox.WHATSAPP_REPLY],
                worker=self.worker,
                now=self.clock(),
                limit=BATCH,
                lease=self.lease,
            )
            await session.commit()
        for message in claimed:
            if self.stopping:
                break
            await self._deliver(message)
        return len(claimed)

    async def release_claims(self) -> None:
        async with self.session_factory() as session:
            await outbox.release_claims(session, worker=self.worker)
            await session.commit()

    async def _deliver(self, message: OutboxMessage) -> None:
        async with self.session_factory() as session:
            reply = await queued_reply(session, int(message.payload["message_id"]))
            if reply is None:
                await outbox.mark_skipped(
                    session,
                    message_id=message.id,
                    worker=self.worker,
                    now=self.clock(),
                    why="the reply is no longer queued",
                )
            elif await outbox.renew_claim(
                session,
                message_id=message.id,
                worker=self.worker,
                now=self.clock(),
                lease=self.lease,
            ):
                # The claim is renewed and committed before the call: nothing stays open.
                await session.commit()
                await self._send_and_settle(session, message, reply)
            await session.commit()

    async def _send_and_settle(
        self, session: AsyncSession, message: OutboxMessage, reply: QueuedReply
    ) -> None:
        try:
            provider_id = await self.messenger.send_text(to=reply.to, text=reply.text)
        except GraphApiError as error:
            await self._not_sent(session, message, reply, error)
            return
        await settle_reply(
            session,
            message_id=reply.message_id,
            status=MessageStatus.SENT,
            now=self.clock(),
            provider_message_id=provider_id,
        )
        await outbox.mark_sent(session, message_id=message.id, worker=self.worker, now=self.clock())

    async def _not_sent(
        self,
        session: AsyncSession,
        message: OutboxMessage,
        reply: QueuedReply,
        error: GraphApiError,
    ) -> None:
        if error.retryable:
            outcome = await outbox.record_failure(
                session, message=message, worker=self.worker, now=self.clock(), error=str(error)
            )
            if not outcome.given_up:
                return
        else:
            await outbox.give_up(
                session, message_id=message.id, worker=self.worker, error=str(error)
            )
        log.error("WhatsApp reply %s not sent: %s", reply.message_id, error)
        await reply_not_sent(
            session,
            message_id=reply.message_id,
            author_id=message.recipient_id,
            now=self.clock(),
        )
