"""The Mini App's address, made known to the keyboards built while handling an update."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from handlers.board_app import BOARD_ADDRESS


class BoardAddress(BaseMiddleware):
    """Makes the dispatcher's board address known to the keyboards of one update."""

    def __init__(self, address: str | None) -> None:
        self.address = address

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        token = BOARD_ADDRESS.set(self.address)
        try:
            return await handler(event, data)
        finally:
            BOARD_ADDRESS.reset(token)
