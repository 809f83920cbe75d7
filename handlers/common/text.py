"""Translated text with every argument a person typed made safe for HTML."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from aiogram.utils.text_decorations import html_decoration
from aiogram_i18n import I18nContext

from crm.models import Pipeline, Staff, Stage

MESSAGE_LIMIT = 4096
ELLIPSIS = "…"


class Translator(Protocol):
    """An update's ``I18nContext``, or the Fluent core with the reader's locale given."""

    def get(self, key: str, locale: str | None = None, /, **kwargs: Any) -> str: ...


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


def stage_name(stage: Stage, i18n: Translator, locale: str | None = None) -> str:
    """A default stage in the reader's language; a stage an admin named, as they typed it."""
    return _named("stage", stage.code, stage.name, i18n, locale)


def pipeline_name(pipeline: Pipeline, i18n: Translator, locale: str | None = None) -> str:
    return _named("pipeline", pipeline.code, pipeline.name, i18n, locale)


def _named(kind: str, code: str | None, name: str, i18n: Translator, locale: str | None) -> str:
    return name if code is None else i18n.get(f"{kind}-default-{code}", locale)
