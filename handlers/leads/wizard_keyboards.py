"""Buttons of the new-lead wizard and of the duplicate warning (callback data at most 64 bytes
with the largest ids)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from crm.models import Lead, LeadSource, Stage
from handlers.common.text import stage_name
from handlers.leads.keyboards import LeadAction, LeadActionKind

INLINE_BUTTONS_MAX = 100


class WizardStep(StrEnum):
    NAME = "name"
    CONTACT = "contact"
    VALUE = "value"
    SOURCE = "source"
    STAGE = "stage"


class SkipStep(CallbackData, prefix="wk"):
    step: WizardStep


class PickSource(CallbackData, prefix="ws"):
    source: LeadSource


class PickStage(CallbackData, prefix="wt"):
    stage_id: int


class PickFieldAnswer(CallbackData, prefix="wf"):
    """A choice (by its place in the field's list) or yes/no (0 yes, 1 no) of a custom field
    the start stage requires."""

    field_id: int
    choice: int


class CreateAnyway(CallbackData, prefix="dp"):
    """Create the draft kept for the duplicate warning about lead ``duplicate_of``."""

    duplicate_of: int


def _skip_button(step: WizardStep, i18n: I18nContext) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=i18n.get("wizard-skip"), callback_data=SkipStep(step=step).pack()
    )


def skip_keyboard(step: WizardStep, i18n: I18nContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_skip_button(step, i18n)]])


def contact_keyboard(i18n: I18nContext) -> ReplyKeyboardMarkup:
    """A reply keyboard: only it can ask Telegram for a contact."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=i18n.get("wizard-share-contact"), request_contact=True)],
            [KeyboardButton(text=i18n.get("wizard-skip"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=i18n.get("wizard-contact-placeholder"),
    )


def source_keyboard(i18n: I18nContext) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for source in LeadSource:
        kb.button(text=i18n.get(f"source-{source.value}"), callback_data=PickSource(source=source))
    kb.adjust(2)
    kb.row(_skip_button(WizardStep.SOURCE, i18n))
    return kb.as_markup()


def stage_keyboard(stages: Sequence[Stage], i18n: I18nContext) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for stage in stages[: INLINE_BUTTONS_MAX - 1]:
        kb.button(text=stage_name(stage, i18n), callback_data=PickStage(stage_id=stage.id))
    kb.adjust(2)
    kb.row(_skip_button(WizardStep.STAGE, i18n))
    return kb.as_markup()


def duplicate_keyboard(
    openable: Sequence[Lead], duplicate_of: int, i18n: I18nContext
) -> InlineKeyboardMarkup:
    """ "Open it" for each duplicate the person may see, then "Create anyway"."""
    kb = InlineKeyboardBuilder()
    for lead in openable:
        text = (
            i18n.get("duplicate-open")
            if len(openable) == 1
            else i18n.get("duplicate-open-numbered", lead_id=str(lead.id))
        )
        kb.button(
            text=text,
            callback_data=LeadAction(
                lead_id=lead.id, action=LeadActionKind.OPEN, version=lead.version
            ),
        )
    kb.button(
        text=i18n.get("duplicate-create-anyway"),
        callback_data=CreateAnyway(duplicate_of=duplicate_of),
    )
    kb.adjust(1)
    return kb.as_markup()
