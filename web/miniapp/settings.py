"""What the Mini App needs from the server's settings: the bot token its ``initData`` is
signed with, how old ``initData`` may be, and the Fluent translations the chat uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from aiohttp import web

from crm.labels import Words


class Translator(Words, Protocol):
    """The bot's Fluent files (``bot.i18n.PageWords``): a key rendered in a locale (another
    locale falls back to the default one), and whether a key exists."""

    def has(self, message_id: str, locale: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class MiniAppSettings:
    bot_token: str
    translator: Translator
    init_data_max_age: timedelta = timedelta(hours=1)


MINIAPP = web.AppKey("miniapp", MiniAppSettings)
