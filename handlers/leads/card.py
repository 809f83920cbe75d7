"""The lead card and its stage buttons: next, previous, pick a stage, won and lost.

Each button is one ``crm`` use case: it answers with the new card, or with what the move
still needs (a value, a reason), or that there is no stage further; the handler renders that.
"""

from __future__ import annotations

from typing import Protocol

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import ValidationFailed
from crm.models import Lead, Staff
from crm.services import cards, leads
from crm.services.access import editable_lead
from crm.services.cards import (
    LeadCard,
    NeedsFieldValue,
    NeedsLostReason,
    NeedsLostReasonText,
    NeedsValue,
    NoFurtherStage,
    StillNeeded,
)
from handlers.common.editing import replace_keyboard, show_in_place
from handlers.common.filters import TYPED_ANSWER
from handlers.common.flows import FlowData, Pending, answered, ask
from handlers.common.screens import with_notice
from handlers.leads.activity_keyboards import LeadField
from handlers.leads.field_questions import CustomFieldAsked, ask_for_field
from handlers.leads.keyboards import (
    LeadAction,
    LeadActionKind,
    MoveToStage,
    PickLostReason,
    lead_card_keyboard,
    lost_reasons,
    stage_picker,
)
from handlers.leads.rendering import render_lead_card
from handlers.leads.states import (
    FieldValueAsked,
    LeadCardInput,
    LeadInput,
    LostWordsAsked,
    WonValueAsked,
)

PressOutcome = LeadCard | StillNeeded | NoFurtherStage


class PressedCard(Protocol):
    """The callback data of a card button: which lead, and the version the card showed."""

    lead_id: int
    version: int


async def pressed_lead(session: AsyncSession, actor: Staff, pressed: PressedCard) -> Lead:
    """The lead a card button is about, if ``actor`` may change it and the card is current."""
    return await editable_lead(
        session, actor=actor, lead_id=pressed.lead_id, seen_version=pressed.version
    )


async def send_card(
    message: Message,
    session: AsyncSession,
    actor: Staff,
    lead_id: int,
    i18n: I18nContext,
    *,
    notice: str | None = None,
) -> None:
    """Send the lead's card, under a line saying what just happened if anything did."""
    card = await cards.lead_card(session, actor=actor, lead_id=lead_id)
    await reply_with_card(message, card, actor, i18n, notice=notice)


async def reply_with_card(
    message: Message,
    card: LeadCard,
    viewer: Staff,
    i18n: I18nContext,
    *,
    notice: str | None = None,
) -> None:
    await message.answer(
        with_notice(notice, render_lead_card(card, viewer, i18n)),
        reply_markup=lead_card_keyboard(card, viewer, i18n),
    )


async def edit_card(
    query: CallbackQuery,
    session: AsyncSession,
    actor: Staff,
    lead_id: int,
    i18n: I18nContext,
    *,
    notice: str | None = None,
) -> None:
    """Show the lead's current card in the pressed message and answer the press."""
    card = await cards.lead_card(session, actor=actor, lead_id=lead_id)
    await show_card(query, card, actor, i18n, notice=notice)


async def show_card(
    query: CallbackQuery,
    card: LeadCard,
    viewer: Staff,
    i18n: I18nContext,
    *,
    notice: str | None = None,
) -> None:
    await show_card_with(
        query, card, viewer, i18n, lead_card_keyboard(card, viewer, i18n), notice=notice
    )


async def show_card_with(
    query: CallbackQuery,
    card: LeadCard,
    viewer: Staff,
    i18n: I18nContext,
    keyboard: InlineKeyboardMarkup,
    *,
    notice: str | None = None,
) -> None:
    """The card as it is now in the pressed message, under ``keyboard``; answers the press."""
    if isinstance(query.message, Message):
        await show_in_place(query.message, render_lead_card(card, viewer, i18n), keyboard)
    await query.answer(notice)


async def show_outcome(
    query: CallbackQuery,
    outcome: PressOutcome,
    viewer: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    """What a card button's use case answered: the new card, or the question it needs."""
    match outcome:
        case LeadCard():
            await show_card(query, outcome, viewer, i18n)
            if outcome.wants_close_date:
                await _ask_for_close_date(query, outcome, state, i18n)
        case NeedsValue(lead_id=lead_id, version=version):
            pending = WonValueAsked(lead_id=lead_id, version=version)
            await _ask_in_chat(
                query, state, LeadInput.won_value, pending, i18n.get("ask-won-value")
            )
        case NeedsLostReason():
            if isinstance(query.message, Message):
                await replace_keyboard(query.message, lost_reasons(outcome, i18n))
            await query.answer(i18n.get("ask-lost-reason"))
        case NeedsLostReasonText(lead_id=lead_id, version=version):
            pending_words = LostWordsAsked(lead_id=lead_id, version=version)
            prompt = i18n.get("ask-lost-reason-text")
            await _ask_in_chat(query, state, LeadInput.lost_reason, pending_words, prompt)
        case NeedsFieldValue():
            if isinstance(query.message, Message):
                await ask_for_field(
                    query.message,
                    state,
                    outcome.definition,
                    asked_for(outcome),
                    i18n,
                    clearable=False,
                )
            await query.answer()
        case NoFurtherStage():
            await query.answer(i18n.get("card-no-further-stage"))


def asked_for(needed: NeedsFieldValue) -> CustomFieldAsked:
    return CustomFieldAsked(
        lead_id=needed.lead_id,
        version=needed.version,
        field_id=needed.definition.id,
        stage_id=needed.stage_id,
    )


async def reply_with_outcome(
    message: Message,
    outcome: LeadCard | StillNeeded,
    viewer: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    """What a typed answer's use case answered: the new card, or the next question."""
    match outcome:
        case LeadCard():
            await reply_with_card(message, outcome, viewer, i18n)
        case NeedsFieldValue():
            await ask_for_field(
                message, state, outcome.definition, asked_for(outcome), i18n, clearable=False
            )
        case NeedsValue(lead_id=lead_id, version=version):
            await ask(state, LeadInput.won_value, WonValueAsked(lead_id=lead_id, version=version))
            await message.answer(i18n.get("ask-won-value"))
        case NeedsLostReason() | NeedsLostReasonText():
            # A typed answer never moves a lead to Lost: this cannot be asked here.
            raise ValidationFailed(outcome.code, field=outcome.field)


async def _ask_for_close_date(
    query: CallbackQuery, card: LeadCard, state: FSMContext, i18n: I18nContext
) -> None:
    """The forecast needs a date for a deal this likely to close: asked as the card's own
    "expected close date" field, so typing it is the same as editing the field."""
    pending = FieldValueAsked(
        lead_id=card.lead.id, field=LeadField.EXPECTED_CLOSE_ON, version=card.lead.version
    )
    await ask(state, LeadCardInput.field_value, pending)
    if isinstance(query.message, Message):
        await query.message.answer(i18n.get("ask-expected-close"))


async def _ask_in_chat(
    query: CallbackQuery, state: FSMContext, question: State, pending: FlowData, prompt: str
) -> None:
    await ask(state, question, pending)
    if isinstance(query.message, Message):
        await query.message.answer(prompt)
    await query.answer()


async def open_card(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    await edit_card(query, session, actor, callback_data.lead_id, i18n)


async def next_stage(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    outcome = await leads.move_to_next_stage(
        session, actor=actor, lead_id=callback_data.lead_id, seen_version=callback_data.version
    )
    await show_outcome(query, outcome, actor, i18n, state)


async def previous_stage(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    outcome = await leads.move_to_previous_stage(
        session, actor=actor, lead_id=callback_data.lead_id, seen_version=callback_data.version
    )
    await show_outcome(query, outcome, actor, i18n, state)


async def pick_stage(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    choices = await leads.stage_choices(
        session, actor=actor, lead_id=callback_data.lead_id, seen_version=callback_data.version
    )
    picker = stage_picker(choices.card, choices.stages, i18n)
    await show_card_with(query, choices.card, actor, i18n, picker)


async def stage_picked(
    query: CallbackQuery,
    callback_data: MoveToStage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    outcome = await leads.move_to_stage(
        session,
        actor=actor,
        lead_id=callback_data.lead_id,
        stage_id=callback_data.stage_id,
        seen_version=callback_data.version,
    )
    await show_outcome(query, outcome, actor, i18n, state)


async def won(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    outcome = await leads.mark_won(
        session, actor=actor, lead_id=callback_data.lead_id, seen_version=callback_data.version
    )
    await show_outcome(query, outcome, actor, i18n, state)


async def won_value_typed(
    message: Message,
    pending: WonValueAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    # A value that does not read raises before the question is closed: it is asked again.
    outcome = await leads.win_with_value(
        session,
        actor=actor,
        lead_id=pending.lead_id,
        seen_version=pending.version,
        value=message.text or "",
    )
    await answered(state, WonValueAsked)
    await reply_with_outcome(message, outcome, actor, i18n, state)


async def lost(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    outcome = await leads.mark_lost(
        session, actor=actor, lead_id=callback_data.lead_id, seen_version=callback_data.version
    )
    await show_outcome(query, outcome, actor, i18n, state)


async def lost_reason_picked(
    query: CallbackQuery,
    callback_data: PickLostReason,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    outcome = await leads.mark_lost(
        session,
        actor=actor,
        lead_id=callback_data.lead_id,
        seen_version=callback_data.version,
        reason=callback_data.reason,
    )
    await show_outcome(query, outcome, actor, i18n, state)


async def lost_words_typed(
    message: Message,
    pending: LostWordsAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    card = await leads.lose_with_words(
        session,
        actor=actor,
        lead_id=pending.lead_id,
        seen_version=pending.version,
        words=message.text or "",
    )
    await answered(state, LostWordsAsked)
    await reply_with_card(message, card, actor, i18n)


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.callback_query.register(open_card, LeadAction.filter(F.action == LeadActionKind.OPEN))
    router.callback_query.register(next_stage, LeadAction.filter(F.action == LeadActionKind.NEXT))
    router.callback_query.register(
        previous_stage, LeadAction.filter(F.action == LeadActionKind.PREVIOUS)
    )
    router.callback_query.register(
        pick_stage, LeadAction.filter(F.action == LeadActionKind.PICK_STAGE)
    )
    router.callback_query.register(stage_picked, MoveToStage.filter())
    router.callback_query.register(won, LeadAction.filter(F.action == LeadActionKind.WON))
    router.message.register(
        won_value_typed, StateFilter(LeadInput.won_value), TYPED_ANSWER, Pending(WonValueAsked)
    )
    router.callback_query.register(lost, LeadAction.filter(F.action == LeadActionKind.LOST))
    router.callback_query.register(lost_reason_picked, PickLostReason.filter())
    router.message.register(
        lost_words_typed, StateFilter(LeadInput.lost_reason), TYPED_ANSWER, Pending(LostWordsAsked)
    )
    return router
