"""``/find <text>`` in the chat with the bot, and ``@bot <text>`` in any chat to share a lead.

Both search by name, phone (also its last digits), e-mail or #tag among the leads the person
may see; inline answers also carry the customers behind the leads found.
"""

from __future__ import annotations

from typing import ClassVar

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultUnion,
    InputTextMessageContent,
    Message,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Customer, Lead, Staff
from crm.services.board import Page
from crm.services.search import latest_leads, search_leads
from handlers.common.editing import show_in_place
from handlers.common.flows import FlowData
from handlers.common.paging import page_navigation, page_of
from handlers.common.text import shorten, stage_name, tr
from handlers.customers import CustomerView, customers_of
from handlers.leads.keyboards import LeadAction, LeadActionKind
from handlers.leads.rendering import lost_reason_text

MOST_FOUND = 96
INLINE_RESULTS = 50
# Results are personal and change as leads move: let Telegram keep them only briefly.
INLINE_CACHE_SECONDS = 5
BUTTON_TITLE = 40
TITLE_SHOWN = 80
# The query is echoed, shortened, above what it found; it is never pasted in whole.
QUERY_SHOWN = 60
QUERIES_KEPT = 5
REASON_SHOWN = 60
NO_VALUE = "—"


class FindPage(CallbackData, prefix="fs"):
    search_id: int
    page: int


class RecentSearches(FlowData):
    """Paging buttons cannot hold the query text (64 bytes), so the last few queries are kept,
    by the id of the /find message that asked them."""

    destiny: ClassVar[str] = "find"
    queries: dict[int, str]

    def remembering(self, search_id: int, text: str) -> RecentSearches:
        queries = self.queries | {search_id: text}
        newest = sorted(queries)[-QUERIES_KEPT:]
        return RecentSearches(queries={key: queries[key] for key in newest})


async def find(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    text = (command.args or "").strip()
    if not text:
        await message.answer(i18n.get("find-usage"))
        return
    shown, keyboard = await _results(session, actor, i18n, text, message.message_id, page=0)
    await _remember_query(state, message.message_id, text)
    await message.answer(shown, reply_markup=keyboard)


async def turn_page(
    query: CallbackQuery,
    callback_data: FindPage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    state: FSMContext,
) -> None:
    text = await _recalled_query(state, callback_data.search_id)
    if text is None:
        await query.answer(i18n.get("find-expired"), show_alert=True)
        return
    shown, keyboard = await _results(
        session, actor, i18n, text, callback_data.search_id, page=callback_data.page
    )
    if isinstance(query.message, Message):
        await show_in_place(query.message, shown, keyboard)
    await query.answer()


async def _results(
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
    text: str,
    search_id: int,
    *,
    page: int,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of what ``text`` finds, or a kind word that it finds nothing."""
    found = await search_leads(session, actor=actor, text=text, limit=MOST_FOUND)
    if not found:
        return tr(i18n, "find-nothing", query=shorten(text, QUERY_SHOWN)), None
    shown = page_of(found, page)
    customers = await customers_of(session, actor, shown.items)
    return render_found(text, shown, i18n), found_keyboard(search_id, shown, customers, i18n)


async def _remember_query(state: FSMContext, search_id: int, text: str) -> None:
    recent = await RecentSearches.load(state) or RecentSearches(queries={})
    await recent.remembering(search_id, text).save(state)


async def _recalled_query(state: FSMContext, search_id: int) -> str | None:
    recent = await RecentSearches.load(state)
    return None if recent is None else recent.queries.get(search_id)


def render_found(text: str, page: Page[Lead], i18n: I18nContext) -> str:
    lines = [
        tr(
            i18n,
            "find-title",
            query=shorten(text, QUERY_SHOWN),
            count=page.total,
            page=page.page + 1,
            pages=page.page_count,
        )
    ]
    lines += [tr(i18n, "find-line", **_lead_facts(lead, i18n)) for lead in page.items]
    if page.total >= MOST_FOUND:
        lines.append(i18n.get("find-too-many", count=MOST_FOUND))
    return "\n".join(lines)


def _lead_facts(lead: Lead, i18n: I18nContext) -> dict[str, str]:
    """Title, phone, stage and value, as plain text (``tr`` escapes them for HTML)."""
    value = (
        NO_VALUE
        if lead.value is None
        else i18n.get("money", value=lead.value, currency=lead.currency)
    )
    return {
        "title": shorten(lead.title, TITLE_SHOWN),
        "phone": lead.phone or NO_VALUE,
        "stage": _stage_shown(lead, i18n),
        "value": value,
    }


def _stage_shown(lead: Lead, i18n: I18nContext) -> str:
    """The lead's stage and, once it is lost, why, in the reader's language."""
    stage = stage_name(lead.stage, i18n)
    reason = lost_reason_text(lead, i18n)
    if reason is None:
        return stage
    return i18n.get("found-stage-lost", stage=stage, reason=shorten(reason, REASON_SHOWN))


def found_keyboard(
    search_id: int, page: Page[Lead], customers: list[Customer], i18n: I18nContext
) -> InlineKeyboardMarkup:
    """A button per lead opening its card in place, one per customer, then ‹ ›."""
    kb = InlineKeyboardBuilder()
    for lead in page.items:
        kb.button(
            text=shorten(lead.title, BUTTON_TITLE),
            callback_data=LeadAction(
                lead_id=lead.id, action=LeadActionKind.OPEN, version=lead.version
            ),
        )
    for customer in customers:
        kb.button(
            text=i18n.get("find-customer-button", name=shorten(customer.name, BUTTON_TITLE)),
            callback_data=CustomerView(customer_id=customer.id),
        )
    kb.adjust(1)
    kb.row(*page_navigation(page, i18n, lambda number: FindPage(search_id=search_id, page=number)))
    return kb.as_markup()


async def share_leads(
    inline_query: InlineQuery, session: AsyncSession, actor: Staff, i18n: I18nContext
) -> None:
    text = inline_query.query.strip()
    leads = (
        await search_leads(session, actor=actor, text=text, limit=INLINE_RESULTS)
        if text
        else await latest_leads(session, actor=actor, limit=INLINE_RESULTS)
    )
    customers = await customers_of(session, actor, leads)
    results: list[InlineQueryResultUnion] = [lead_article(lead, i18n) for lead in leads]
    results += [customer_article(customer, i18n) for customer in customers]
    await inline_query.answer(
        results[:INLINE_RESULTS], cache_time=INLINE_CACHE_SECONDS, is_personal=True
    )


def lead_article(lead: Lead, i18n: I18nContext) -> InlineQueryResultArticle:
    facts = _lead_facts(lead, i18n)
    return InlineQueryResultArticle(
        id=f"lead-{lead.id}",
        title=facts["title"],
        description=i18n.get("inline-lead-description", **facts),
        input_message_content=InputTextMessageContent(
            message_text=tr(i18n, "inline-lead-text", **facts)
        ),
    )


def customer_article(customer: Customer, i18n: I18nContext) -> InlineQueryResultArticle:
    contacts = ", ".join(customer.phones + customer.emails)
    facts = {
        "name": shorten(customer.name, TITLE_SHOWN),
        "contacts": shorten(contacts, TITLE_SHOWN) or NO_VALUE,
    }
    return InlineQueryResultArticle(
        id=f"customer-{customer.id}",
        title=i18n.get("inline-customer-title", name=facts["name"]),
        description=facts["contacts"],
        input_message_content=InputTextMessageContent(
            message_text=tr(i18n, "inline-customer-text", card=f"/customer_{customer.id}", **facts)
        ),
    )


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(find, Command("find"))
    router.callback_query.register(turn_page, FindPage.filter())
    router.inline_query.register(share_leads)
    return router
