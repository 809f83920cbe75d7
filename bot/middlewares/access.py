"""Who is writing: a member of the team, an admin by setting, or a stranger.

Strangers reach only ``/start`` (to redeem an invite); anything else gets one polite
answer with their Telegram id, and a rate-limited access request is written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, InlineQuery, Message, TelegramObject, Update, User
from aiogram_i18n.cores import FluentRuntimeCore
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import locale_for
from crm.models import Language, Staff
from crm.services.staff import ensure_admin, record_access_request, staff_by_telegram_id


class StaffAccess(BaseMiddleware):
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
        actor = await self._member(session, user)
        if actor is not None and actor.is_active:
            data["actor"] = actor
            return await handler(event, data)
        assert isinstance(event, Update)
        if actor is None and _is_start_command(event.message):
            data["actor"] = None
            return await handler(event, data)
        await self._turn_away(session, event, user, known=actor is not None)
        return None

    async def _member(self, session: AsyncSession, user: User) -> Staff | None:
        staff = await staff_by_telegram_id(session, user.id)
        if user.id in self.admin_ids and (staff is None or not staff.is_active):
            language = Language(locale_for(None, user))
            staff = await ensure_admin(
                session, telegram_id=user.id, display_name=user.full_name, language=language
            )
        return staff

    async def _turn_away(
        self, session: AsyncSession, update: Update, user: User, *, known: bool
    ) -> None:
        locale = locale_for(None, user)
        if update.callback_query is not None:
            await _answer_callback(
                update.callback_query, self.translator.get("not-allowed", locale)
            )
            return
        if update.inline_query is not None:
            await _answer_inline_with_nothing(update.inline_query)
            return
        if update.message is None or update.message.chat.type != "private":
            return
        if known:
            await update.message.answer(self.translator.get("access-deactivated", locale))
            return
        recorded = await record_access_request(
            session, telegram_id=user.id, name=user.full_name, username=user.username
        )
        if recorded:
            await update.message.answer(
                self.translator.get("access-unknown-user", locale, telegram_id=str(user.id))
            )


def _is_start_command(message: Message | None) -> bool:
    return (
        message is not None
        and message.chat.type == "private"
        and (message.text or "").split(maxsplit=1)[:1] in (["/start"],)
    )


async def _answer_callback(query: CallbackQuery, text: str) -> None:
    await query.answer(text, show_alert=True)


async def _answer_inline_with_nothing(query: InlineQuery) -> None:
    await query.answer([], cache_time=0, is_personal=True)
