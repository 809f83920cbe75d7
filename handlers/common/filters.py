"""Filters shared by the handlers.

aiogram hands every filter that is not a coroutine function to a thread (``asyncio.to_thread``),
its bare ``F`` filters and FSM states included: each check of such a filter is a trip to a
thread and back, which costs far more than the check. States are filtered with
``StateFilter`` and ``F`` filters through :class:`InLoop`, both checked in the event loop.
"""

from typing import Any

from aiogram import F
from aiogram.filters import Filter
from aiogram.types import TelegramObject
from aiogram.utils.magic_filter import MagicFilter


class InLoop(Filter):
    """A magic filter (``F...``) checked in the event loop, as aiogram's own filters are."""

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> Any:
        return self.magic.resolve(event)


# A typed answer to the bot's question; a command typed meanwhile goes to its own handler.
TYPED_ANSWER = InLoop(F.text & ~F.text.startswith("/"))
