"""One pacing for everything the bot sends, within Telegram's limits.

About 28 messages a second overall and one a second per chat on average (a burst of three is
fine). A person's own replies go first: messages nobody asked for in that moment (the outbox)
leave every chat a free send and wait while that chat has a reply waiting. A 429 that still
comes back pauses the chat (or the bot) for its ``retry_after``.

People's updates go first on the event loop too: the outbox sender takes each step (a claim,
a message's rendering, a batch's settling) once no update is being served, or after a short
wait at most, so news drained in bulk does not halve the speed of the person typing meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import (
    CopyMessage,
    ForwardMessage,
    SendContact,
    SendDocument,
    SendMediaGroup,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import Response, TelegramType
from aiolimiter import AsyncLimiter

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

# Telegram allows about 30; a little under it leaves room for clocks that disagree.
OVERALL_PER_SECOND = 28
PER_CHAT_BURST = 3
# A tenth slower than one a second: two clocks never quite agree, Telegram's least of all.
SECONDS_PER_CHAT_SEND = 1.1
# Background sends keep this many of a chat's burst free for the person's own replies.
KEPT_FOR_REPLIES = 1
BACKGROUND_POLL_SECONDS = 0.05
# A reply that meets a 429 is retried this often, and never after waiting longer than this:
# by then the person has moved on, and the outbox is the place for what must arrive.
REPLY_ATTEMPTS = 3
REPLY_LONGEST_WAIT = 30
SENDING_METHODS = (
    SendMessage,
    SendPhoto,
    SendDocument,
    SendMediaGroup,
    SendContact,
    CopyMessage,
    ForwardMessage,
)

# The longest background work steps aside for people's updates before it takes its step anyway:
# about one update's length, so a bot that is never idle still drains its outbox.
LONGEST_STEP_ASIDE_SECONDS = 0.05

# Set by the outbox sender around a send it has already paced with ``background_slot``.
background_sending: ContextVar[bool] = ContextVar("background_sending", default=False)


class SendPacer:
    def __init__(
        self,
        *,
        overall_per_second: float = OVERALL_PER_SECOND,
        per_chat_burst: int = PER_CHAT_BURST,
        longest_step_aside: float = LONGEST_STEP_ASIDE_SECONDS,
    ) -> None:
        self.overall = AsyncLimiter(overall_per_second, 1)
        self.per_chat: defaultdict[int, AsyncLimiter] = defaultdict(
            lambda: AsyncLimiter(per_chat_burst, per_chat_burst * SECONDS_PER_CHAT_SEND)
        )
        self.replies_waiting: Counter[int] = Counter()
        self.paused_until: dict[int | None, float] = {}
        self.longest_step_aside = longest_step_aside
        self._updates_served = 0
        self._no_updates_served = asyncio.Event()
        self._no_updates_served.set()

    @asynccontextmanager
    async def serving_update(self) -> AsyncIterator[None]:
        """Around a person's update, from its arrival to its last reply."""
        self._updates_served += 1
        self._no_updates_served.clear()
        try:
            yield
        finally:
            self._updates_served -= 1
            if not self._updates_served:
                self._no_updates_served.set()

    async def people_first(self) -> None:
        """Background work's turn on the event loop: once no update is being served, or after
        ``longest_step_aside`` at most."""
        if self._updates_served:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._no_updates_served.wait(), self.longest_step_aside)

    def pause(self, chat_id: int | None, seconds: float) -> None:
        """Telegram asked to wait: no sends to ``chat_id`` (None: to anyone) until then."""
        until = time.monotonic() + seconds
        self.paused_until[chat_id] = max(until, self.paused_until.get(chat_id, 0.0))

    async def _wait_out_pause(self, chat_id: int) -> None:
        pause = max(self.paused_until.get(chat_id, 0.0), self.paused_until.get(None, 0.0))
        delay = pause - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    @asynccontextmanager
    async def reply_slot(self, chat_id: int) -> AsyncIterator[None]:
        self.replies_waiting[chat_id] += 1
        try:
            await self._wait_out_pause(chat_id)
            await self.per_chat[chat_id].acquire()
            await self.overall.acquire()
        finally:
            self.replies_waiting[chat_id] -= 1
        yield

    @asynccontextmanager
    async def background_slot(self, chat_id: int) -> AsyncIterator[None]:
        chat = self.per_chat[chat_id]
        while (
            self.replies_waiting[chat_id]
            or not chat.has_capacity(1 + KEPT_FOR_REPLIES)
            or not self.overall.has_capacity(1 + KEPT_FOR_REPLIES)
        ):
            await self._wait_out_pause(chat_id)
            await asyncio.sleep(BACKGROUND_POLL_SECONDS)
        await chat.acquire()
        await self.overall.acquire()
        yield


class PacedSending(BaseRequestMiddleware):
    """Every send waits for its turn; a person's own replies that meet a 429 are retried
    briefly, background sends hand the 429 to the outbox, which sends them later."""

    def __init__(self, pacer: SendPacer) -> None:
        self.pacer = pacer

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat_id = _paced_chat(method)
        if chat_id is not None and background_sending.get():
            # The outbox sender took its turn before checking the message is still its own.
            return await self._counting_limits(make_request, bot, method, chat_id)
        for attempt in range(1, REPLY_ATTEMPTS + 1):
            try:
                if chat_id is None:
                    return await make_request(bot, method)
                async with self.pacer.reply_slot(chat_id):
                    return await self._counting_limits(make_request, bot, method, chat_id)
            except TelegramRetryAfter as limit:
                if attempt == REPLY_ATTEMPTS or limit.retry_after > REPLY_LONGEST_WAIT:
                    raise
                if chat_id is None:
                    await asyncio.sleep(limit.retry_after)
        raise AssertionError("unreachable")

    async def _counting_limits(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
        chat_id: int,
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as limit:
            log.warning(
                "%s to %s: Telegram asks to wait %s s",
                type(method).__name__,
                chat_id,
                limit.retry_after,
            )
            self.pacer.pause(chat_id, limit.retry_after)
            raise


def _paced_chat(method: TelegramMethod[Any]) -> int | None:
    if not isinstance(method, SENDING_METHODS):
        return None
    chat_id = method.chat_id
    return chat_id if isinstance(chat_id, int) else None
