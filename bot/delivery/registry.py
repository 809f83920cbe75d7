"""Every kind of outbox message and the renderer that words it."""

from __future__ import annotations

from bot.delivery import notifications
from bot.delivery.messages import Renderer

RENDERERS: dict[str, Renderer] = {**notifications.RENDERERS}
