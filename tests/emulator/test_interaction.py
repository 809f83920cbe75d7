"""Users pressing buttons and querying inline; the bot answering and setting its commands."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    MenuButtonWebApp,
    WebAppInfo,
)

from emulator import ControlApiError, EmulatorClient, SentMessage, SimulatedUser

STAGES = InlineKeyboardMarkup(
    inline_keyboard=[
        [
            InlineKeyboardButton(text="Won", callback_data="stage:won"),
            InlineKeyboardButton(text="Lost", callback_data="stage:lost"),
        ],
        [InlineKeyboardButton(text="Open CRM", url="https://crm.example/")],
    ]
)


async def sent_with_stages(bot: Bot, control: EmulatorClient, user: SimulatedUser) -> SentMessage:
    await control.start_chat(user)
    await bot.send_message(user.id, "Deal #7: pick a stage", reply_markup=STAGES)
    [message] = await control.messages(user.id)
    return message


async def test_pressing_a_button_gives_the_bot_a_callback_query(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    message = await sent_with_stages(bot, control, alice)

    callback_id = await control.press_button(alice, message, callback_data="stage:won")

    updates = await bot.get_updates(allowed_updates=["message", "callback_query"])
    query = updates[-1].callback_query
    assert query is not None and query.id == callback_id
    assert query.data == "stage:won" and query.from_user.id == alice.id
    assert query.message is not None and query.message.message_id == message.message_id
    assert await control.callback_answer(callback_id) is None


async def test_a_callback_query_is_answered_once(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    message = await sent_with_stages(bot, control, alice)
    callback_id = await control.press_button(alice, message, text="Lost")

    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(callback_id, text="x" * 201)
    await bot.answer_callback_query(callback_id, text="Marked lost", show_alert=True)
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query(callback_id)

    answer = await control.wait_for_callback_answer(callback_id, timeout=1)
    assert (answer.text, answer.show_alert) == ("Marked lost", True)
    assert (await control.callback(callback_id))["data"] == "stage:lost"


async def test_only_forged_presses_may_carry_data_no_button_has(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    message = await sent_with_stages(bot, control, alice)

    with pytest.raises(ControlApiError, match="no callback button"):
        await control.press_button(alice, message, callback_data="stage:deleted")
    with pytest.raises(ControlApiError, match="no callback button"):
        await control.press_button(alice, message, text="Open CRM")
    forged_id = await control.press_button(
        alice, message, callback_data="deal:999:delete", forged=True
    )

    record = await control.callback(forged_id)
    assert (record["data"], record["forged"]) == ("deal:999:delete", True)


async def test_a_press_sees_the_message_as_the_bot_last_left_it(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    message = await sent_with_stages(bot, control, alice)
    await bot.edit_message_text(
        "Deal #7: won", chat_id=alice.id, message_id=message.message_id, reply_markup=STAGES
    )

    await control.press_button(alice, message, text="Won")

    [*_, update] = await bot.get_updates()
    assert update.callback_query is not None and update.callback_query.message is not None
    assert update.callback_query.message.text == "Deal #7: won"  # type: ignore[union-attr]


async def test_inline_queries_and_their_answers(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    query_id = await control.inline_query(alice, "acme", offset="")
    article = InlineQueryResultArticle(
        id="lead-1",
        title="ACME Corp",
        input_message_content=InputTextMessageContent(message_text="<b>ACME</b>"),
    )

    [update] = await bot.get_updates()
    assert update.inline_query is not None and update.inline_query.query == "acme"
    with pytest.raises(TelegramBadRequest, match="RESULT_ID_DUPLICATE"):
        await bot.answer_inline_query(query_id, [article, article])
    await bot.answer_inline_query(query_id, [article], next_offset="20")

    answer = await control.inline_answer(query_id)
    assert answer is not None and answer["next_offset"] == "20"
    assert [result["id"] for result in answer["results"]] == ["lead-1"]


async def test_commands_are_stored_per_scope_and_language(
    bot: Bot, control: EmulatorClient
) -> None:
    await bot.set_my_commands([BotCommand(command="leads", description="My leads")])
    await bot.set_my_commands(
        [BotCommand(command="leads", description="Мої ліди")], language_code="uk"
    )

    assert await control.commands() == [{"command": "leads", "description": "My leads"}]
    assert await control.commands("uk") == [{"command": "leads", "description": "Мої ліди"}]
    assert await control.commands("de") == []
    [command] = await bot.get_my_commands(language_code="uk")
    assert command.description == "Мої ліди"
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="New-Lead", description="x")])


async def test_menu_button_is_recorded(bot: Bot, control: EmulatorClient) -> None:
    board = MenuButtonWebApp(text="Board", web_app=WebAppInfo(url="https://crm.example/board"))

    await bot.set_chat_menu_button(menu_button=board)

    assert await control.menu_button() == {
        "type": "web_app",
        "text": "Board",
        "web_app": {"url": "https://crm.example/board"},
    }


async def test_contacts_forwards_and_web_app_data_reach_the_bot(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser, bohdan: SimulatedUser
) -> None:
    await control.send_contact(alice, "+380501234567", first_name="Olena", user_id=77)
    await control.send_text(alice, "from a client", forward_from=bohdan)
    await control.send_text(alice, "hidden", forward_sender_name="Secret Sam")
    await control.send_web_app_data(alice, '{"deal": 7}', "Board")

    messages = [update.message for update in await bot.get_updates()]

    contact, forwarded, hidden, web_app = messages
    assert contact is not None and contact.contact is not None
    assert (contact.contact.phone_number, contact.contact.user_id) == ("+380501234567", 77)
    assert forwarded is not None and forwarded.forward_origin is not None
    assert forwarded.forward_origin.type == "user"
    assert hidden is not None and hidden.forward_origin is not None
    assert hidden.forward_origin.type == "hidden_user"
    assert web_app is not None and web_app.web_app_data is not None
    assert web_app.web_app_data.data == '{"deal": 7}'


async def test_commands_typed_by_users_carry_bot_command_entities(
    bot: Bot, control: EmulatorClient, alice: SimulatedUser
) -> None:
    await control.start_chat(alice, payload="lead_42")

    [update] = await bot.get_updates()

    assert update.message is not None and update.message.text == "/start lead_42"
    assert update.message.entities is not None
    assert update.message.entities[0].type == "bot_command"
    assert update.message.entities[0].length == len("/start")
