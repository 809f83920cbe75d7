"""The card's follow-up buttons: a note, one-tap "called" and "wrote", tags, and editing a field."""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import ValidationFailed
from crm.models import NOTE_MAX_LENGTH, ActivityKind, Lead, Staff, utcnow
from crm.schemas import LeadChanges, parse
from crm.services import cards, leads, tags, timeline
from handlers.common.filters import TYPED_ANSWER
from handlers.common.flows import FlowData, Pending, answered, ask
from handlers.common.text import local_time, tr
from handlers.common.when import parse_day
from handlers.leads.activity_keyboards import (
    CLEARABLE_FIELDS,
    AddTags,
    EditField,
    LeadField,
    RemoveTag,
    field_picker,
    tags_keyboard,
)
from handlers.leads.card import edit_card, pressed_lead, send_card, show_card_with
from handlers.leads.keyboards import LeadAction, LeadActionKind
from handlers.leads.states import FieldValueAsked, LeadCardInput
from handlers.task_keyboards import task_time_keyboard

# What a person types in answer to a question; commands still reach their handlers.
TAG_SEPARATORS = re.compile(r"[\s,]+")
CLEAR_MARK = "-"
LOGGED_CONTACTS = {
    LeadActionKind.CALLED: (ActivityKind.CALL, "call-logged"),
    LeadActionKind.WROTE: (ActivityKind.MESSAGE, "message-logged"),
}


class NoteAsked(FlowData):
    destiny: ClassVar[str] = "note"
    lead_id: int


class TagsAsked(FlowData):
    destiny: ClassVar[str] = "tags"
    lead_id: int


async def ask_to_type(
    query: CallbackQuery,
    session: AsyncSession,
    actor: Staff,
    lead_id: int,
    i18n: I18nContext,
    state: FSMContext,
    *,
    waiting_for: State,
    pending: FlowData,
    prompt: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Ask for text about a lead the person may see, and put the card back as it was;
    ``pending`` is what the answer is for."""
    await edit_card(query, session, actor, lead_id, i18n)
    await ask(state, waiting_for, pending)
    if isinstance(query.message, Message):
        await query.message.answer(prompt, reply_markup=reply_markup)


async def ask_for_note(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    await ask_to_type(
        query,
        session,
        actor,
        callback_data.lead_id,
        i18n,
        state,
        waiting_for=LeadCardInput.note,
        pending=NoteAsked(lead_id=callback_data.lead_id),
        prompt=i18n.get("note-ask"),
    )


async def note_typed(
    message: Message,
    pending: NoteAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    lead_id = pending.lead_id
    # Cleared first: whatever becomes of this note, the next message is not taken for one.
    await answered(state, NoteAsked)
    notes = await timeline.add_note(session, actor=actor, lead_id=lead_id, text=message.text or "")
    notice = (
        i18n.get("note-saved")
        if len(notes) == 1
        else i18n.get("note-saved-in-parts", limit=NOTE_MAX_LENGTH, count=len(notes))
    )
    await send_card(message, session, actor, lead_id, i18n, notice=notice)


async def log_contact(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    kind, notice = LOGGED_CONTACTS[callback_data.action]
    # The card's version turns a double tap into one logged contact, not two.
    await timeline.log_activity(
        session,
        actor=actor,
        lead_id=callback_data.lead_id,
        kind=kind,
        seen_version=callback_data.version,
    )
    card = await cards.lead_card(session, actor=actor, lead_id=callback_data.lead_id)
    follow_up = task_time_keyboard(card.lead.id, card.lead.version, i18n, ask_title=False)
    await show_card_with(query, card, actor, i18n, follow_up, notice=i18n.get(notice))


async def show_tags(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    card = await cards.lead_card(session, actor=actor, lead_id=callback_data.lead_id)
    await show_card_with(
        query, card, actor, i18n, tags_keyboard(card, i18n), notice=i18n.get("tags-pick")
    )


async def remove_tag(
    query: CallbackQuery,
    callback_data: RemoveTag,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    card = await cards.lead_card(session, actor=actor, lead_id=callback_data.lead_id)
    tag = next((tag for tag in card.tags if tag.id == callback_data.tag_id), None)
    notice = None
    if tag is not None:
        await tags.untag_lead(session, actor=actor, lead_id=card.lead.id, name=tag.name)
        notice = i18n.get("tags-removed", tag=tag.name)
    card = await cards.lead_card(session, actor=actor, lead_id=card.lead.id)
    await show_card_with(query, card, actor, i18n, tags_keyboard(card, i18n), notice=notice)


async def ask_for_tags(
    query: CallbackQuery,
    callback_data: AddTags,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    await ask_to_type(
        query,
        session,
        actor,
        callback_data.lead_id,
        i18n,
        state,
        waiting_for=LeadCardInput.tags,
        pending=TagsAsked(lead_id=callback_data.lead_id),
        prompt=i18n.get("tags-ask"),
    )


async def tags_typed(
    message: Message,
    pending: TagsAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    names = [word for word in TAG_SEPARATORS.split(message.text or "") if word]
    # Too many or a bad tag raises before the question is closed: it is asked again.
    await tags.tag_lead(session, actor=actor, lead_id=pending.lead_id, names=names)
    await answered(state, TagsAsked)
    await send_card(message, session, actor, pending.lead_id, i18n, notice=i18n.get("tags-saved"))


async def pick_field(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    await pressed_lead(session, actor, callback_data)
    card = await cards.lead_card(session, actor=actor, lead_id=callback_data.lead_id)
    picker = field_picker(card.lead.id, callback_data.version, card.fields, i18n)
    await show_card_with(query, card, actor, i18n, picker, notice=i18n.get("edit-pick-field"))


async def ask_for_field_value(
    query: CallbackQuery,
    callback_data: EditField,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    lead = await pressed_lead(session, actor, callback_data)
    await ask_to_type(
        query,
        session,
        actor,
        lead.id,
        i18n,
        state,
        waiting_for=LeadCardInput.field_value,
        pending=FieldValueAsked(
            lead_id=lead.id, field=callback_data.field, version=callback_data.version
        ),
        prompt=field_prompt(lead, callback_data.field, i18n),
    )


def field_prompt(lead: Lead, field: LeadField, i18n: I18nContext) -> str:
    current = shown_value(lead, field, i18n)
    prompt = tr(
        i18n,
        "edit-ask",
        field=i18n.get(f"edit-field-{field.value}"),
        current=i18n.get("edit-empty") if current is None else current,
    )
    return f"{prompt}\n{i18n.get('edit-ask-clear')}" if field in CLEARABLE_FIELDS else prompt


def shown_value(lead: Lead, field: LeadField, i18n: I18nContext) -> str | None:
    """The field's value as the person reads it, not yet escaped."""
    value = getattr(lead, field.value)
    if value is None:
        return None
    if field == LeadField.VALUE:
        return i18n.get("money", value=value, currency=lead.currency)
    if field == LeadField.EXPECTED_CLOSE_ON:
        return i18n.get("edit-date", day=value)
    return str(value)


async def field_value_typed(
    message: Message,
    pending: FieldValueAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
    phone_region: str,
) -> None:
    field = pending.field
    today = local_time(utcnow(), actor).date()
    changes = parse(LeadChanges, {field.value: new_value(field, message.text or "", today)})
    await leads.update_lead(
        session,
        actor=actor,
        lead_id=pending.lead_id,
        changes=changes,
        seen_version=pending.version,
        phone_region=phone_region,
    )
    await answered(state, FieldValueAsked)
    await send_card(message, session, actor, pending.lead_id, i18n, notice=i18n.get("edit-saved"))


def new_value(field: LeadField, typed: str, today: date) -> str | date | None:
    """What the person typed for ``field``: ``-`` empties it, a date is read in their words."""
    typed = typed.strip()
    if typed == CLEAR_MARK and field in CLEARABLE_FIELDS:
        return None
    if field != LeadField.EXPECTED_CLOSE_ON:
        return typed
    day = parse_day(typed, today)
    if day is None:
        raise ValidationFailed("date-unreadable", field=field.value)
    return day


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.callback_query.register(ask_for_note, LeadAction.filter(F.action == LeadActionKind.NOTE))
    router.message.register(
        note_typed, StateFilter(LeadCardInput.note), TYPED_ANSWER, Pending(NoteAsked)
    )
    router.callback_query.register(log_contact, LeadAction.filter(F.action.in_(LOGGED_CONTACTS)))
    router.callback_query.register(show_tags, LeadAction.filter(F.action == LeadActionKind.TAGS))
    router.callback_query.register(remove_tag, RemoveTag.filter())
    router.callback_query.register(ask_for_tags, AddTags.filter())
    router.message.register(
        tags_typed, StateFilter(LeadCardInput.tags), TYPED_ANSWER, Pending(TagsAsked)
    )
    router.callback_query.register(pick_field, LeadAction.filter(F.action == LeadActionKind.EDIT))
    router.callback_query.register(ask_for_field_value, EditField.filter())
    router.message.register(
        field_value_typed,
        StateFilter(LeadCardInput.field_value),
        TYPED_ANSWER,
        Pending(FieldValueAsked),
    )
    return router
