"""What an outbox message says, rendered when it is sent, in the reader's language and time
zone. Each kind of message has a renderer; one that finds nothing left to say returns None."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram_i18n import I18nContext
from aiogram_i18n.cores import FluentRuntimeCore
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import StaffLocaleManager
from crm.models import OutboxMessage, Staff


@dataclass(frozen=True, slots=True)
class Outgoing:
    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    # A chart goes as a photo with ``text`` as its caption.
    photo: BufferedInputFile | None = None


@dataclass(frozen=True, slots=True)
class Reader:
    staff: Staff
    i18n: I18nContext


Renderer = Callable[[AsyncSession, Reader, OutboxMessage], Awaitable[Outgoing | None]]


def reader_of(staff: Staff, translator: FluentRuntimeCore) -> Reader:
    i18n = I18nContext(
        locale=staff.language.value, core=translator, manager=StaffLocaleManager(), data={}
    )
    return Reader(staff=staff, i18n=i18n)
