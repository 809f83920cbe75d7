"""Settings-style screens: one message that each button press turns into the next screen."""

from __future__ import annotations

from typing import NamedTuple

from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from handlers.common.editing import show_in_place

CHECKED = "✅"
UNCHECKED = "⬜"


class Screen(NamedTuple):
    text: str
    keyboard: InlineKeyboardMarkup | None = None


async def show_screen(query: CallbackQuery, screen: Screen, notice: str | None = None) -> None:
    """Turn the pressed message into ``screen`` and answer the press."""
    if isinstance(query.message, Message):
        await show_in_place(query.message, screen.text, screen.keyboard)
    await query.answer(notice)


async def send_screen(message: Message, screen: Screen) -> None:
    await message.answer(screen.text, reply_markup=screen.keyboard)


def with_notice(notice: str | None, text: str) -> str:
    """``text`` under a line saying what just happened, if anything did."""
    return f"{notice}\n\n{text}" if notice else text


def button(text: str, callback_data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=callback_data.pack())


def one_per_row(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[each] for each in buttons])


def checkbox(checked: bool, label: str) -> str:
    return f"{CHECKED if checked else UNCHECKED} {label}"
