"""Notifications about what others did: a new lead with its source, won with the value, lost
with the reason, assigned to you. Each names who acted and opens the lead's card in one tap."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.messages import Outgoing, Reader, Renderer
from crm import notifications
from crm.models import Lead, OutboxMessage, Staff
from crm.services.access import may_see_lead
from handlers.common.text import tr
from handlers.leads.keyboards import LeadAction, LeadActionKind
from handlers.leads.rendering import lost_reason_text

TEMPLATES = {
    notifications.LEAD_CREATED: "notify-new-lead",
    notifications.LEAD_WON: "notify-lead-won",
    notifications.LEAD_LOST: "notify-lead-lost",
    notifications.LEAD_ASSIGNED: "notify-lead-assigned",
    notifications.LEAD_RETURNED: "notify-lead-returned",
}


async def render_lead_news(
    session: AsyncSession, reader: Reader, message: OutboxMessage
) -> Outgoing | None:
    lead_id = message.payload["lead_id"]
    # The scope is read again when sending: someone who left the lead's team meanwhile is
    # not told.
    if not await may_see_lead(session, actor=reader.staff, lead_id=lead_id):
        return None
    lead = await session.get(Lead, lead_id)
    if lead is None:
        return None
    i18n = reader.i18n
    actor_id = message.payload.get("actor_id")
    actor = await session.get(Staff, actor_id) if actor_id is not None else None
    text = tr(
        i18n,
        TEMPLATES[message.kind],
        title=lead.title,
        lead_id=str(lead.id),
        source=i18n.get(f"source-{lead.source.value}"),
        reason=lost_reason_text(lead, i18n) or "",
        has_value="yes" if lead.value is not None else "no",
        value=lead.value or 0,
        currency=lead.currency,
        actor=actor.display_name if actor else i18n.get("notify-actor-nobody"),
    )
    return Outgoing(text=text, reply_markup=open_lead_button(lead, reader))


def open_lead_button(lead: Lead, reader: Reader) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=reader.i18n.get("btn-open-lead"),
        callback_data=LeadAction(lead_id=lead.id, action=LeadActionKind.OPEN, version=lead.version),
    )
    return keyboard.as_markup()


RENDERERS: dict[str, Renderer] = dict.fromkeys(TEMPLATES, render_lead_news)
