"""Translated text with every argument a person typed made safe for HTML."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.utils.text_decorations import html_decoration
from aiogram_i18n import I18nContext

# Shared with the Mini App, so defined in crm.labels; handlers take them from here.
from crm.labels import ELLIPSIS as ELLIPSIS
from crm.labels import pipeline_name as pipeline_name
from crm.labels import shorten as shorten
from crm.labels import stage_name as stage_name
from crm.models import Staff

MESSAGE_LIMIT = 4096


def tr(i18n: I18nContext, key: str, /, **args: object) -> str:
    """``i18n.get`` with string arguments HTML-escaped: Fluent patterns may hold markup,
    the values poured into them may not."""
    safe = {name: html_decoration.quote(v) if isinstance(v, str) else v for name, v in args.items()}
    return i18n.get(key, **safe)


def local_time(moment: datetime, viewer: Staff) -> datetime:
    return moment.astimezone(ZoneInfo(viewer.time_zone))
