"""``/team``: who is on the team; admins change roles and switch a leaver's access off,
handing their leads and open tasks to someone else in the same step."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Staff
from crm.services.staff import change_role, deactivate_staff, get_staff, list_staff
from handlers.admin.team_screens import (
    ChangeRole,
    Deactivate,
    HeirPage,
    PersonFocus,
    PersonView,
    RoleChoice,
    TeamPage,
    deactivated_notice,
    focus_on,
    heir_picker,
    person_card,
    role_picker,
    team_list,
)
from handlers.common.screens import send_screen, show_screen


async def focus_on_person(session: AsyncSession, actor: Staff, staff_id: int) -> PersonFocus:
    """The person within the team list, which only admins and managers may see."""
    return focus_on(await list_staff(session, actor=actor), staff_id)


async def show_team(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    team = await list_staff(session, actor=actor)
    await state.clear()
    await send_screen(message, team_list(team, 0, i18n))


async def turn_team_page(
    query: CallbackQuery,
    callback_data: TeamPage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    team = await list_staff(session, actor=actor)
    await show_screen(query, team_list(team, callback_data.page, i18n))


async def show_person(
    query: CallbackQuery,
    callback_data: PersonView,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    focus = await focus_on_person(session, actor, callback_data.staff_id)
    await show_screen(query, person_card(focus, actor, i18n))


async def offer_roles(
    query: CallbackQuery,
    callback_data: RoleChoice,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    focus = await focus_on_person(session, actor, callback_data.staff_id)
    await show_screen(query, role_picker(focus, i18n))


async def set_role(
    query: CallbackQuery,
    callback_data: ChangeRole,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    await change_role(
        session, actor=actor, staff_id=callback_data.staff_id, role=callback_data.role
    )
    focus = await focus_on_person(session, actor, callback_data.staff_id)
    await show_screen(query, person_card(focus, actor, i18n))


async def offer_heirs(
    query: CallbackQuery,
    callback_data: HeirPage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    focus = await focus_on_person(session, actor, callback_data.staff_id)
    await show_screen(query, heir_picker(focus, callback_data.page, i18n))


async def deactivate(
    query: CallbackQuery,
    callback_data: Deactivate,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    moved = await deactivate_staff(
        session,
        actor=actor,
        staff_id=callback_data.staff_id,
        reassign_to_id=callback_data.heir_id,
    )
    heir = await get_staff(session, callback_data.heir_id)
    focus = await focus_on_person(session, actor, callback_data.staff_id)
    notice = deactivated_notice(moved, heir, i18n)
    await show_screen(query, person_card(focus, actor, i18n, notice=notice))


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(show_team, Command("team"))
    router.callback_query.register(turn_team_page, TeamPage.filter())
    router.callback_query.register(show_person, PersonView.filter())
    router.callback_query.register(offer_roles, RoleChoice.filter())
    router.callback_query.register(set_role, ChangeRole.filter())
    router.callback_query.register(offer_heirs, HeirPage.filter())
    router.callback_query.register(deactivate, Deactivate.filter())
    return router
