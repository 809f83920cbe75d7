"""``/invite``: admins and managers pick a role and get a single-use ``t.me`` deep link."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Invite, Role, Staff
from crm.services.staff import INVITABLE_ROLES, create_invite
from handlers.common.screens import Screen, show_screen
from handlers.common.text import local_time, tr

router = Router(name=__name__)


class InviteRole(CallbackData, prefix="iv"):
    role: Role


def role_keyboard(roles: list[Role], i18n: I18nContext) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for role in roles:
        kb.button(text=i18n.get(f"role-{role.value}"), callback_data=InviteRole(role=role))
    kb.adjust(1)
    return kb.as_markup()


def invite_screen(invite: Invite, link: str, viewer: Staff, i18n: I18nContext) -> Screen:
    return Screen(
        tr(
            i18n,
            "invite-created",
            role=i18n.get(f"role-{invite.role.value}"),
            link=link,
            expires=local_time(invite.expires_at, viewer),
            zone=viewer.time_zone,
        )
    )


@router.message(Command("invite"))
async def choose_role(message: Message, actor: Staff, i18n: I18nContext, state: FSMContext) -> None:
    roles = [role for role in Role if role in INVITABLE_ROLES[actor.role]]
    if not roles:
        await message.answer(i18n.get("not-allowed"))
        return
    await state.clear()
    await message.answer(i18n.get("invite-pick-role"), reply_markup=role_keyboard(roles, i18n))


@router.callback_query(InviteRole.filter())
async def send_invite_link(
    query: CallbackQuery,
    callback_data: InviteRole,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    bot: Bot,
) -> None:
    """The service decides again who may invite whom: the button may be forged."""
    invite = await create_invite(session, actor=actor, role=callback_data.role)
    link = await create_start_link(bot, invite.token)
    await show_screen(query, invite_screen(invite, link, actor, i18n))
