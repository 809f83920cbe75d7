"""``/duplicates``: managers and admins see customers who are likely one person, pick which of
two to keep, see what the merge will leave, and confirm it. Every step is a button; only the
last one changes anything, and it is refused once either customer was merged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_i18n import I18nContext
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Customer, Staff
from crm.services.board import OpenPage, Page
from crm.services.duplicates import (
    DuplicatePair,
    Likeness,
    MergePreview,
    duplicate_pairs,
    merge_customers,
    merge_preview,
)
from handlers.common.paging import page_navigation
from handlers.common.screens import Screen, button, send_screen, show_screen
from handlers.common.text import MESSAGE_LIMIT, shorten, tr
from handlers.customer_views import CustomerView, fit_lines

BUTTON_NAME = 30
LIST_NAME = 60


class DuplicatesPage(CallbackData, prefix="dup"):
    page: int


class LeadDuplicatesPage(CallbackData, prefix="dl"):
    """A page of the likely duplicate leads (handlers.lead_duplicates shows it)."""

    page: int


class PairView(CallbackData, prefix="dv"):
    first_id: int
    second_id: int
    page: int


class MergeStep(CallbackData, prefix="dm"):
    """Merge ``drop_id`` into ``keep_id``: shown first, done once ``confirmed``."""

    keep_id: int
    drop_id: int
    page: int
    confirmed: bool = False


def _who(customer: Customer) -> str:
    return f"#{customer.id} {shorten(customer.name, LIST_NAME)}"


def shared_text(shared: list[tuple[Likeness, str]], i18n: I18nContext) -> str:
    """What two customers or leads share, in words."""
    return ", ".join(
        i18n.get(f"duplicates-same-{likeness.value}", value=value)
        if likeness is not Likeness.NAME
        else i18n.get("duplicates-same-name")
        for likeness, value in shared
    )


class SharedPair(Protocol):
    """Two duplicates, customers or leads, and what they share."""

    @property
    def shared(self) -> list[tuple[Likeness, str]]: ...


Pair = TypeVar("Pair", bound=SharedPair)


def _list_screen(pairs: Page[DuplicatePair], i18n: I18nContext) -> Screen:
    title = i18n.get(
        "duplicates-title", count=pairs.total, page=pairs.page + 1, pages=pairs.page_count
    )
    return pairs_screen(
        title,
        pairs,
        i18n,
        names=lambda pair: (_who(pair.first), _who(pair.second)),
        merge=lambda pair: PairView(
            first_id=pair.first.id, second_id=pair.second.id, page=pairs.page
        ),
        page_to=lambda number: DuplicatesPage(page=number),
        other_list=button(i18n.get("duplicates-leads"), LeadDuplicatesPage(page=0)),
    )


def pairs_screen(
    title: str,
    pairs: Page[Pair] | OpenPage[Pair],
    i18n: I18nContext,
    *,
    names: Callable[[Pair], tuple[str, str]],
    merge: Callable[[Pair], CallbackData],
    page_to: Callable[[int], CallbackData],
    other_list: InlineKeyboardButton,
) -> Screen:
    """A page of duplicate pairs, customers' or leads', numbered, each with its merge button,
    and a button to the other kind's list."""
    lines = [title]
    kb = InlineKeyboardBuilder()
    for number, pair in enumerate(pairs.items, start=pairs.page * pairs.page_size + 1):
        first, second = names(pair)
        shared = shared_text(pair.shared, i18n)
        lines.append(
            tr(i18n, "duplicates-pair", number=number, first=first, second=second, shared=shared)
        )
        kb.button(
            text=i18n.get("duplicates-merge-button", number=number), callback_data=merge(pair)
        )
    if not pairs.items:
        lines.append(i18n.get("duplicates-none"))
    kb.adjust(len(pairs.items) or 1)
    kb.row(*page_navigation(pairs, i18n, page_to))
    kb.row(other_list)
    return Screen(fit_lines(lines, MESSAGE_LIMIT), kb.as_markup())


async def show_duplicates(
    message: Message, session: AsyncSession, actor: Staff, i18n: I18nContext
) -> None:
    pairs = await duplicate_pairs(session, actor=actor, page=0)
    await send_screen(message, _list_screen(pairs, i18n))


async def turn_page(
    query: CallbackQuery,
    callback_data: DuplicatesPage,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    pairs = await duplicate_pairs(session, actor=actor, page=callback_data.page)
    await show_screen(query, _list_screen(pairs, i18n))


async def show_pair(
    query: CallbackQuery,
    callback_data: PairView,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    """Which of the two stays: each button shows the merge it would make."""
    preview = await merge_preview(
        session, actor=actor, keep_id=callback_data.first_id, drop_id=callback_data.second_id
    )
    kb = InlineKeyboardBuilder()
    for kept, dropped in ((preview.kept, preview.dropped), (preview.dropped, preview.kept)):
        kb.button(
            text=tr(i18n, "duplicates-keep", who=shorten(_who(kept), BUTTON_NAME)),
            callback_data=MergeStep(keep_id=kept.id, drop_id=dropped.id, page=callback_data.page),
        )
    kb.button(text=i18n.get("back"), callback_data=DuplicatesPage(page=callback_data.page))
    kb.adjust(1)
    lines = [i18n.get("duplicates-pick")]
    lines += [_customer_lines(c, i18n) for c in (preview.kept, preview.dropped)]
    await show_screen(query, Screen("\n\n".join(lines), kb.as_markup()))


def _customer_lines(customer: Customer, i18n: I18nContext) -> str:
    contacts = ", ".join(customer.phones + customer.emails) or i18n.get("duplicates-no-contacts")
    return tr(i18n, "duplicates-customer", who=_who(customer), contacts=contacts)


def _preview_text(preview: MergePreview, i18n: I18nContext) -> str:
    moving = ", ".join(
        i18n.get(f"duplicates-moving-{kind}", count=count)
        for kind, count in preview.moving.items()
        if count
    )
    return tr(
        i18n,
        "duplicates-preview",
        dropped=_who(preview.dropped),
        kept=_who(preview.kept),
        name=preview.kept.name,
        contacts=", ".join(preview.phones + preview.emails) or i18n.get("duplicates-no-contacts"),
        tags=" ".join(f"#{tag}" for tag in preview.tags) or "—",
        moving=moving or i18n.get("duplicates-moving-nothing"),
    )


async def merge_step(
    query: CallbackQuery,
    callback_data: MergeStep,
    session: AsyncSession,
    actor: Staff,
    i18n: I18nContext,
) -> None:
    keep_id, drop_id = callback_data.keep_id, callback_data.drop_id
    if not callback_data.confirmed:
        preview = await merge_preview(session, actor=actor, keep_id=keep_id, drop_id=drop_id)
        kb = InlineKeyboardBuilder()
        kb.button(
            text=i18n.get("duplicates-confirm"),
            callback_data=callback_data.model_copy(update={"confirmed": True}),
        )
        kb.button(
            text=i18n.get("back"),
            callback_data=PairView(first_id=keep_id, second_id=drop_id, page=callback_data.page),
        )
        kb.adjust(1)
        await show_screen(query, Screen(_preview_text(preview, i18n), kb.as_markup()))
        return
    kept = await merge_customers(session, actor=actor, keep_id=keep_id, drop_id=drop_id)
    kb = InlineKeyboardBuilder()
    kb.button(
        text=tr(i18n, "duplicates-open", who=shorten(_who(kept), BUTTON_NAME)),
        callback_data=CustomerView(customer_id=kept.id),
    )
    kb.button(text=i18n.get("duplicates-back-to-list"), callback_data=DuplicatesPage(page=0))
    kb.adjust(1)
    text = tr(i18n, "duplicates-merged", dropped=f"#{drop_id}", kept=_who(kept))
    await show_screen(query, Screen(text, kb.as_markup()))


def create_router() -> Router:
    """A fresh router for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(show_duplicates, Command("duplicates"))
    router.callback_query.register(turn_page, DuplicatesPage.filter())
    router.callback_query.register(show_pair, PairView.filter())
    router.callback_query.register(merge_step, MergeStep.filter())
    return router
