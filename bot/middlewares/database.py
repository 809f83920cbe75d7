"""One database session per update: committed on success, rolled back on error.

Domain events the services collected are handed to the notifier only after the commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.notifier import Notifier
from crm import events


class DatabaseSession(BaseMiddleware):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], notifier: Notifier):
        self.session_factory = session_factory
        self.notifier = notifier

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self.session_factory() as session:
            data["session"] = session
            result = await handler(event, data)
            await session.commit()
            committed = events.take_collected(session)
        if committed:
            await self.notifier.deliver(committed)
        return result
