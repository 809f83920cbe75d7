"""Where the Mini App (the pipeline board) opens from in the chat: a button on ``/pipeline``
and on the lead card, shown when the board has a public https address (``MINIAPP_URL``, or
``PUBLIC_URL`` + ``/miniapp/``). Telegram opens such buttons only in the private chat, which
is the only chat the CRM answers in (``bot.middlewares.private_chats``)."""

from __future__ import annotations

from contextvars import ContextVar
from urllib.parse import urlencode

from aiogram.types import InlineKeyboardButton, WebAppInfo
from aiogram_i18n import I18nContext

# The board's address for the update being handled: set by ``bot.middlewares.board_address``,
# read where a keyboard is built deep inside the card's rendering.
BOARD_ADDRESS: ContextVar[str | None] = ContextVar("board_address", default=None)


def board_button(i18n: I18nContext, *, lead_id: int | None = None) -> InlineKeyboardButton | None:
    """The button opening the board (at the lead's details), or None without an address."""
    address = BOARD_ADDRESS.get()
    if address is None:
        return None
    if lead_id is not None:
        address += ("&" if "?" in address else "?") + urlencode({"lead": lead_id})
    return InlineKeyboardButton(
        text=i18n.get("miniapp-open-board"), web_app=WebAppInfo(url=address)
    )
