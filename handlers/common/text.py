"""Translated text with every argument a person typed made safe for HTML."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.utils.text_decorations import html_decoration
from aiogram_i18n import I18nContext

from crm.models import Staff

MESSAGE_LIMIT = 4096
ELLIPSIS = "…"


def tr(i18n: I18nContext, key: str, /, **args: object) -> str:
    """``i18n.get`` with string arguments HTML-escaped: Fluent patterns may hold markup,
    the values poured into them may not."""
    safe = {name: html_decoration.quote(v) if isinstance(v, str) else v for name, v in args.items()}
    return i18n.get(key, **safe)


def shorten(text: str, limit: int) -> str:
    """Plain text cut to ``limit`` characters, before it is escaped."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def local_time(moment: datetime, viewer: Staff) -> datetime:
    return moment.astimezone(ZoneInfo(viewer.time_zone))
