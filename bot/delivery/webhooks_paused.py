"""Telling the admins that a webhook failed too often in a row and was paused, with a
button that resumes it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.messages import Outgoing, Reader, Renderer
from crm.models import OutboxMessage, Webhook
from crm.webhooks import PAUSE_AFTER, WEBHOOK_PAUSED
from handlers.admin.webhook_screens import ResumeWebhook
from handlers.common.screens import button, one_per_row
from handlers.common.text import tr


async def render_webhook_paused(
    session: AsyncSession, reader: Reader, message: OutboxMessage
) -> Outgoing | None:
    """Nothing to say once the webhook was resumed or deleted meanwhile."""
    webhook = await session.get(Webhook, message.payload["webhook_id"])
    if webhook is None or webhook.paused_at is None or webhook.deleted_at is not None:
        return None
    i18n = reader.i18n
    text = tr(i18n, "notify-webhook-paused", url=webhook.url, failures=PAUSE_AFTER)
    resume = button(i18n.get("webhooks-btn-resume"), ResumeWebhook(webhook_id=webhook.id))
    return Outgoing(text=text, reply_markup=one_per_row(resume))


RENDERERS: dict[str, Renderer] = {WEBHOOK_PAUSED: render_webhook_paused}
