"""Joining with an invite link, help, and leaving whatever one was typing."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, ReplyKeyboardRemove
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Language, Staff
from crm.services.staff import redeem_invite
from handlers.common.text import tr


async def start(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Staff | None,
    first_meeting: bool,
    i18n: I18nContext,
) -> None:
    if actor is not None:
        greeting = "welcome-first-admin" if first_meeting else "welcome-back"
        await message.answer(tr(i18n, greeting, name=actor.display_name))
        return
    # A stranger gets here only with an invite that can still be redeemed (StaffAccess).
    user = message.from_user
    assert user is not None and command.args is not None
    language = Language(i18n.locale) if i18n.locale in {"en", "uk"} else Language.EN
    staff = await redeem_invite(
        session,
        token=command.args,
        telegram_id=user.id,
        display_name=user.full_name,
        language=language,
    )
    await message.answer(
        tr(i18n, "welcome-new", name=staff.display_name, role=i18n.get(f"role-{staff.role.value}"))
    )


async def show_help(message: Message, i18n: I18nContext) -> None:
    await message.answer(i18n.get("help"))


async def cancel(message: Message, state: FSMContext, i18n: I18nContext) -> None:
    had_something = await state.get_state() is not None
    await state.clear()
    await message.answer(
        i18n.get("cancelled" if had_something else "nothing-to-cancel"),
        reply_markup=ReplyKeyboardRemove(),
    )


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(start, CommandStart())
    router.message.register(show_help, Command("help"))
    router.message.register(cancel, Command("cancel"), StateFilter("*"))
    return router
