"""Sending, editing and deleting through the real aiogram Bot, with Telegram's refusals."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
)
from aiogram.utils.formatting import Bold, Text

from emulator import EmulatorClient, RunningEmulator, SimulatedUser
from tests.emulator.conftest import TOKEN, make_bot


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data) for text, data in row]
            for row in rows
        ]
    )


async def test_send_message_round_trip(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)

    sent = await bot.send_message(alice.id, "<b>New lead</b>: Ann &amp; Co")

    assert sent.text == "New lead: Ann & Co"
    assert sent.from_user is not None and sent.from_user.is_bot
    assert sent.entities is not None and sent.entities[0].type == "bold"
    [stored] = await control.messages(alice.id)
    assert stored.message_id == sent.message_id
    assert stored.html == "<b>New lead</b>: Ann &amp; Co"
    assert stored.parse_mode == "HTML"
    assert stored.entities == [{"type": "bold", "offset": 0, "length": 8}]


async def test_length_is_counted_after_parsing_in_utf16_units(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)

    await bot.send_message(alice.id, "<b>" + "a" * 4096 + "</b>")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(alice.id, "<b>" + "a" * 4097 + "</b>")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(alice.id, "😀" * 2048 + "a")


async def test_text_that_is_empty_after_parsing_is_refused(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)

    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(alice.id, "<b> </b>")


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("Price < 100", 'Unsupported start tag ""'),
        ("<b>unclosed", "Can't find end tag corresponding to start tag b"),
        ("Tom & Jerry", "Character '&' must be escaped"),
        ("<p>para</p>", 'Unsupported start tag "p"'),
    ],
)
async def test_malformed_html_is_refused(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser, markup: str, error: str
) -> None:
    await control.start_chat(alice)

    with pytest.raises(TelegramBadRequest, match="can't parse entities") as refused:
        await bot.send_message(alice.id, markup)

    assert error in refused.value.message
    assert await control.messages(alice.id) == []


async def test_entities_from_aiogram_formatting_are_kept(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)

    await bot.send_message(alice.id, **Text("Stage: ", Bold("Won <3")).as_kwargs())

    [stored] = await control.messages(alice.id)
    assert stored.text == "Stage: Won <3"
    assert stored.parse_mode is None
    assert stored.entities == [{"type": "bold", "offset": 7, "length": 6}]


async def test_markdown_is_refused_clearly(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)

    with pytest.raises(TelegramBadRequest, match="not supported by the emulator"):
        await bot.send_message(alice.id, "*hi*", parse_mode="MarkdownV2")


async def test_callback_data_is_limited_to_64_bytes(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)

    await bot.send_message(alice.id, "ok", reply_markup=keyboard([("Так", "ї" * 32)]))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(alice.id, "no", reply_markup=keyboard([("Ні", "ї" * 32 + "x")]))


async def test_inline_keyboard_size_limits(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)
    eight = [(str(n), f"n:{n}") for n in range(8)]

    await bot.send_message(alice.id, "100", reply_markup=keyboard(*[eight] * 12, eight[:4]))
    with pytest.raises(TelegramBadRequest, match="too many buttons in a row"):
        await bot.send_message(alice.id, "9", reply_markup=keyboard([*eight, ("9", "n:9")]))
    with pytest.raises(TelegramBadRequest, match="reply markup is too long"):
        await bot.send_message(alice.id, "101", reply_markup=keyboard(*[eight] * 12, eight[:5]))


async def test_buttons_need_text_and_exactly_one_action(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)
    no_action = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="x")]])
    two_actions = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="a", url="https://a.b")]]
    )

    with pytest.raises(TelegramBadRequest, match="BUTTON_TEXT_INVALID"):
        await bot.send_message(alice.id, "x", reply_markup=keyboard([("", "a")]))
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await bot.send_message(alice.id, "x", reply_markup=no_action)
    with pytest.raises(TelegramBadRequest, match="exactly one action"):
        await bot.send_message(alice.id, "x", reply_markup=two_actions)


async def test_edit_with_the_same_content_is_not_modified(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)
    markup = keyboard([("Next", "page:2")])
    sent = await bot.send_message(alice.id, "<b>Page 1</b>", reply_markup=markup)

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "<b>Page 1</b>", chat_id=alice.id, message_id=sent.message_id, reply_markup=markup
        )
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=alice.id, message_id=sent.message_id, reply_markup=markup
        )


async def test_edit_keeps_history_and_drops_an_unrepeated_keyboard(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)
    sent = await bot.send_message(alice.id, "Page 1", reply_markup=keyboard([("Next", "p:2")]))
    [before] = await control.messages(alice.id)

    edited = await bot.edit_message_text("Page 2", chat_id=alice.id, message_id=sent.message_id)

    assert not isinstance(edited, bool) and edited.edit_date is not None
    after = await control.wait_for_edit(before, timeout=1)
    assert (after.text, after.edited, after.reply_markup) == ("Page 2", True, None)
    assert [version["text"] for version in after.history] == ["Page 1"]


async def test_editing_or_deleting_a_missing_message_fails(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    started = await control.start_chat(alice)
    sent = await bot.send_message(alice.id, "temporary")

    assert await bot.delete_message(alice.id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("again", chat_id=alice.id, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(alice.id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("hijack", chat_id=alice.id, message_id=started.message_id)
    [stored] = await control.messages(alice.id)
    assert stored.deleted


async def test_bot_cannot_write_first_or_to_a_user_who_blocked_it(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser, bohdan: SimulatedUser
) -> None:
    await control.register_user(alice)
    await control.start_chat(bohdan)
    await control.set_blocked(bohdan)

    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation"):
        await bot.send_message(alice.id, "hello")
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(bohdan.id, "hello")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999_999, "hello")


async def test_reply_to_a_user_message(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    question = await control.send_text(alice, "Any news on my order?")

    reply = await bot.send_message(
        alice.id, "Shipped!", reply_parameters=ReplyParameters(message_id=question.message_id)
    )

    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "Any news on my order?"
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(alice.id, "?", reply_parameters=ReplyParameters(message_id=99))


async def test_send_document_uploads_are_recorded(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)
    report = BufferedInputFile(b"id,stage\n1,won\n", filename="deals.csv")

    sent = await bot.send_document(alice.id, report, caption="<i>Weekly</i> report")
    again = await bot.send_document(alice.id, sent.document.file_id if sent.document else "")

    assert sent.document is not None and sent.document.file_name == "deals.csv"
    assert sent.caption == "Weekly report"
    stored = await control.messages(alice.id)
    assert stored[0].file == {
        "kind": "document",
        "file_id": sent.document.file_id,
        "file_name": "deals.csv",
        "mime_type": "text/csv",
        "file_size": 15,
    }
    assert await control.file_content(sent.document.file_id) == b"id,stage\n1,won\n"
    assert again.document is not None and again.document.file_id == sent.document.file_id
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(alice.id, report, caption="x" * 1025)


async def test_send_photo(bot: Bot, control: EmulatorClient, alice: SimulatedUser) -> None:
    await control.start_chat(alice)

    sent = await bot.send_photo(alice.id, BufferedInputFile(b"\x89PNG fake", filename="a.png"))

    assert sent.photo is not None and sent.photo[0].file_size == 9
    [stored] = await control.messages(alice.id)
    assert stored.file is not None and stored.file["file_name"] == "a.png"


async def test_chat_actions_are_recorded(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)

    await bot.send_chat_action(alice.id, "typing")

    assert await control.chat_actions(alice.id) == ["typing"]
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await bot.send_chat_action(alice.id, "dancing")


async def test_wait_for_messages_returns_when_the_bot_sends(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)

    async def send_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(alice.id, "one")
        await bot.send_message(alice.id, "two")

    sender = asyncio.create_task(send_later())
    messages = await control.wait_for_messages(alice.id, 2, timeout=2)
    await sender

    assert [message.text for message in messages] == ["one", "two"]
    with pytest.raises(TimeoutError):
        await control.wait_for_messages(alice.id, 3, timeout=0.05)


async def test_unknown_token_is_unauthorized(emulator: RunningEmulator) -> None:
    stranger = make_bot(emulator.base_url, token="999:not-registered")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await stranger.session.close()


async def test_raw_http_json_bodies_and_unknown_methods(emulator: RunningEmulator) -> None:
    async with aiohttp.ClientSession() as http:
        url = f"{emulator.base_url}/bot{TOKEN}"
        async with http.post(f"{url}/getMe", json={}) as response:
            me = await response.json()
        async with http.post(f"{url}/sendTelepathy", json={}) as response:
            missing = (response.status, await response.json())

    assert me["ok"] and me["result"]["username"] == "crm_test_bot"
    assert missing == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )


async def test_errors_are_logged_for_assertions(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice)
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(alice.id, "<b>oops")

    [error] = await control.api_errors()
    assert (error["method"], error["error_code"]) == ("sendMessage", 400)
