"""Who is writing: a member of the team, an admin by setting, or a stranger.

Strangers reach only ``/start`` with an invite that can still be redeemed; whatever else they
send gets one polite answer a day with their Telegram id, written down as an access request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, InlineQuery, Message, TelegramObject, Update, User
from aiogram_i18n.cores import FluentRuntimeCore
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import locale_for
from crm.errors import ValidationFailed
from crm.models import Language
from crm.services.staff import (
    ensure_admin,
    open_invite,
    record_access_request,
    staff_by_telegram_id,
)


class StaffAccess(BaseMiddleware):
    """Puts ``actor`` (None for a stranger with a good invite) and ``first_meeting`` (True for
    an admin by setting on their very first message) into the handler's data.

    The time is the dispatcher's ``clock``, which tests may set."""

    def __init__(self, admin_ids: frozenset[int], translator: FluentRuntimeCore):
        self.admin_ids = admin_ids
        self.translator = translator

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return None
        session: AsyncSession = data["session"]
        actor = await staff_by_telegram_id(session, user.id)
        data["first_meeting"] = False
        if user.id in self.admin_ids and (actor is None or not actor.is_active):
            data["first_meeting"] = actor is None
            language = Language(locale_for(None, user))
            actor = await ensure_admin(
                session, telegram_id=user.id, display_name=user.full_name, language=language
            )
        if actor is not None and actor.is_active:
            data["actor"] = actor
            # Writing to the bot again undoes blocking it: what waited for them goes out.
            # Set only when it changes: an attribute set, even to its value, costs a flush.
            if actor.blocked_bot_at is not None:
                actor.blocked_bot_at = None
            return await handler(event, data)
        assert isinstance(event, Update)
        if actor is None:
            return await self._stranger(handler, event, data, user)
        await self._turn_away_leaver(event, user)
        return None

    async def _stranger(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        update: Update,
        data: dict[str, Any],
        user: User,
    ) -> Any:
        """A good invite link lets a stranger in; anything else turns them away."""
        session: AsyncSession = data["session"]
        now: datetime = data["clock"]()
        token = _invite_token(update.message)
        refusal = None if token is None else await _invite_refusal(session, token, now)
        if token is not None and refusal is None:
            data["actor"] = None
            return await handler(update, data)
        await self._turn_away_stranger(session, update, user, now, refusal)
        return None

    async def _turn_away_leaver(self, update: Update, user: User) -> None:
        if await self._answered_without_message(update, user):
            return
        if update.message is not None and update.message.chat.type == "private":
            await update.message.answer(
                self.translator.get("access-deactivated", locale_for(None, user))
            )

    async def _turn_away_stranger(
        self,
        session: AsyncSession,
        update: Update,
        user: User,
        now: datetime,
        refusal: str | None,
    ) -> None:
        """Whatever a stranger sends, one answer a day: the day's first access request.
        ``refusal`` is what is wrong with the invite they brought, if they brought one."""
        if await self._answered_without_message(update, user):
            return
        if update.message is None or update.message.chat.type != "private":
            return
        recorded = await record_access_request(
            session, telegram_id=user.id, name=user.full_name, username=user.username, now=now
        )
        if recorded:
            await update.message.answer(self._stranger_answer(user, refusal))

    def _stranger_answer(self, user: User, refusal: str | None) -> str:
        locale = locale_for(None, user)
        telegram_id = str(user.id)
        if refusal is None:
            return self.translator.get("access-unknown-user", locale, telegram_id=telegram_id)
        return self.translator.get(
            "access-invite-refused", locale, reason=refusal, telegram_id=telegram_id
        )

    async def _answered_without_message(self, update: Update, user: User) -> bool:
        """A button or an inline query is answered as Telegram needs, with nothing in it."""
        if update.callback_query is not None:
            text = self.translator.get("not-allowed", locale_for(None, user))
            await _answer_callback(update.callback_query, text)
            return True
        if update.inline_query is not None:
            await _answer_inline_with_nothing(update.inline_query)
            return True
        return False


async def _invite_refusal(session: AsyncSession, token: str, now: datetime) -> str | None:
    """The error code of what is wrong with the invite, None if it can still be redeemed."""
    try:
        await open_invite(session, token=token, now=now)
    except ValidationFailed as refused:
        return refused.code
    return None


def _invite_token(message: Message | None) -> str | None:
    """The token of ``/start <token>`` in a private chat: the invite link a person opened."""
    if message is None or message.chat.type != "private":
        return None
    command, _, token = (message.text or "").partition(" ")
    if command != "/start":
        return None
    return token.strip() or None


async def _answer_callback(query: CallbackQuery, text: str) -> None:
    await query.answer(text, show_alert=True)


async def _answer_inline_with_nothing(query: InlineQuery) -> None:
    await query.answer([], cache_time=0, is_personal=True)
