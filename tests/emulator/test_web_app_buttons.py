"""Mini App buttons as Telegram allows them: an https address, and only in a private chat with
the bot (a group, or an inline result that may land in one, is refused BUTTON_TYPE_INVALID)."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    WebAppInfo,
)

from emulator import EmulatorClient, SimulatedUser


def board_button(url: str = "https://crm.example/miniapp/") -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text="Board", web_app=WebAppInfo(url=url))
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


async def test_a_web_app_button_opens_in_a_private_chat_only(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)
    await control.create_group(-100777, "Sales")
    await control.send_text(alice, "hi all", chat_id=-100777)

    sent = await bot.send_message(alice.id, "Your board", reply_markup=board_button())
    assert (await control.message(alice.id, sent.message_id)).button("Board")["web_app"] == {
        "url": "https://crm.example/miniapp/"
    }
    with pytest.raises(TelegramBadRequest, match="BUTTON_TYPE_INVALID"):
        await bot.send_message(-100777, "Our board", reply_markup=board_button())
    in_group = await bot.send_message(-100777, "Our board")
    with pytest.raises(TelegramBadRequest, match="BUTTON_TYPE_INVALID"):
        await bot.edit_message_reply_markup(
            chat_id=-100777, message_id=in_group.message_id, reply_markup=board_button()
        )
    with pytest.raises(TelegramBadRequest, match="Only HTTPS links are allowed"):
        await bot.send_message(alice.id, "x", reply_markup=board_button("http://crm.example/"))


async def test_an_inline_result_may_not_carry_a_web_app_button(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)
    query_id = await control.inline_query(alice, "board")
    result = InlineQueryResultArticle(
        id="1",
        title="Board",
        input_message_content=InputTextMessageContent(message_text="Board"),
        reply_markup=board_button(),
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_TYPE_INVALID"):
        await bot.answer_inline_query(query_id, [result])
