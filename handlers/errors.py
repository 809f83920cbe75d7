"""CRM errors turned into translated answers, in one place for every handler."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent, Update
from aiogram_i18n import I18nContext
from aiogram_i18n.exceptions import KeyNotFoundError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.errors import CrmError, StaleLead
from crm.labels import INVALID_INPUT_KEY, refusal_details, refusal_key
from crm.models import Staff
from handlers.common.text import tr
from handlers.leads.card import edit_card

log = logging.getLogger(__name__)


def error_text(error: CrmError, i18n: I18nContext) -> str:
    try:
        return tr(i18n, refusal_key(error), **refusal_details(error))
    except KeyNotFoundError:
        return i18n.get(INVALID_INPUT_KEY)


async def refresh_stale_card(
    event: ErrorEvent,
    i18n: I18nContext,
    session_factory: async_sessionmaker[AsyncSession],
    actor: Staff,
) -> None:
    """A button on an old card: show the current card instead of applying the old intent."""
    error = event.exception
    query = event.update.callback_query
    assert isinstance(error, StaleLead)
    if query is None:
        await answer_crm_error(event, i18n)
        return
    async with session_factory() as session:
        viewer = await session.merge(actor, load=False)
        await edit_card(query, session, viewer, error.lead_id, i18n, notice=i18n.get("card-stale"))


async def answer_not_saved(event: ErrorEvent, i18n: I18nContext) -> None:
    """The database refused the change (or was unreachable): it was rolled back whole."""
    log.error("update %s not saved", event.update.update_id, exc_info=event.exception)
    await tell(event.update, i18n.get("error-not-saved"))


async def answer_crm_error(event: ErrorEvent, i18n: I18nContext) -> None:
    """The update's transaction was rolled back; tell the person why, briefly."""
    error = event.exception
    assert isinstance(error, CrmError)
    await tell(event.update, error_text(error, i18n))


async def tell(update: Update, text: str) -> None:
    """A short answer to whatever the person did: an alert on a press, else a message."""
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200], show_alert=True)
    elif update.message is not None:
        await update.message.answer(text)
    elif update.inline_query is not None:
        # Inline mode has no room for words: the person sees that nothing matched.
        await update.inline_query.answer([], cache_time=0, is_personal=True)


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.error.register(refresh_stale_card, ExceptionTypeFilter(StaleLead))
    router.error.register(answer_not_saved, ExceptionTypeFilter(SQLAlchemyError))
    router.error.register(answer_crm_error, ExceptionTypeFilter(CrmError))
    return router
