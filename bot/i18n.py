"""Fluent translations: the user's language comes from their staff record."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from aiogram.types import User
from aiogram_i18n import I18nMiddleware
from aiogram_i18n.cores import FluentRuntimeCore
from aiogram_i18n.managers import BaseManager
from fluent.runtime.types import FluentNone, FluentNumber, fluent_number

import locales
from crm.models import Language, Staff

# A directory of Fluent files, not a Python package: a __pycache__ in it would read as a locale.
LOCALES = Path(next(iter(locales.__path__)))
SUPPORTED = {language.value for language in Language}
DEFAULT_LOCALE = Language.EN.value


def money(value: Decimal, currency: str) -> FluentNumber | FluentNone:
    """``{ MONEY($value, $currency) }``: the bundle formats it for its own locale."""
    return fluent_number(value, style="currency", currency=currency)


def locale_for(staff: Staff | None, user: User | None) -> str:
    if staff is not None:
        return staff.language.value
    if user is not None and user.language_code in SUPPORTED:
        return user.language_code
    return DEFAULT_LOCALE


class StaffLocaleManager(BaseManager):
    """Reads the language from the acting staff member, else from Telegram's hint."""

    async def get_locale(
        self, event_from_user: User | None = None, actor: Staff | None = None, **_: Any
    ) -> str:
        return locale_for(actor, event_from_user)

    async def set_locale(self, locale: str, **_: Any) -> None:
        """Languages are saved by the settings service, not here."""


class Translations(FluentRuntimeCore):
    """The Fluent files, loaded when made and kept for the life of the process: the notifier
    renders with them outside any update, also while the dispatcher shuts down."""

    def __init__(self) -> None:
        super().__init__(
            path=LOCALES / "{locale}", default_locale=DEFAULT_LOCALE, functions={"MONEY": money}
        )
        self.locales.update(self.find_locales())

    async def shutdown(self) -> None:
        return None


class PageWords:
    """The translations as the web app reads them (``web.miniapp.settings.Translator``):
    a key rendered in a locale, and whether a key exists."""

    def __init__(self, core: FluentRuntimeCore) -> None:
        self.core = core

    def get(self, message_id: str, locale: str | None = None, /, **kwargs: Any) -> str:
        return self.core.get(message_id, locale, **kwargs)

    def has(self, message_id: str, locale: str) -> bool:
        bundle = self.core.get_translator(self.core.get_locale(locale))
        return bool(bundle.has_message(message_id))


def create_translator() -> FluentRuntimeCore:
    return Translations()


def create_i18n_middleware(core: FluentRuntimeCore) -> I18nMiddleware:
    return I18nMiddleware(core=core, manager=StaffLocaleManager(), default_locale=DEFAULT_LOCALE)
