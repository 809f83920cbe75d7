"""``/teams``: admins make teams (a branch, an office), choose their members and head;
managers look. Whom a team lets its manager see is decided in ``crm.services.access``."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Role, Staff
from crm.services import teams
from crm.services.access import require_role
from crm.services.staff import get_staff
from handlers.admin.teams_screens import (
    MemberPicker,
    NewTeam,
    PickMember,
    PickPurpose,
    TeamDelete,
    TeamOpen,
    TeamsPage,
    delete_confirmation,
    new_team_prompt,
    people_picker,
    team_card,
    teams_list,
)
from handlers.common.filters import TYPED_ANSWER
from handlers.common.screens import send_screen, show_screen
from handlers.common.text import tr


class TeamInput(StatesGroup):
    name = State()


async def show_teams(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    listed = await teams.list_teams(session, actor=actor)
    await state.clear()
    await send_screen(message, teams_list(listed, 0, actor, i18n))


async def turn_teams_page(
    query: CallbackQuery,
    callback_data: TeamsPage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    listed = await teams.list_teams(session, actor=actor)
    await state.clear()
    await show_screen(query, teams_list(listed, callback_data.page, actor, i18n))


async def open_team(
    query: CallbackQuery,
    callback_data: TeamOpen,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    view = await teams.team_view(session, actor=actor, team_id=callback_data.team_id)
    await show_screen(query, team_card(view, actor, i18n))


async def ask_team_name(
    query: CallbackQuery, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    require_role(actor, Role.ADMIN)
    await state.set_state(TeamInput.name)
    await show_screen(query, new_team_prompt(i18n))


async def team_name_typed(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    """A bad name gets its reason and the question stays open for another try."""
    team = await teams.create_team(session, actor=actor, name=message.text or "")
    await state.clear()
    view = await teams.team_view(session, actor=actor, team_id=team.id)
    await send_screen(message, team_card(view, actor, i18n))


async def offer_people(
    query: CallbackQuery,
    callback_data: MemberPicker,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    team_id = callback_data.team_id
    purpose = callback_data.purpose
    if purpose is PickPurpose.REMOVE:
        require_role(actor, Role.ADMIN)
        view = await teams.team_view(session, actor=actor, team_id=team_id)
        people = view.members
    else:
        people = await teams.candidates(
            session, actor=actor, team_id=team_id, heads=purpose is PickPurpose.HEAD
        )
        view = await teams.team_view(session, actor=actor, team_id=team_id)
    await show_screen(query, people_picker(view, people, purpose, callback_data.page, i18n))


CHANGES = {
    PickPurpose.ADD: (teams.add_member, "teams-added"),
    PickPurpose.REMOVE: (teams.remove_member, "teams-removed"),
    PickPurpose.HEAD: (teams.set_head, "teams-head-set"),
}


async def change_membership(
    query: CallbackQuery,
    callback_data: PickMember,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    change, notice_key = CHANGES[callback_data.purpose]
    await change(
        session, actor=actor, team_id=callback_data.team_id, staff_id=callback_data.staff_id
    )
    view = await teams.team_view(session, actor=actor, team_id=callback_data.team_id)
    person = await get_staff(session, callback_data.staff_id)
    notice = tr(i18n, notice_key, name=person.display_name)
    await show_screen(query, team_card(view, actor, i18n, notice=notice))


async def delete_team(
    query: CallbackQuery,
    callback_data: TeamDelete,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    if not callback_data.confirmed:
        require_role(actor, Role.ADMIN)
        view = await teams.team_view(session, actor=actor, team_id=callback_data.team_id)
        await show_screen(query, delete_confirmation(view, i18n))
        return
    name = await teams.delete_team(session, actor=actor, team_id=callback_data.team_id)
    listed = await teams.list_teams(session, actor=actor)
    notice = tr(i18n, "teams-deleted", name=name)
    await show_screen(query, teams_list(listed, 0, actor, i18n, notice=notice))


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(show_teams, Command("teams"))
    router.callback_query.register(turn_teams_page, TeamsPage.filter())
    router.callback_query.register(open_team, TeamOpen.filter())
    router.callback_query.register(ask_team_name, NewTeam.filter())
    router.message.register(team_name_typed, StateFilter(TeamInput.name), TYPED_ANSWER)
    router.callback_query.register(offer_people, MemberPicker.filter())
    router.callback_query.register(change_membership, PickMember.filter())
    router.callback_query.register(delete_team, TeamDelete.filter())
    return router
