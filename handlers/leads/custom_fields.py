"""Custom fields on the lead card: a rep fills one from the edit screen, or when a stage move
asks for it; choices and yes/no are buttons, the rest typed."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Staff, utcnow
from crm.schemas import LeadChanges
from crm.services import leads
from crm.services.cards import LeadCard, StillNeeded, card_of
from crm.services.fields import get_field
from handlers.common.filters import TYPED_ANSWER
from handlers.common.flows import Pending, answered
from handlers.common.text import local_time
from handlers.leads.activity_keyboards import EditCustomField
from handlers.leads.card import edit_card, pressed_lead, reply_with_outcome
from handlers.leads.field_questions import (
    NO_MOVE,
    CustomFieldAsked,
    CustomFieldInput,
    FieldAnswer,
    ask_for_field,
    pressed_value,
    typed_value,
)


async def ask_to_fill(
    query: CallbackQuery,
    callback_data: EditCustomField,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    lead = await pressed_lead(session, actor, callback_data)
    definition = await get_field(session, callback_data.field_id)
    await edit_card(query, session, actor, lead.id, i18n)
    pending = CustomFieldAsked(lead_id=lead.id, version=lead.version, field_id=definition.id)
    if isinstance(query.message, Message):
        await ask_for_field(query.message, state, definition, pending, i18n, clearable=True)


async def value_typed(
    message: Message,
    pending: CustomFieldAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    definition = await get_field(session, pending.field_id)
    today = local_time(utcnow(), actor).date()
    # An unreadable value raises before the question is closed: it is asked again.
    value = typed_value(definition, message.text or "", today)
    outcome = await _fill(session, actor, pending, value)
    await answered(state, CustomFieldAsked)
    await reply_with_outcome(message, outcome, actor, i18n, state)


async def answer_pressed(
    query: CallbackQuery,
    callback_data: FieldAnswer,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    """A button of the question; one of an older question (or pressed twice) is refused by the
    version of the lead it carries."""
    definition = await get_field(session, callback_data.field_id)
    pending = CustomFieldAsked(
        lead_id=callback_data.lead_id,
        version=callback_data.version,
        field_id=definition.id,
        stage_id=callback_data.stage_id,
    )
    outcome = await _fill(session, actor, pending, pressed_value(definition, callback_data.choice))
    if await CustomFieldAsked.load(state) == pending:
        await answered(state, CustomFieldAsked)
    await query.answer()
    if isinstance(query.message, Message):
        await reply_with_outcome(query.message, outcome, actor, i18n, state)


async def _fill(
    session: AsyncSession, actor: Staff, pending: CustomFieldAsked, value: str
) -> LeadCard | StillNeeded:
    """Fill the field; when a move asked for it, make the move (or say what it needs next)."""
    if pending.stage_id != NO_MOVE:
        return await leads.fill_field_and_move(
            session,
            actor=actor,
            lead_id=pending.lead_id,
            seen_version=pending.version,
            field_id=pending.field_id,
            value=value,
            stage_id=pending.stage_id,
        )
    definition = await get_field(session, pending.field_id)
    lead = await leads.update_lead(
        session,
        actor=actor,
        lead_id=pending.lead_id,
        changes=LeadChanges(custom_fields={definition.key: value}),
        seen_version=pending.version,
    )
    return await card_of(session, actor=actor, lead=lead)


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.callback_query.register(ask_to_fill, EditCustomField.filter())
    router.message.register(
        value_typed, StateFilter(CustomFieldInput.value), TYPED_ANSWER, Pending(CustomFieldAsked)
    )
    router.callback_query.register(answer_pressed, FieldAnswer.filter())
    return router
