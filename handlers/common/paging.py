"""Lists shown a page at a time, with ‹ › buttons; each list brings its own page callback."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram_i18n import I18nContext

from crm.services.board import PAGE_SIZE, OpenPage, Page

T = TypeVar("T")


def page_of(items: Sequence[T], page: int, page_size: int = PAGE_SIZE) -> Page[T]:
    """One page of ``items``; a page number beyond the end shows the last page."""
    last = max(0, (len(items) - 1) // page_size)
    page = min(max(page, 0), last)
    start = page * page_size
    return Page(
        items=list(items[start : start + page_size]),
        page=page,
        page_size=page_size,
        total=len(items),
    )


def page_navigation(
    page: Page[T] | OpenPage[T], i18n: I18nContext, page_callback: Callable[[int], CallbackData]
) -> list[InlineKeyboardButton]:
    """The ‹ and › buttons this page needs (none on a single page)."""
    steps = [("page-previous", -1)] if page.has_previous else []
    steps += [("page-next", 1)] if page.has_next else []
    return [
        InlineKeyboardButton(
            text=i18n.get(key), callback_data=page_callback(page.page + step).pack()
        )
        for key, step in steps
    ]


def page_holding(index: int, page_size: int = PAGE_SIZE) -> int:
    """The page number on which the ``index``-th item is shown."""
    return index // page_size
