"""Sending messages people did not ask for, within Telegram's limits.

About 30 messages a second overall and one a second per chat are kept to before sending;
a 429 that still comes back is waited out by the bot's ``RetryAfter`` request middleware.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError
from aiolimiter import AsyncLimiter

log = logging.getLogger(__name__)
OVERALL_PER_SECOND = 25
# One a second per chat on average; a few at once (a burst of news) is fine with Telegram.
PER_CHAT_BURST = 3


class RateLimitedSender:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.overall = AsyncLimiter(OVERALL_PER_SECOND, 1)
        self.per_chat: defaultdict[int, AsyncLimiter] = defaultdict(
            lambda: AsyncLimiter(PER_CHAT_BURST, PER_CHAT_BURST)
        )

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> bool:
        """Send; False if the person blocked the bot or never started it."""
        async with self.per_chat[chat_id], self.overall:
            try:
                await self.bot.send_message(chat_id, text, **kwargs)
            except TelegramForbiddenError:
                log.info("chat %s does not take messages from the bot", chat_id)
                return False
        return True
