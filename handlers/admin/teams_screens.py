"""What ``/teams`` shows: the teams page by page, a team's card, and the people pickers that
add a member, take one out or choose the head."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from crm.models import Role, Staff
from crm.services.teams import TeamSummary, TeamView
from handlers.admin.team_screens import INACTIVE_MARK, role_text
from handlers.common.paging import page_navigation, page_of
from handlers.common.screens import Screen, button, with_notice
from handlers.common.text import shorten, tr

BUTTON_NAME = 48


class TeamsPage(CallbackData, prefix="tgl"):
    page: int


class TeamOpen(CallbackData, prefix="tgo"):
    team_id: int


class NewTeam(CallbackData, prefix="tgn"):
    """Ask for the new team's name."""


class PickPurpose(StrEnum):
    ADD = "a"
    REMOVE = "r"
    HEAD = "h"


class MemberPicker(CallbackData, prefix="tgk"):
    """A page of people to add, take out or make the head."""

    team_id: int
    purpose: PickPurpose
    page: int


class PickMember(CallbackData, prefix="tgm"):
    team_id: int
    staff_id: int
    purpose: PickPurpose


class TeamDelete(CallbackData, prefix="tgd"):
    team_id: int
    confirmed: bool


def teams_list(
    teams: list[TeamSummary], page: int, viewer: Staff, i18n: I18nContext, notice: str | None = None
) -> Screen:
    shown = page_of(teams, page)
    lines = [i18n.get("teams-title", count=len(teams))]
    if not teams:
        lines.append(i18n.get("teams-none"))
    kb = InlineKeyboardBuilder()
    for summary in shown.items:
        lines.append(tr(i18n, "teams-line", name=summary.team.name, count=summary.member_count))
        kb.button(
            text=shorten(summary.team.name, BUTTON_NAME),
            callback_data=TeamOpen(team_id=summary.team.id),
        )
    kb.adjust(1)
    kb.row(*page_navigation(shown, i18n, lambda number: TeamsPage(page=number)))
    if viewer.role == Role.ADMIN:
        kb.row(button(i18n.get("teams-btn-new"), NewTeam()))
    return Screen(with_notice(notice, "\n".join(lines)), kb.as_markup())


def team_card(
    view: TeamView, viewer: Staff, i18n: I18nContext, notice: str | None = None
) -> Screen:
    """Admins get the buttons that change the team; managers only look."""
    rows = _admin_rows(view, i18n) if viewer.role == Role.ADMIN else []
    rows.append([button(i18n.get("back"), TeamsPage(page=0))])
    kb = InlineKeyboardBuilder()
    for row in rows:
        kb.row(*row)
    return Screen(with_notice(notice, describe(view, i18n)), kb.as_markup())


def _admin_rows(view: TeamView, i18n: I18nContext) -> list[list[InlineKeyboardButton]]:
    team_id = view.team.id
    rows = [
        [
            button(
                i18n.get("teams-btn-add"),
                MemberPicker(team_id=team_id, purpose=PickPurpose.ADD, page=0),
            )
        ]
    ]
    if view.members:
        rows.append(
            [
                button(
                    i18n.get("teams-btn-remove"),
                    MemberPicker(team_id=team_id, purpose=PickPurpose.REMOVE, page=0),
                )
            ]
        )
    rows.append(
        [
            button(
                i18n.get("teams-btn-head"),
                MemberPicker(team_id=team_id, purpose=PickPurpose.HEAD, page=0),
            )
        ]
    )
    rows.append(
        [button(i18n.get("teams-btn-delete"), TeamDelete(team_id=team_id, confirmed=False))]
    )
    return rows


def describe(view: TeamView, i18n: I18nContext) -> str:
    lines = [tr(i18n, "teams-card-title", name=view.team.name)]
    lines.append(
        tr(i18n, "teams-card-head", name=view.head.display_name)
        if view.head
        else i18n.get("teams-card-no-head")
    )
    if not view.members:
        lines.append(i18n.get("teams-card-no-members"))
        return "\n".join(lines)
    lines.append(i18n.get("teams-card-members", count=len(view.members)))
    lines += [_member_line(person, view, i18n) for person in view.members]
    return "\n".join(lines)


def _member_line(person: Staff, view: TeamView, i18n: I18nContext) -> str:
    key = "teams-member-head" if view.head is person else "teams-member"
    name = person.display_name if person.is_active else f"{INACTIVE_MARK} {person.display_name}"
    return tr(i18n, key, name=name, role=role_text(person.role, i18n))


PICKER_QUESTIONS = {
    PickPurpose.ADD: ("teams-pick-add", "teams-pick-add-none"),
    PickPurpose.REMOVE: ("teams-pick-remove", "teams-pick-remove-none"),
    PickPurpose.HEAD: ("teams-pick-head", "teams-pick-head-none"),
}


def people_picker(
    view: TeamView, people: list[Staff], purpose: PickPurpose, page: int, i18n: I18nContext
) -> Screen:
    shown = page_of(people, page)
    team_id = view.team.id
    kb = InlineKeyboardBuilder()
    for person in shown.items:
        kb.button(
            text=shorten(person.display_name, BUTTON_NAME),
            callback_data=PickMember(team_id=team_id, staff_id=person.id, purpose=purpose),
        )
    kb.adjust(1)
    kb.row(
        *page_navigation(
            shown,
            i18n,
            lambda number: MemberPicker(team_id=team_id, purpose=purpose, page=number),
        )
    )
    kb.row(button(i18n.get("back"), TeamOpen(team_id=team_id)))
    question, nobody = PICKER_QUESTIONS[purpose]
    return Screen(
        f"{describe(view, i18n)}\n\n{i18n.get(question if people else nobody)}", kb.as_markup()
    )


def delete_confirmation(view: TeamView, i18n: I18nContext) -> Screen:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=i18n.get("teams-btn-delete-now"),
        callback_data=TeamDelete(team_id=view.team.id, confirmed=True),
    )
    kb.button(text=i18n.get("back"), callback_data=TeamOpen(team_id=view.team.id))
    kb.adjust(1)
    text = tr(i18n, "teams-confirm-delete", name=view.team.name, count=len(view.members))
    return Screen(f"{describe(view, i18n)}\n\n{text}", kb.as_markup())


def new_team_prompt(i18n: I18nContext) -> Screen:
    return Screen(i18n.get("teams-ask-name"))
