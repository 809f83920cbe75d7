"""Asking for a custom field's value: a typed answer, or a button for a choice or yes/no.

The same question serves editing the field from the card and a stage move that requires the
field (then ``stage_id`` is the stage the lead goes to once the field is filled).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import ClassVar

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext

from crm.errors import ValidationFailed
from crm.models import FieldDefinition, FieldKind
from crm.services.fields import NO, YES
from handlers.common.flows import FlowData, ask
from handlers.common.text import tr
from handlers.common.when import parse_day

NO_MOVE = 0
CLEAR_MARK = "-"


class CustomFieldInput(StatesGroup):
    value = State()


class CustomFieldAsked(FlowData):
    """The field asked for, of the lead as its card showed it, and the stage it goes to."""

    destiny: ClassVar[str] = "custom-field"
    lead_id: int
    version: int
    field_id: int
    stage_id: int = NO_MOVE


class FieldAnswer(CallbackData, prefix="fa"):
    """A choice (by its place in the field's list) or yes/no (0 yes, 1 no) pressed."""

    lead_id: int
    version: int
    field_id: int
    stage_id: int
    choice: int


def answers_of(definition: FieldDefinition) -> list[str]:
    """The values offered as buttons, in order; none for fields typed in."""
    match definition.kind:
        case FieldKind.CHOICE:
            return list(definition.choices)
        case FieldKind.YES_NO:
            return [YES, NO]
        case _:
            return []


async def ask_for_field(
    message: Message,
    state: FSMContext,
    definition: FieldDefinition,
    pending: CustomFieldAsked,
    i18n: I18nContext,
    *,
    clearable: bool,
) -> None:
    """Wait for the field's value in ``message``'s chat."""
    await ask(state, CustomFieldInput.value, pending)
    key = "field-ask-for-move" if pending.stage_id != NO_MOVE else "field-ask"
    prompt = field_prompt(definition, i18n, key=key)
    if clearable:
        prompt += "\n" + i18n.get("edit-ask-clear")

    def pressed(choice: int) -> CallbackData:
        return FieldAnswer(
            lead_id=pending.lead_id,
            version=pending.version,
            field_id=pending.field_id,
            stage_id=pending.stage_id,
            choice=choice,
        )

    await message.answer(prompt, reply_markup=answer_keyboard(definition, i18n, pressed))


def field_prompt(definition: FieldDefinition, i18n: I18nContext, *, key: str) -> str:
    """The question (``key`` names its wording) and a hint of what the field's kind takes."""
    label = definition.label(i18n.locale)
    return tr(i18n, key, label=label) + "\n" + i18n.get(f"field-hint-{definition.kind.value}")


def answer_keyboard(
    definition: FieldDefinition, i18n: I18nContext, pressed: Callable[[int], CallbackData]
) -> InlineKeyboardMarkup | None:
    """A button per answer of a choice or yes/no field; ``pressed`` makes the data of the
    answer at that place."""
    answers = answers_of(definition)
    if not answers:
        return None
    kb = InlineKeyboardBuilder()
    for index, answer in enumerate(answers):
        kb.button(text=answer_text(definition, answer, i18n), callback_data=pressed(index))
    kb.adjust(2)
    return kb.as_markup()


def answer_text(definition: FieldDefinition, answer: str, i18n: I18nContext) -> str:
    """A stored value as the person reads it: yes/no in their language."""
    if definition.kind == FieldKind.YES_NO:
        return i18n.get(f"field-answer-{answer}")
    return answer


def typed_value(definition: FieldDefinition, typed: str, today: date) -> str:
    """What the person typed, read as the field's kind: a date in their words becomes ISO;
    ``-`` empties the field; the rest the CRM checks."""
    typed = typed.strip()
    if typed == CLEAR_MARK:
        return ""
    if definition.kind != FieldKind.DATE:
        return typed
    day = parse_day(typed, today)
    if day is None:
        raise ValidationFailed("date-unreadable", field=definition.key)
    return day.isoformat()


def pressed_value(definition: FieldDefinition, choice: int) -> str:
    answers = answers_of(definition)
    if not 0 <= choice < len(answers):
        raise ValidationFailed("custom-field-not-a-choice", field=definition.key)
    return answers[choice]
