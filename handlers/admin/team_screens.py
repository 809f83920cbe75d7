"""What ``/team`` shows: the people page by page, a person's card, new role and heir pickers."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from crm.errors import NotFound
from crm.models import Role, Staff
from handlers.common.paging import page_holding, page_navigation, page_of
from handlers.common.screens import (
    Screen,
    button,
    checkbox,
    one_per_row,
    with_notice,
)
from handlers.common.text import tr

INACTIVE_MARK = "🚫"


class TeamPage(CallbackData, prefix="tm"):
    page: int


class PersonView(CallbackData, prefix="tmp"):
    staff_id: int


class RoleChoice(CallbackData, prefix="tmo"):
    """Show the roles to pick from."""

    staff_id: int


class ChangeRole(CallbackData, prefix="tmr"):
    staff_id: int
    role: Role


class HeirPage(CallbackData, prefix="tmh"):
    """Switching someone's access off: a page of people who could take over their leads."""

    staff_id: int
    page: int


class Deactivate(CallbackData, prefix="tmd"):
    staff_id: int
    heir_id: int


@dataclass(frozen=True)
class PersonFocus:
    """One person of the team list, with their place in it."""

    team: list[Staff]
    index: int

    @property
    def person(self) -> Staff:
        return self.team[self.index]

    @property
    def heirs(self) -> list[Staff]:
        return [staff for staff in self.team if staff.is_active and staff is not self.person]


def focus_on(team: list[Staff], staff_id: int) -> PersonFocus:
    for index, staff in enumerate(team):
        if staff.id == staff_id:
            return PersonFocus(team, index)
    raise NotFound(f"staff {staff_id}")


def role_text(role: Role, i18n: I18nContext) -> str:
    return i18n.get(f"role-{role.value}")


def team_list(team: list[Staff], page: int, i18n: I18nContext) -> Screen:
    shown = page_of(team, page)
    lines = [i18n.get("team-title", count=len(team))]
    if shown.page_count > 1:
        lines.append(i18n.get("team-page", page=shown.page + 1, pages=shown.page_count))
    kb = InlineKeyboardBuilder()
    for staff in shown.items:
        lines.append(_list_line(staff, i18n))
        kb.button(text=_name_label(staff), callback_data=PersonView(staff_id=staff.id))
    kb.adjust(1)
    kb.row(*page_navigation(shown, i18n, lambda number: TeamPage(page=number)))
    return Screen("\n".join(lines), kb.as_markup())


def _list_line(staff: Staff, i18n: I18nContext) -> str:
    key = "team-line" if staff.is_active else "team-line-inactive"
    return tr(i18n, key, name=staff.display_name, role=role_text(staff.role, i18n))


def _name_label(staff: Staff) -> str:
    return staff.display_name if staff.is_active else f"{INACTIVE_MARK} {staff.display_name}"


def person_card(
    focus: PersonFocus, viewer: Staff, i18n: I18nContext, notice: str | None = None
) -> Screen:
    """Admins get the buttons that change someone; managers only look."""
    rows = [_admin_buttons(focus.person, i18n)] if viewer.role == Role.ADMIN else []
    rows.append([button(i18n.get("back"), TeamPage(page=page_holding(focus.index)))])
    keyboard = InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])
    return Screen(with_notice(notice, _describe(focus.person, i18n)), keyboard)


def _admin_buttons(person: Staff, i18n: I18nContext) -> list[InlineKeyboardButton]:
    if not person.is_active:
        return []
    return [
        button(i18n.get("team-btn-role"), RoleChoice(staff_id=person.id)),
        button(i18n.get("team-btn-deactivate"), HeirPage(staff_id=person.id, page=0)),
    ]


def _describe(person: Staff, i18n: I18nContext) -> str:
    return "\n".join(
        [
            tr(
                i18n,
                "team-person",
                name=person.display_name,
                role=role_text(person.role, i18n),
                telegram_id=str(person.telegram_id),
            ),
            i18n.get("team-person-active" if person.is_active else "team-person-inactive"),
        ]
    )


def role_picker(focus: PersonFocus, i18n: I18nContext) -> Screen:
    person = focus.person
    buttons = [
        button(
            checkbox(role == person.role, role_text(role, i18n)),
            ChangeRole(staff_id=person.id, role=role),
        )
        for role in Role
    ]
    keyboard = one_per_row(*buttons, button(i18n.get("back"), PersonView(staff_id=person.id)))
    return Screen(f"{_describe(person, i18n)}\n\n{i18n.get('team-pick-role')}", keyboard)


def heir_picker(focus: PersonFocus, page: int, i18n: I18nContext) -> Screen:
    """Who takes over the leaver's leads; picking one switches the leaver's access off."""
    person = focus.person
    shown = page_of(focus.heirs, page)
    kb = InlineKeyboardBuilder()
    for heir in shown.items:
        kb.button(
            text=heir.display_name, callback_data=Deactivate(staff_id=person.id, heir_id=heir.id)
        )
    kb.adjust(1)
    kb.row(*page_navigation(shown, i18n, lambda number: HeirPage(staff_id=person.id, page=number)))
    kb.row(button(i18n.get("back"), PersonView(staff_id=person.id)))
    question = (
        tr(i18n, "team-pick-heir", name=person.display_name)
        if shown.items
        else i18n.get("team-no-heir")
    )
    return Screen(f"{_describe(person, i18n)}\n\n{question}", kb.as_markup())


def deactivated_notice(moved: int, heir: Staff, i18n: I18nContext) -> str:
    return tr(i18n, "team-deactivated", count=moved, heir=heir.display_name)
