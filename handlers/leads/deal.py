"""Closing the deal from the lead card: convert it to an order (order number, then amount),
and hand it to another member of the team."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Order, Staff
from crm.money import from_minor_units
from crm.services.access import visible_lead
from crm.services.leads import assign_lead, convert_lead_to_order
from crm.services.staff import assignable_staff
from handlers.common.editing import replace_keyboard
from handlers.common.filters import TYPED_ANSWER
from handlers.common.flows import FlowData, Pending, answered, ask
from handlers.common.paging import page_of
from handlers.common.text import tr
from handlers.leads.card import edit_card, pressed_lead, send_card
from handlers.leads.deal_keyboards import (
    AssignTo,
    StaffPage,
    UseLeadValue,
    lead_value_keyboard,
    staff_picker,
)
from handlers.leads.keyboards import LeadAction, LeadActionKind

ORDER_ID_MAX: int = Order.external_id.type.length
# Commands typed mid-way (/find, /pipeline) are left to their own handlers.


class ConvertInput(StatesGroup):
    """Converting a lead: its order number, then the amount."""

    order_id = State()
    amount = State()


class Conversion(FlowData):
    """The lead being converted, as its card showed it."""

    destiny: ClassVar[str] = "conversion"
    lead_id: int
    version: int


class NumberedConversion(Conversion):
    """The lead being converted, with the order number typed for it."""

    external_id: str


async def start_conversion(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    lead = await pressed_lead(session, actor, callback_data)
    await ask(state, ConvertInput.order_id, Conversion(lead_id=lead.id, version=lead.version))
    if isinstance(query.message, Message):
        await query.message.answer(tr(i18n, "convert-ask-order-id", title=lead.title))
    await query.answer()


async def order_id_typed(
    message: Message,
    pending: Conversion,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    external_id = (message.text or "").strip()
    if not 0 < len(external_id) <= ORDER_ID_MAX:
        await message.answer(i18n.get("error-order-id-invalid"))
        return
    lead = await visible_lead(session, actor=actor, lead_id=pending.lead_id)
    numbered = NumberedConversion(**pending.model_dump(), external_id=external_id)
    await ask(state, ConvertInput.amount, numbered)
    await message.answer(
        tr(i18n, "convert-ask-amount", order_id=external_id, currency=lead.currency),
        reply_markup=lead_value_keyboard(lead, i18n),
    )


async def amount_typed(
    message: Message,
    pending: NumberedConversion,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    await _convert(session, actor, state, pending, amount=message.text or "")
    await send_card(message, session, actor, pending.lead_id, i18n)


async def lead_value_chosen(
    query: CallbackQuery,
    callback_data: UseLeadValue,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    pending = await NumberedConversion.load(state) if await _awaiting_amount(state) else None
    if pending is None or pending.lead_id != callback_data.lead_id:
        await query.answer(i18n.get("convert-over"), show_alert=True)
        return
    amount = from_minor_units(callback_data.amount_minor)
    order = await _convert(session, actor, state, pending, amount=amount)
    notice = i18n.get("convert-done", order_id=order.external_id)
    await edit_card(query, session, actor, pending.lead_id, i18n, notice=notice)


async def _awaiting_amount(state: FSMContext) -> bool:
    """False once the conversion is done (a second press) or another flow took over."""
    return await state.get_state() == ConvertInput.amount.state


async def _convert(
    session: AsyncSession,
    actor: Staff,
    state: FSMContext,
    pending: NumberedConversion,
    *,
    amount: str | Decimal,
) -> Order:
    """Convert once: the version seen on the card refuses a second order for the same lead.

    A bad amount raises before the state is cleared, so the person stays on this step.
    """
    order = await convert_lead_to_order(
        session,
        actor=actor,
        lead_id=pending.lead_id,
        external_id=pending.external_id,
        amount=amount,
        seen_version=pending.version,
    )
    await answered(state, Conversion)
    return order


async def choose_owner(
    query: CallbackQuery,
    callback_data: LeadAction,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    first_page = StaffPage(lead_id=callback_data.lead_id, version=callback_data.version, page=0)
    await _show_staff(query, session, actor, i18n, first_page)


async def turn_staff_page(
    query: CallbackQuery,
    callback_data: StaffPage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    await _show_staff(query, session, actor, i18n, callback_data)


async def _show_staff(
    query: CallbackQuery,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    wanted: StaffPage,
) -> None:
    active = await assignable_staff(session, actor=actor)
    page = page_of(active, wanted.page)
    if isinstance(query.message, Message):
        await replace_keyboard(
            query.message,
            staff_picker(page, lead_id=wanted.lead_id, version=wanted.version, i18n=i18n),
        )
    await query.answer(i18n.get("assign-ask"))


async def owner_chosen(
    query: CallbackQuery,
    callback_data: AssignTo,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    lead = await assign_lead(
        session,
        actor=actor,
        lead_id=callback_data.lead_id,
        responsible_id=callback_data.staff_id,
        seen_version=callback_data.version,
    )
    owner = lead.responsible.display_name if lead.responsible else ""
    notice = i18n.get("assign-done", name=owner)
    await edit_card(query, session, actor, lead.id, i18n, notice=notice)


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.callback_query.register(
        start_conversion, LeadAction.filter(F.action == LeadActionKind.CONVERT)
    )
    router.message.register(
        order_id_typed, StateFilter(ConvertInput.order_id), TYPED_ANSWER, Pending(Conversion)
    )
    router.message.register(
        amount_typed, StateFilter(ConvertInput.amount), TYPED_ANSWER, Pending(NumberedConversion)
    )
    router.callback_query.register(lead_value_chosen, UseLeadValue.filter())
    router.callback_query.register(
        choose_owner, LeadAction.filter(F.action == LeadActionKind.ASSIGN)
    )
    router.callback_query.register(turn_staff_page, StaffPage.filter())
    router.callback_query.register(owner_chosen, AssignTo.filter())
    return router
