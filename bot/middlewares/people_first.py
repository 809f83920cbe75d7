"""Tells the bot's pacing which moments a person's update is being served, so background
work (the outbox sender) steps aside for it on the event loop."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from bot.pacing import SendPacer


class PeopleFirst(BaseMiddleware):
    def __init__(self, pacer: SendPacer) -> None:
        self.pacer = pacer

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self.pacer.serving_update():
            return await handler(event, data)
