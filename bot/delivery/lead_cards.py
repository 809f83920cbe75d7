"""A lead's card asked for from the board ("open in the chat"): the chat's own card with its
buttons, as the reader may see it when it is sent."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.messages import Outgoing, Reader, Renderer
from crm.errors import Forbidden, NotFound
from crm.models import OutboxMessage
from crm.services.cards import lead_card
from crm.services.kanban import LEAD_CARD
from handlers.leads.keyboards import lead_card_keyboard
from handlers.leads.rendering import render_lead_card


async def render_card(
    session: AsyncSession, reader: Reader, message: OutboxMessage
) -> Outgoing | None:
    try:
        card = await lead_card(session, actor=reader.staff, lead_id=message.payload["lead_id"])
    except (NotFound, Forbidden):
        return None  # deleted, or given to someone else, since it was asked for
    return Outgoing(
        text=render_lead_card(card, reader.staff, reader.i18n),
        reply_markup=lead_card_keyboard(card, reader.staff, reader.i18n),
    )


RENDERERS: dict[str, Renderer] = {LEAD_CARD: render_card}
