"""Quick add in one message: ``/lead Olena Petrenko +380671234567 12000 UAH``, read by
:mod:`crm.quick_add`; when the message reads more than one way, the bot shows how it read it
and creates nothing until the rep picks the right reading. And the warning shown when a new
lead shares a phone or e-mail with leads already there."""

from __future__ import annotations

from typing import ClassVar

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import DuplicateLead
from crm.models import Lead, Staff
from crm.quick_add import QuickLead, read_quick_lead
from crm.schemas import LeadDraft, parse
from crm.services.access import seen_of
from crm.services.leads import create_lead
from handlers.common.editing import show_in_place
from handlers.common.flows import FlowData
from handlers.common.text import shorten, stage_name, tr
from handlers.leads.card import edit_card, send_card
from handlers.leads.quick_add_keyboards import QuickAddAction, QuickAddStep, readings_keyboard
from handlers.leads.wizard_keyboards import CreateAnyway, duplicate_keyboard

NAME_SHOWN = 200
NOTHING = "—"


class QuickAddPending(FlowData):
    """The readings of an unsure quick add, offered under the answer to /lead message ``ask``;
    nothing is created until one is chosen."""

    destiny: ClassVar[str] = "quick_add"
    ask: int
    readings: list[QuickLead]


class DuplicateWarned(FlowData):
    """The draft a duplicate warning's "Create anyway" creates, and the lead it warned of."""

    destiny: ClassVar[str] = "duplicate"
    of: int
    draft: LeadDraft


async def quick_add(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
    phone_region: str,
    default_currency: str,
) -> None:
    reading = read_quick_lead(
        command.args or "", region=phone_region, default_currency=default_currency
    )
    if reading.is_ambiguous:
        readings = list(reading.readings)
        await QuickAddPending(ask=message.message_id, readings=readings).save(state)
        await message.answer(
            render_reading(readings[0], i18n),
            reply_markup=readings_keyboard(message.message_id, readings, 0, i18n),
        )
        return
    await create_or_offer_duplicate(
        message,
        session=session,
        actor=actor,
        draft=parse(LeadDraft, reading.likeliest.draft_fields()),
        state=state,
        i18n=i18n,
        phone_region=phone_region,
    )


def render_reading(reading: QuickLead, i18n: I18nContext, *, outcome: str | None = None) -> str:
    """How the message was read, and below it what became of it or what to do."""
    amount = (
        i18n.get("quick-add-no-amount")
        if reading.amount is None
        else i18n.get("quick-add-amount", amount=reading.amount, currency=reading.currency)
    )
    lines = [
        i18n.get("quick-add-unsure"),
        tr(i18n, "quick-add-name", name=shorten(reading.name or NOTHING, NAME_SHOWN)),
        tr(i18n, "quick-add-phone", phone=reading.phone or NOTHING),
        tr(i18n, "quick-add-email", email=reading.email or NOTHING),
        amount,
        "",
        outcome or i18n.get("quick-add-choose"),
    ]
    return "\n".join(lines)


async def _pending_readings(
    query: CallbackQuery, callback_data: QuickAddAction, state: FSMContext, i18n: I18nContext
) -> tuple[Message, list[QuickLead]] | None:
    """The pressed message and the readings it offers, if it still waits for a choice; if
    not, the press is answered."""
    pending = await QuickAddPending.load(state)
    if (
        pending is None
        or pending.ask != callback_data.ask
        or not 0 <= callback_data.reading < len(pending.readings)
        or not isinstance(query.message, Message)
    ):
        await query.answer(i18n.get("quick-add-expired"), show_alert=True)
        return None
    return query.message, pending.readings


async def show_other_reading(
    query: CallbackQuery, callback_data: QuickAddAction, i18n: I18nContext, state: FSMContext
) -> None:
    pending = await _pending_readings(query, callback_data, state, i18n)
    if pending is None:
        return
    message, readings = pending
    shown = callback_data.reading
    await show_in_place(
        message,
        render_reading(readings[shown], i18n),
        readings_keyboard(callback_data.ask, readings, shown, i18n),
    )
    await query.answer()


async def create_as_shown(
    query: CallbackQuery,
    callback_data: QuickAddAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
    phone_region: str,
) -> None:
    pending = await _pending_readings(query, callback_data, state, i18n)
    if pending is None:
        return
    message, readings = pending
    chosen = readings[callback_data.reading]
    await create_or_offer_duplicate(
        message,
        session=session,
        actor=actor,
        draft=parse(LeadDraft, chosen.draft_fields()),
        state=state,
        i18n=i18n,
        phone_region=phone_region,
    )
    await QuickAddPending.forget(state)
    outcome = i18n.get("quick-add-chosen")
    await show_in_place(message, render_reading(chosen, i18n, outcome=outcome))
    await query.answer()


async def cancel_quick_add(
    query: CallbackQuery, callback_data: QuickAddAction, i18n: I18nContext, state: FSMContext
) -> None:
    pending = await _pending_readings(query, callback_data, state, i18n)
    if pending is None:
        return
    message, readings = pending
    await QuickAddPending.forget(state)
    outcome = i18n.get("quick-add-cancelled")
    shown = render_reading(readings[callback_data.reading], i18n, outcome=outcome)
    await show_in_place(message, shown)
    await query.answer()


async def create_or_offer_duplicate(
    message: Message,
    *,
    session: AsyncSession,
    actor: Staff,
    draft: LeadDraft,
    state: FSMContext,
    i18n: I18nContext,
    phone_region: str,
) -> None:
    """Create the lead and send its card; if its contact is taken, show who has it instead."""
    try:
        lead = await create_lead(session, actor=actor, draft=draft, phone_region=phone_region)
    except DuplicateLead as duplicate:
        await _offer_duplicate(message, session, duplicate.existing, draft, actor, state, i18n)
        return
    await send_card(message, session, actor, lead.id, i18n)


async def _offer_duplicate(
    message: Message,
    session: AsyncSession,
    existing: list[Lead],
    draft: LeadDraft,
    viewer: Staff,
    state: FSMContext,
    i18n: I18nContext,
) -> None:
    newest = existing[0]
    await DuplicateWarned(of=newest.id, draft=draft).save(state)
    seen = await seen_of(session, actor=viewer, lead_ids=[lead.id for lead in existing])
    openable = [lead for lead in existing if lead.id in seen]
    await message.answer(
        render_duplicates(existing, seen, i18n),
        reply_markup=duplicate_keyboard(openable, newest.id, i18n),
    )


def render_duplicates(existing: list[Lead], seen: set[int], i18n: I18nContext) -> str:
    """The leads sharing the contact: those in ``seen`` in full, the others by owner only."""
    lines = [i18n.get("duplicate-found", count=len(existing))]
    lines += [_duplicate_line(lead, lead.id in seen, i18n) for lead in existing]
    return "\n".join(lines)


def _duplicate_line(lead: Lead, seen: bool, i18n: I18nContext) -> str:
    if seen:
        owner = lead.responsible.display_name if lead.responsible else i18n.get("card-nobody")
        return tr(
            i18n,
            "duplicate-lead",
            title=lead.title,
            lead_id=str(lead.id),
            stage=stage_name(lead.stage, i18n),
            responsible=owner,
        )
    if lead.responsible is None:
        return i18n.get("duplicate-unassigned")
    return tr(i18n, "duplicate-someone-elses", name=lead.responsible.display_name)


async def create_anyway(
    query: CallbackQuery,
    callback_data: CreateAnyway,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
    phone_region: str,
) -> None:
    draft = await _take_pending_draft(state, callback_data.duplicate_of)
    if draft is None:
        await query.answer(i18n.get("duplicate-already-done"))
        return
    lead = await create_lead(
        session, actor=actor, draft=draft, phone_region=phone_region, allow_duplicate=True
    )
    await edit_card(query, session, actor, lead.id, i18n)


async def _take_pending_draft(state: FSMContext, duplicate_of: int) -> LeadDraft | None:
    """The draft waiting on this warning, removed so that a second press finds nothing."""
    pending = await DuplicateWarned.load(state)
    if pending is None or pending.of != duplicate_of:
        return None
    await DuplicateWarned.forget(state)
    return pending.draft


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(quick_add, Command("lead", magic=F.args))
    router.callback_query.register(
        show_other_reading, QuickAddAction.filter(F.step == QuickAddStep.SHOW)
    )
    router.callback_query.register(
        create_as_shown, QuickAddAction.filter(F.step == QuickAddStep.CREATE)
    )
    router.callback_query.register(
        cancel_quick_add, QuickAddAction.filter(F.step == QuickAddStep.CANCEL)
    )
    router.callback_query.register(create_anyway, CreateAnyway.filter())
    return router
