"""A rep answers a customer on WhatsApp from the customer card (opened from the lead card).

The reply is queued in the same transaction as the conversation's new message and goes out
through the WhatsApp sender after the commit. WhatsApp takes a free-form reply only within
24 hours of the customer's last message: after that the rep is told so and nothing is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Staff
from crm.services.conversations import (
    ReplyQueued,
    WindowClosed,
    reply_on_whatsapp,
    whatsapp_reply_window,
)
from crm.services.customers import visible_customer
from handlers.common.filters import TYPED_ANSWER
from handlers.common.flows import FlowData, Pending, answered, ask
from handlers.common.text import local_time, tr
from handlers.customer_views import WhatsAppReply
from handlers.customers import send_customer_card


class WhatsAppInput(StatesGroup):
    reply = State()


class ReplyAsked(FlowData):
    destiny: ClassVar[str] = "whatsapp-reply"
    customer_id: int


async def ask_for_reply(
    query: CallbackQuery,
    callback_data: WhatsAppReply,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
    whatsapp_replies: bool,
    clock: Callable[[], datetime],
) -> None:
    if not whatsapp_replies:
        await query.answer(i18n.get("whatsapp-replies-not-set-up"), show_alert=True)
        return
    customer_id = callback_data.customer_id
    window = await whatsapp_reply_window(session, actor=actor, customer_id=customer_id)
    if window.open_until is None or not window.is_open(clock()):
        await query.answer(i18n.get("whatsapp-window-closed"), show_alert=True)
        return
    customer = await visible_customer(session, actor=actor, customer_id=customer_id)
    await ask(state, WhatsAppInput.reply, ReplyAsked(customer_id=customer_id))
    if isinstance(query.message, Message):
        await query.message.answer(
            tr(
                i18n,
                "whatsapp-ask-reply",
                name=customer.name,
                until=local_time(window.open_until, actor),
            )
        )
    await query.answer()


async def reply_typed(
    message: Message,
    pending: ReplyAsked,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
    clock: Callable[[], datetime],
) -> None:
    await answered(state, ReplyAsked)
    outcome = await reply_on_whatsapp(
        session, actor=actor, customer_id=pending.customer_id, text=message.text or "", now=clock()
    )
    match outcome:
        case ReplyQueued():
            notice = i18n.get("whatsapp-reply-queued")
            await send_customer_card(
                message, session, actor, i18n, pending.customer_id, notice=notice
            )
        case WindowClosed():
            await message.answer(i18n.get("whatsapp-window-closed"))


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(ask_for_reply, WhatsAppReply.filter())
    router.message.register(
        reply_typed, StateFilter(WhatsAppInput.reply), TYPED_ANSWER, Pending(ReplyAsked)
    )
    return router
