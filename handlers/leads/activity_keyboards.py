"""Buttons for a lead's tags and for editing its fields, and their callback data (at most 64
bytes with the largest ids)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from crm.models import FieldDefinition
from crm.services.cards import LeadCard
from crm.services.tags import MAX_LEAD_TAGS
from handlers.common.text import shorten
from handlers.leads.keyboards import LeadAction, LeadActionKind

CUSTOM_FIELD_BUTTON = 30


class RemoveTag(CallbackData, prefix="tg"):
    lead_id: int
    tag_id: int


class AddTags(CallbackData, prefix="ta"):
    lead_id: int


class LeadField(StrEnum):
    """The fields a person edits from the card, named as in ``LeadChanges``."""

    TITLE = "title"
    CONTACT_NAME = "contact_name"
    PHONE = "phone"
    EMAIL = "email"
    VALUE = "value"
    CURRENCY = "currency"
    SOURCE_DETAIL = "source_detail"
    EXPECTED_CLOSE_ON = "expected_close_on"


# Fields a lone "-" empties; a lead always keeps a title and a currency.
CLEARABLE_FIELDS = frozenset(LeadField) - {LeadField.TITLE, LeadField.CURRENCY}


class EditField(CallbackData, prefix="ed"):
    lead_id: int
    field: LeadField
    version: int


class EditCustomField(CallbackData, prefix="ec"):
    lead_id: int
    field_id: int
    version: int


def back_to_card(lead_id: int, version: int, i18n: I18nContext) -> InlineKeyboardBuilder:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=i18n.get("back"),
        callback_data=LeadAction(lead_id=lead_id, action=LeadActionKind.OPEN, version=version),
    )
    return kb


def tags_keyboard(card: LeadCard, i18n: I18nContext) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for tag in card.tags[:MAX_LEAD_TAGS]:
        kb.button(
            text=i18n.get("tags-remove-button", tag=tag.name),
            callback_data=RemoveTag(lead_id=card.lead.id, tag_id=tag.id),
        )
    kb.adjust(3)
    add = InlineKeyboardBuilder()
    add.button(text=i18n.get("tags-add-button"), callback_data=AddTags(lead_id=card.lead.id))
    kb.attach(add)
    kb.attach(back_to_card(card.lead.id, card.lead.version, i18n))
    return kb.as_markup()


def field_picker(
    lead_id: int, version: int, custom: list[FieldDefinition], i18n: I18nContext
) -> InlineKeyboardMarkup:
    """The lead's own fields, then the custom fields an admin defined."""
    kb = InlineKeyboardBuilder()
    for field in LeadField:
        kb.button(
            text=i18n.get(f"edit-field-{field.value}"),
            callback_data=EditField(lead_id=lead_id, field=field, version=version),
        )
    for definition in custom:
        kb.button(
            text=shorten(definition.label(i18n.locale), CUSTOM_FIELD_BUTTON),
            callback_data=EditCustomField(lead_id=lead_id, field_id=definition.id, version=version),
        )
    kb.adjust(2)
    kb.attach(back_to_card(lead_id, version, i18n))
    return kb.as_markup()
