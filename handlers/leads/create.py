"""Quick add in one message: ``/lead Olena Petrenko +380671234567 12000 UAH``, and the
warning shown when a new lead shares a phone or e-mail with leads already there."""

from __future__ import annotations

import re
from typing import ClassVar

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import DuplicateLead
from crm.models import Lead, Staff
from crm.schemas import LeadDraft, parse
from crm.services.access import may_see_lead
from crm.services.leads import create_lead
from handlers.common.flows import FlowData
from handlers.common.text import stage_name, tr
from handlers.leads.card import edit_card, send_card
from handlers.leads.wizard_keyboards import CreateAnyway, duplicate_keyboard

router = Router(name=__name__)

EMAIL = re.compile(r"^\S+@\S+\.\S+$")
PHONE = re.compile(r"^\+?[\d()\-]{7,}$")
AMOUNT = re.compile(r"^\d[\d\s]*([.,]\d{1,2})?$")
CURRENCY = re.compile(r"^[A-Za-z]{3}$")


class DuplicateWarned(FlowData):
    """The draft a duplicate warning's "Create anyway" creates, and the lead it warned of."""

    destiny: ClassVar[str] = "duplicate"
    of: int
    draft: LeadDraft


def parse_quick_lead(text: str, *, default_currency: str) -> dict[str, object]:
    """Split ``Name [phone] [email] [amount [currency]]`` into draft fields.

    Words that look like a phone, an e-mail, an amount or a currency code are taken as such;
    the rest, in order, is the name.
    """
    fields: dict[str, object] = {"currency": default_currency}
    name: list[str] = []
    for word in text.split():
        if "phone" not in fields and PHONE.match(word):
            fields["phone"] = word
        elif "email" not in fields and EMAIL.match(word):
            fields["email"] = word
        elif "value" not in fields and AMOUNT.match(word):
            fields["value"] = word
        elif "value" in fields and CURRENCY.match(word):
            fields["currency"] = word.upper()
        else:
            name.append(word)
    if name:
        fields["contact_name"] = " ".join(name)
    return fields


@router.message(Command("lead", magic=F.args))
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
    fields = parse_quick_lead(command.args or "", default_currency=default_currency)
    await create_or_offer_duplicate(
        message,
        session=session,
        actor=actor,
        draft=parse(LeadDraft, fields),
        state=state,
        i18n=i18n,
        phone_region=phone_region,
    )


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
        await _offer_duplicate(message, duplicate.existing, draft, actor, state, i18n)
        return
    await send_card(message, session, actor, lead.id, i18n)


async def _offer_duplicate(
    message: Message,
    existing: list[Lead],
    draft: LeadDraft,
    viewer: Staff,
    state: FSMContext,
    i18n: I18nContext,
) -> None:
    newest = existing[0]
    await DuplicateWarned(of=newest.id, draft=draft).save(state)
    openable = [lead for lead in existing if may_see_lead(viewer, lead)]
    await message.answer(
        render_duplicates(existing, viewer, i18n),
        reply_markup=duplicate_keyboard(openable, newest.id, i18n),
    )


def render_duplicates(existing: list[Lead], viewer: Staff, i18n: I18nContext) -> str:
    lines = [i18n.get("duplicate-found", count=len(existing))]
    lines += [_duplicate_line(lead, viewer, i18n) for lead in existing]
    return "\n".join(lines)


def _duplicate_line(lead: Lead, viewer: Staff, i18n: I18nContext) -> str:
    if may_see_lead(viewer, lead):
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


@router.callback_query(CreateAnyway.filter())
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
