"""Buttons under an unsure quick add: read it another way, create it as shown, or cancel."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from crm.quick_add import QuickLead
from handlers.common.text import shorten

OPTION_LABEL = 60


class QuickAddStep(StrEnum):
    SHOW = "show"
    CREATE = "create"
    CANCEL = "cancel"


class QuickAddAction(CallbackData, prefix="qa"):
    """``reading`` of the readings kept for the /lead message ``ask``."""

    ask: int
    reading: int
    step: QuickAddStep


def readings_keyboard(
    ask: int, readings: list[QuickLead], shown: int, i18n: I18nContext
) -> InlineKeyboardMarkup:
    """A button for each other reading, saying how it differs from the one shown, then
    Create and Cancel."""
    kb = InlineKeyboardBuilder()
    for index, reading in enumerate(readings):
        if index != shown:
            kb.button(
                text=option_label(reading, readings[shown], i18n),
                callback_data=QuickAddAction(ask=ask, reading=index, step=QuickAddStep.SHOW),
            )
    kb.adjust(1)
    kb.row(
        _step_button(ask, shown, QuickAddStep.CREATE, i18n.get("quick-add-create")),
        _step_button(ask, shown, QuickAddStep.CANCEL, i18n.get("quick-add-cancel")),
    )
    return kb.as_markup()


def _step_button(ask: int, reading: int, step: QuickAddStep, text: str) -> InlineKeyboardButton:
    data = QuickAddAction(ask=ask, reading=reading, step=step)
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def option_label(reading: QuickLead, shown: QuickLead, i18n: I18nContext) -> str:
    """What the reading has that the shown one has not: its amount, phone or e-mail, or,
    when only the name differs, its name."""
    parts = []
    if reading.amount != shown.amount or reading.currency != shown.currency:
        parts.append(
            i18n.get("quick-add-option-no-amount")
            if reading.amount is None
            else i18n.get(
                "quick-add-option-amount", amount=reading.amount, currency=reading.currency
            )
        )
    if reading.phone != shown.phone:
        parts.append(
            i18n.get("quick-add-option-phone", phone=reading.phone)
            if reading.phone
            else i18n.get("quick-add-option-no-phone")
        )
    if reading.email != shown.email:
        parts.append(
            i18n.get("quick-add-option-email", email=reading.email)
            if reading.email
            else i18n.get("quick-add-option-no-email")
        )
    if not parts:
        parts.append(i18n.get("quick-add-option-name", name=reading.name or "—"))
    return shorten(" · ".join(parts), OPTION_LABEL)
