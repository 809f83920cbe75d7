"""Buttons of converting a lead to an order and of assigning it; with the largest ids the
database holds, every callback stays within Telegram's 64 bytes."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from crm.models import Lead, Staff
from crm.money import to_minor_units
from crm.services.board import Page
from handlers.common.paging import page_navigation
from handlers.common.text import shorten
from handlers.leads.keyboards import LeadAction, LeadActionKind

BUTTON_NAME = 40


class UseLeadValue(CallbackData, prefix="cv"):
    """The order amount suggested on the button: the lead's value, in minor units."""

    lead_id: int
    amount_minor: int


class AssignTo(CallbackData, prefix="as"):
    lead_id: int
    staff_id: int
    version: int


class StaffPage(CallbackData, prefix="asp"):
    lead_id: int
    version: int
    page: int


def lead_value_keyboard(lead: Lead, i18n: I18nContext) -> InlineKeyboardMarkup | None:
    if lead.value is None:
        return None
    kb = InlineKeyboardBuilder()
    kb.button(
        text=i18n.get("convert-use-value", value=lead.value, currency=lead.currency),
        callback_data=UseLeadValue(lead_id=lead.id, amount_minor=to_minor_units(lead.value)),
    )
    return kb.as_markup()


def staff_picker(
    page: Page[Staff], *, lead_id: int, version: int, i18n: I18nContext
) -> InlineKeyboardMarkup:
    """A button per active team member, ‹ › when they are many, and back to the card."""
    kb = InlineKeyboardBuilder()
    for person in page.items:
        kb.button(
            text=i18n.get(
                "assign-staff-button",
                name=shorten(person.display_name, BUTTON_NAME),
                role=i18n.get(f"role-{person.role.value}"),
            ),
            callback_data=AssignTo(lead_id=lead_id, staff_id=person.id, version=version),
        )
    kb.adjust(1)
    kb.row(
        *page_navigation(
            page, i18n, lambda number: StaffPage(lead_id=lead_id, version=version, page=number)
        )
    )
    back = LeadAction(lead_id=lead_id, action=LeadActionKind.OPEN, version=version)
    kb.row(InlineKeyboardButton(text=i18n.get("back"), callback_data=back.pack()))
    return kb.as_markup()
