"""The CRM works in the private chat with the bot only.

In a group, supergroup or channel whatever the bot answers is read by everyone there, so a
``/find`` typed in a group must not post a customer's phone. Updates from such chats never
reach a handler (nor the database): a command addressed to the bot gets one line pointing to
the private chat, a button pressed there gets the same line as an alert only the presser sees,
and anything else (chatter in a group the bot reads, channel posts, edits) gets nothing, so the
bot never talks in a busy group on its own. Inline mode stays as it is: ``@bot text`` answers
only the person typing, with what that person may see, and they choose what to share.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatType
from aiogram.types import Chat, Message, TelegramObject, Update, User
from aiogram_i18n.cores import FluentRuntimeCore

from bot.i18n import locale_for


class PrivateChatsOnly(BaseMiddleware):
    def __init__(self, translator: FluentRuntimeCore) -> None:
        self.translator = translator

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        if _is_inline_mode(event) or _is_private(data.get("event_chat")):
            return await handler(event, data)
        await self._point_to_private_chat(event, data["bot"], data.get("event_from_user"))
        return None

    async def _point_to_private_chat(self, update: Update, bot: Bot, user: User | None) -> None:
        text = self.translator.get("private-chat-only", locale_for(None, user))
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.message is not None and await _is_command_for(bot, update.message):
            await update.message.reply(text)


def _is_inline_mode(update: Update) -> bool:
    return update.inline_query is not None or update.chosen_inline_result is not None


def _is_private(chat: Chat | None) -> bool:
    return chat is not None and chat.type == ChatType.PRIVATE


async def _is_command_for(bot: Bot, message: Message) -> bool:
    """``/command`` or ``/command@this_bot``; not ``/command@another_bot`` in the same group."""
    first_word = (message.text or "").split(maxsplit=1)[:1]
    if not first_word or not first_word[0].startswith("/"):
        return False
    _, _, addressee = first_word[0].partition("@")
    if not addressee:
        return True
    me = await bot.me()
    return me.username is not None and addressee.casefold() == me.username.casefold()
