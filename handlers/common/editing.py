"""Editing a message in place when the new content may equal what it already shows."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message

NOT_MODIFIED = "message is not modified"


async def show_in_place(
    message: Message, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit ``message``; a card refreshed with nothing new is left as it is."""
    try:
        await message.edit_text(text, reply_markup=reply_markup)
    except TelegramBadRequest as error:
        if NOT_MODIFIED not in error.message:
            raise


async def replace_keyboard(message: Message, keyboard: InlineKeyboardMarkup) -> None:
    """Put ``keyboard`` under ``message``; a second press showing the same one changes nothing."""
    try:
        await message.edit_reply_markup(reply_markup=keyboard)
    except TelegramBadRequest as error:
        if NOT_MODIFIED not in error.message:
            raise
