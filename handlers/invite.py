"""``/invite``: admins and managers pick a role and get a single-use ``t.me`` deep link, and
see and revoke the invites still pending for the roles they may hand out."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Invite, Role, Staff
from crm.services.staff import (
    INVITABLE_ROLES,
    PendingInvite,
    create_invite,
    pending_invites,
    revoke_invite,
)
from handlers.common.paging import page_navigation, page_of
from handlers.common.screens import Screen, send_screen, show_screen
from handlers.common.text import local_time, shorten, tr

NAME_SHOWN = 40


class InviteRole(CallbackData, prefix="iv"):
    role: Role


class InviteMenu(CallbackData, prefix="ivm"):
    """Back to the role picker."""


class PendingInvites(CallbackData, prefix="ivp"):
    page: int


class RevokeInvite(CallbackData, prefix="ivr"):
    invite_id: int
    page: int


def role_screen(actor: Staff, i18n: I18nContext) -> Screen | None:
    """The roles ``actor`` may hand out and the way to the pending invites; None for a rep."""
    roles = [role for role in Role if role in INVITABLE_ROLES[actor.role]]
    if not roles:
        return None
    kb = InlineKeyboardBuilder()
    for role in roles:
        kb.button(text=i18n.get(f"role-{role.value}"), callback_data=InviteRole(role=role))
    kb.button(text=i18n.get("invites-btn-pending"), callback_data=PendingInvites(page=0))
    kb.adjust(1)
    return Screen(i18n.get("invite-pick-role"), kb.as_markup())


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


async def choose_role(message: Message, actor: Staff, i18n: I18nContext, state: FSMContext) -> None:
    screen = role_screen(actor, i18n)
    if screen is None:
        await message.answer(i18n.get("not-allowed"))
        return
    await state.clear()
    await send_screen(message, screen)


async def back_to_roles(query: CallbackQuery, actor: Staff, i18n: I18nContext) -> None:
    screen = role_screen(actor, i18n)
    if screen is None:
        await query.answer(i18n.get("not-allowed"), show_alert=True)
        return
    await show_screen(query, screen)


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


async def list_pending(
    query: CallbackQuery,
    callback_data: PendingInvites,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    pending = await pending_invites(session, actor=actor)
    await show_screen(query, pending_screen(pending, callback_data.page, actor, i18n))


async def revoke(
    query: CallbackQuery,
    callback_data: RevokeInvite,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    """The service checks again who may revoke what: the button may be forged."""
    invite = await revoke_invite(session, actor=actor, invite_id=callback_data.invite_id)
    pending = await pending_invites(session, actor=actor)
    notice = i18n.get("invites-revoked", invite_id=str(invite.id))
    await show_screen(query, pending_screen(pending, callback_data.page, actor, i18n), notice)


def pending_screen(
    pending: list[PendingInvite], page_number: int, viewer: Staff, i18n: I18nContext
) -> Screen:
    """A page of pending invites, each with its Revoke button, then ‹ › and Back."""
    page = page_of(pending, page_number)
    kb = InlineKeyboardBuilder()
    for each in page.items:
        kb.button(
            text=i18n.get(
                "invites-btn-revoke",
                invite_id=str(each.invite.id),
                role=i18n.get(f"role-{each.invite.role.value}"),
            ),
            callback_data=RevokeInvite(invite_id=each.invite.id, page=page.page),
        )
    kb.adjust(1)
    kb.row(*page_navigation(page, i18n, lambda number: PendingInvites(page=number)))
    kb.row(InlineKeyboardButton(text=i18n.get("back"), callback_data=InviteMenu().pack()))
    if not pending:
        return Screen(i18n.get("invites-none"), kb.as_markup())
    lines = [i18n.get("invites-title", count=len(pending))]
    lines += [_pending_line(each, viewer, i18n) for each in page.items]
    return Screen("\n".join(lines), kb.as_markup())


def _pending_line(pending: PendingInvite, viewer: Staff, i18n: I18nContext) -> str:
    creator = pending.created_by
    return tr(
        i18n,
        "invites-line",
        invite_id=str(pending.invite.id),
        role=i18n.get(f"role-{pending.invite.role.value}"),
        creator=(
            shorten(creator.display_name, NAME_SHOWN)
            if creator
            else i18n.get("invites-from-command-line")
        ),
        expires=local_time(pending.invite.expires_at, viewer),
        zone=viewer.time_zone,
    )


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(choose_role, Command("invite"))
    router.callback_query.register(back_to_roles, InviteMenu.filter())
    router.callback_query.register(send_invite_link, InviteRole.filter())
    router.callback_query.register(list_pending, PendingInvites.filter())
    router.callback_query.register(revoke, RevokeInvite.filter())
    return router
