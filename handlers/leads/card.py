"""The lead card and its stage buttons: next, previous, pick a stage, won and lost."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Lead, Staff, Stage, StageKind
from crm.services import cards, leads
from crm.services.access import editable_lead
from crm.services.cards import LeadCard
from crm.services.pipelines import get_stage, pipeline_stages
from handlers.common.editing import show_in_place
from handlers.common.filters import TYPED_ANSWER
from handlers.common.screens import with_notice
from handlers.leads.keyboards import (
    LOST_REASON_KEYS,
    LeadAction,
    LeadActionKind,
    LostReason,
    MoveToStage,
    lead_card_keyboard,
    lost_reasons,
    stage_picker,
)
from handlers.leads.rendering import render_lead_card
from handlers.leads.states import LeadInput

router = Router(name=__name__)


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
    await message.answer(
        with_notice(notice, render_lead_card(card, actor, i18n)),
        reply_markup=lead_card_keyboard(card, actor, i18n),
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
    await show_card_with(
        query, card, actor, i18n, lead_card_keyboard(card, actor, i18n), notice=notice
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


async def _card_for_keyboard(
    query: CallbackQuery, session: AsyncSession, actor: Staff, lead_id: int
) -> tuple[LeadCard, Message | None]:
    card = await cards.lead_card(session, actor=actor, lead_id=lead_id)
    message = query.message if isinstance(query.message, Message) else None
    return card, message


@router.callback_query(LeadAction.filter(F.action == LeadActionKind.OPEN))
async def open_card(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    await edit_card(query, session, actor, callback_data.lead_id, i18n)


@router.callback_query(
    LeadAction.filter(F.action.in_({LeadActionKind.NEXT, LeadActionKind.PREVIOUS}))
)
async def step_along(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    step = 1 if callback_data.action == LeadActionKind.NEXT else -1
    lead = await pressed_lead(session, actor, callback_data)
    target = await leads.neighbour_stage(session, lead, step=step)
    if target is None:
        await query.answer(i18n.get("card-no-further-stage"))
        return
    if target.kind == StageKind.WON and lead.value is None:
        await _ask_for_won_value(query, callback_data.lead_id, callback_data.version, state, i18n)
        return
    await leads.move_lead_along(
        session, actor=actor, lead_id=lead.id, step=step, seen_version=callback_data.version
    )
    await edit_card(query, session, actor, lead.id, i18n)


@router.callback_query(LeadAction.filter(F.action == LeadActionKind.PICK_STAGE))
async def pick_stage(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    card, message = await _card_for_keyboard(query, session, actor, callback_data.lead_id)
    stages = await pipeline_stages(session, pipeline_id=card.lead.stage.pipeline_id)
    if message is not None:
        await message.edit_reply_markup(reply_markup=stage_picker(card, stages, i18n))
    await query.answer()


@router.callback_query(MoveToStage.filter())
async def move_to_picked_stage(
    query: CallbackQuery,
    callback_data: MoveToStage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    target = await get_stage(session, callback_data.stage_id)
    lead = await pressed_lead(session, actor, callback_data)
    if target.kind == StageKind.WON and lead.value is None:
        await _ask_for_won_value(query, lead.id, callback_data.version, state, i18n)
        return
    if target.kind == StageKind.LOST:
        await _show_lost_reasons(query, session, actor, lead.id, i18n)
        return
    await leads.move_lead_to_stage(
        session,
        actor=actor,
        lead_id=lead.id,
        stage_id=target.id,
        seen_version=callback_data.version,
    )
    await edit_card(query, session, actor, lead.id, i18n)


@router.callback_query(LeadAction.filter(F.action == LeadActionKind.WON))
async def mark_won(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    lead = await pressed_lead(session, actor, callback_data)
    if lead.value is None:
        await _ask_for_won_value(query, lead.id, callback_data.version, state, i18n)
        return
    won = await leads.won_stage(session, lead)
    await leads.move_lead_to_stage(
        session, actor=actor, lead_id=lead.id, stage_id=won.id, seen_version=callback_data.version
    )
    await edit_card(query, session, actor, lead.id, i18n)


async def _ask_for_won_value(
    query: CallbackQuery, lead_id: int, version: int, state: FSMContext, i18n: I18nContext
) -> None:
    await state.set_state(LeadInput.won_value)
    await state.update_data(lead_id=lead_id, version=version)
    if isinstance(query.message, Message):
        await query.message.answer(i18n.get("ask-won-value"))
    await query.answer()


@router.message(LeadInput.won_value, TYPED_ANSWER)
async def won_value_typed(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    await _close_with_typed_detail(
        message,
        session,
        actor,
        i18n,
        state,
        closing_stage=leads.won_stage,
        value=message.text or "",
    )


async def _close_with_typed_detail(
    message: Message,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
    *,
    closing_stage: Callable[[AsyncSession, Lead], Awaitable[Stage]],
    **detail: str,
) -> None:
    """Move the lead waited for to Won or Lost with what was typed: its value or a reason."""
    data = await state.get_data()
    lead = await editable_lead(
        session, actor=actor, lead_id=data["lead_id"], seen_version=data["version"]
    )
    stage = await closing_stage(session, lead)
    await leads.move_lead_to_stage(
        session,
        actor=actor,
        lead_id=lead.id,
        stage_id=stage.id,
        seen_version=data["version"],
        **detail,
    )
    await state.clear()
    await send_card(message, session, actor, lead.id, i18n)


@router.callback_query(LeadAction.filter(F.action == LeadActionKind.LOST))
async def mark_lost(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    await pressed_lead(session, actor, callback_data)
    await _show_lost_reasons(query, session, actor, callback_data.lead_id, i18n)


async def _show_lost_reasons(
    query: CallbackQuery, session: AsyncSession, actor: Staff, lead_id: int, i18n: I18nContext
) -> None:
    card, message = await _card_for_keyboard(query, session, actor, lead_id)
    if message is not None:
        await message.edit_reply_markup(reply_markup=lost_reasons(card, i18n))
    await query.answer(i18n.get("ask-lost-reason"))


@router.callback_query(LostReason.filter())
async def lost_reason_picked(
    query: CallbackQuery,
    callback_data: LostReason,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    lead = await pressed_lead(session, actor, callback_data)
    if not 0 <= callback_data.index < len(LOST_REASON_KEYS):
        await state.set_state(LeadInput.lost_reason)
        await state.update_data(lead_id=lead.id, version=callback_data.version)
        if isinstance(query.message, Message):
            await query.message.answer(i18n.get("ask-lost-reason-text"))
        await query.answer()
        return
    lost = await leads.lost_stage(session, lead)
    await leads.move_lead_to_stage(
        session,
        actor=actor,
        lead_id=lead.id,
        stage_id=lost.id,
        seen_version=callback_data.version,
        lost_reason=i18n.get(LOST_REASON_KEYS[callback_data.index]),
    )
    await edit_card(query, session, actor, lead.id, i18n)


@router.message(LeadInput.lost_reason, TYPED_ANSWER)
async def lost_reason_typed(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext, state: FSMContext
) -> None:
    await _close_with_typed_detail(
        message,
        session,
        actor,
        i18n,
        state,
        closing_stage=leads.lost_stage,
        lost_reason=message.text or "",
    )
