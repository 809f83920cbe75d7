"""What a rep is told about their reply to a customer: that it did not go out."""

from __future__ import annotations

from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.messages import Outgoing, Reader, Renderer
from crm.models import Conversation, ConversationMessage, Customer, OutboxMessage
from crm.services.conversations import WHATSAPP_REPLY_FAILED
from handlers.common.text import shorten, tr
from handlers.customer_views import CustomerView

PREVIEW = 100


async def render_failed_reply(
    session: AsyncSession, reader: Reader, message: OutboxMessage
) -> Outgoing | None:
    row = (
        await session.execute(
            select(ConversationMessage.text, Customer.id, Customer.name)
            .join(Conversation, Conversation.id == ConversationMessage.conversation_id)
            .join(Customer, Customer.id == Conversation.customer_id)
            .where(ConversationMessage.id == message.payload["message_id"])
        )
    ).first()
    if row is None:
        return None
    text, customer_id, name = row
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=reader.i18n.get("whatsapp-open-customer"),
        callback_data=CustomerView(customer_id=customer_id),
    )
    return Outgoing(
        text=tr(reader.i18n, "whatsapp-reply-failed", name=name, text=shorten(text, PREVIEW)),
        reply_markup=keyboard.as_markup(),
    )


RENDERERS: dict[str, Renderer] = {WHATSAPP_REPLY_FAILED: render_failed_reply}
