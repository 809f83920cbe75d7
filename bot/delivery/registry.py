"""Every kind of outbox message and the renderer that words it."""

from __future__ import annotations

from bot.delivery import (
    digests,
    lead_cards,
    notifications,
    reminders,
    replies,
    rules,
    webhooks_paused,
)
from bot.delivery.messages import Renderer

RENDERERS: dict[str, Renderer] = {
    **notifications.RENDERERS,
    **reminders.RENDERERS,
    **digests.RENDERERS,
    **webhooks_paused.RENDERERS,
    **rules.RENDERERS,
    **replies.RENDERERS,
    **lead_cards.RENDERERS,
}
