"""The customer card, the 360-degree view: a header with the lifetime value and loyalty
balance, exact counts of every section, each section paged on its own, and the card's own
actions (loyalty points, support tickets). Opened from a lead card, search results, inline
answers (``/customer <id>``) and segments."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Customer, Lead, Staff
from crm.services import customer_card as cards
from crm.services.access import visible_lead
from crm.services.customer_card import Section
from crm.services.customers import visible_customer
from crm.services.fields import field_definitions
from handlers.common.editing import show_in_place
from handlers.common.filters import TYPED_ANSWER
from handlers.common.flows import FlowData, Pending, answered, ask
from handlers.common.screens import with_notice
from handlers.common.text import tr
from handlers.customer_views import (
    CloseTicket,
    CustomerAction,
    CustomerActionKind,
    CustomerSectionPage,
    CustomerView,
    customer_keyboard,
    render_customer_card,
    render_section,
    section_keyboard,
)
from handlers.leads.keyboards import LeadAction, LeadActionKind

# "/customer_42": one word, so Telegram makes it a link that sends itself when tapped.
CARD_COMMAND = re.compile(r"customer_(\d{1,18})")
# "120 birthday gift": the points, then why.
POINTS_AND_REASON = re.compile(r"^\s*(\d{1,9})\s+(.+)$", re.DOTALL)


class CustomerInput(StatesGroup):
    """Waiting for text for one customer."""

    points = State()
    ticket_subject = State()
    closing_note = State()


class PointsAsked(FlowData):
    destiny: ClassVar[str] = "loyalty-points"
    customer_id: int
    spend: bool


class TicketAsked(FlowData):
    destiny: ClassVar[str] = "ticket-subject"
    customer_id: int


class ClosingNoteAsked(FlowData):
    destiny: ClassVar[str] = "ticket-closing-note"
    ticket_id: int


async def open_lead_customer(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    lead = await visible_lead(session, actor=actor, lead_id=callback_data.lead_id)
    if lead.customer_id is None:
        await query.answer(i18n.get("not-found"), show_alert=True)
        return
    back = LeadAction(lead_id=lead.id, action=LeadActionKind.OPEN, version=lead.version)
    await _edit_card(query, session, actor, i18n, lead.customer_id, back=back)


async def open_customer(
    query: CallbackQuery,
    callback_data: CustomerView,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    await _edit_card(query, session, actor, i18n, callback_data.customer_id, back=None)


async def customer_command(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    """``/customer 42``, or ``/customer_42`` as inline answers show it (a tap sends it)."""
    typed = command.regexp_match.group(1) if command.regexp_match else command.args
    customer_id = (typed or "").strip().lstrip("#")
    if not customer_id.isdigit() or len(customer_id) > 18:
        await message.answer(i18n.get("customer-command-usage"))
        return
    await send_customer_card(message, session, actor, i18n, int(customer_id))


async def open_section(
    query: CallbackQuery,
    callback_data: CustomerSectionPage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    customer = await visible_customer(session, actor=actor, customer_id=callback_data.customer_id)
    customer_id = customer.id
    page = await cards.section_page(
        session,
        actor=actor,
        customer_id=customer_id,
        section=callback_data.section,
        page=callback_data.page,
    )
    title = tr(i18n, "customer-title", name=customer.name, customer_id=str(customer.id))
    fields = await field_definitions(session) if callback_data.section is Section.DEALS else []
    if isinstance(query.message, Message):
        await show_in_place(
            query.message,
            render_section(title, callback_data.section, page, actor, i18n, fields),
            section_keyboard(customer_id, callback_data.section, page, i18n),
        )
    await query.answer()


async def ask_for_customer_input(
    query: CallbackQuery,
    callback_data: CustomerAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    customer_id = (
        await visible_customer(session, actor=actor, customer_id=callback_data.customer_id)
    ).id
    pending: FlowData
    match callback_data.action:
        case CustomerActionKind.OPEN_TICKET:
            question, pending = CustomerInput.ticket_subject, TicketAsked(customer_id=customer_id)
        case action:
            spend = action is CustomerActionKind.SPEND_POINTS
            question, pending = (
                CustomerInput.points,
                PointsAsked(customer_id=customer_id, spend=spend),
            )
    await ask(state, question, pending)
    if isinstance(query.message, Message):
        await query.message.answer(i18n.get(f"customer-ask-{callback_data.action.value}"))
    await query.answer()


async def ask_for_closing_note(
    query: CallbackQuery,
    callback_data: CloseTicket,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    await ask(
        state, CustomerInput.closing_note, ClosingNoteAsked(ticket_id=callback_data.ticket_id)
    )
    if isinstance(query.message, Message):
        await query.message.answer(i18n.get("customer-ask-closing-note"))
    await query.answer()


async def points_typed(
    message: Message,
    pending: PointsAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    match = POINTS_AND_REASON.match(message.text or "")
    if match is None:
        # Asked again: the answer did not read, and the question still stands.
        await message.answer(i18n.get("customer-ask-points-again"))
        return
    await answered(state, PointsAsked)
    points = int(match.group(1)) * (-1 if pending.spend else 1)
    entry = await cards.change_loyalty_points(
        session,
        actor=actor,
        customer_id=pending.customer_id,
        points=points,
        reason=match.group(2),
    )
    notice = i18n.get("customer-points-changed", points=f"{entry.points:+d}")
    await send_customer_card(message, session, actor, i18n, pending.customer_id, notice=notice)


async def ticket_subject_typed(
    message: Message,
    pending: TicketAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    await answered(state, TicketAsked)
    await cards.open_support_ticket(
        session, actor=actor, customer_id=pending.customer_id, subject=message.text or ""
    )
    notice = i18n.get("customer-ticket-opened")
    await send_customer_card(message, session, actor, i18n, pending.customer_id, notice=notice)


async def closing_note_typed(
    message: Message,
    pending: ClosingNoteAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    await answered(state, ClosingNoteAsked)
    ticket = await cards.close_support_ticket(
        session, actor=actor, ticket_id=pending.ticket_id, note=message.text or ""
    )
    notice = i18n.get("customer-ticket-closed")
    await send_customer_card(message, session, actor, i18n, ticket.customer_id, notice=notice)


async def _edit_card(
    query: CallbackQuery,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    customer_id: int,
    *,
    back: LeadAction | None,
) -> None:
    card = await cards.customer_card(session, actor=actor, customer_id=customer_id)
    if isinstance(query.message, Message):
        await show_in_place(
            query.message,
            render_customer_card(card, actor, i18n),
            customer_keyboard(card, i18n, back=back),
        )
    await query.answer()


async def send_customer_card(
    message: Message,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    customer_id: int,
    *,
    notice: str | None = None,
) -> None:
    card = await cards.customer_card(session, actor=actor, customer_id=customer_id)
    await message.answer(
        with_notice(notice, render_customer_card(card, actor, i18n)),
        reply_markup=customer_keyboard(card, i18n, back=None),
    )


async def customers_of(
    session: AsyncSession, actor: Staff, leads: Iterable[Lead]
) -> list[Customer]:
    """The customers behind these leads, each once, in the leads' order."""
    customer_ids = dict.fromkeys(lead.customer_id for lead in leads if lead.customer_id is not None)
    return [
        await visible_customer(session, actor=actor, customer_id=customer_id)
        for customer_id in customer_ids
    ]


# Search opens cards with the card's own callback data.
__all__ = ["CustomerView", "customers_of", "send_customer_card"]


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.callback_query.register(
        open_lead_customer, LeadAction.filter(F.action == LeadActionKind.CUSTOMER)
    )
    router.callback_query.register(open_customer, CustomerView.filter())
    router.message.register(customer_command, Command("customer", CARD_COMMAND))
    router.callback_query.register(open_section, CustomerSectionPage.filter())
    router.callback_query.register(ask_for_customer_input, CustomerAction.filter())
    router.callback_query.register(ask_for_closing_note, CloseTicket.filter())
    router.message.register(
        points_typed, StateFilter(CustomerInput.points), TYPED_ANSWER, Pending(PointsAsked)
    )
    router.message.register(
        ticket_subject_typed,
        StateFilter(CustomerInput.ticket_subject),
        TYPED_ANSWER,
        Pending(TicketAsked),
    )
    router.message.register(
        closing_note_typed,
        StateFilter(CustomerInput.closing_note),
        TYPED_ANSWER,
        Pending(ClosingNoteAsked),
    )
    return router
