"""Every Bot API call that Telegram answers with 429 is waited out and made again."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


class RetryAfter(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as limit:
                if attempt == MAX_ATTEMPTS:
                    raise
                log.warning(
                    "%s: Telegram asks to wait %s s", type(method).__name__, limit.retry_after
                )
                await asyncio.sleep(limit.retry_after)
        raise AssertionError("unreachable")
