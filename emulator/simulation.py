"""What simulated users do: write to the bot, share contacts, press buttons, query inline."""

from __future__ import annotations

import re
from dataclasses import dataclass

from emulator.errors import ControlError, JsonObject
from emulator.formatting import MAX_TEXT_LENGTH
from emulator.html_entities import FormattedText, utf16_length
from emulator.keyboards import inline_buttons
from emulator.state import (
    BotState,
    CallbackRecord,
    ChatHistory,
    EmulatorState,
    InlineQueryRecord,
    MessageBody,
    StoredMessage,
)
from emulator.updates import update_type
from emulator.users import SimulatedUser

MAX_INLINE_QUERY_LENGTH = 256
# How Telegram clients mark commands: "/name" or "/name@bot", not glued to a word or a path.
_BOT_COMMAND = re.compile(r"(?<![\w/<>])/\w{1,64}(?:@\w{3,32})?(?![\w/<>])", re.ASCII)


@dataclass(frozen=True)
class UserMessageContent:
    """What a user sends: text, or message fields such as contact or web_app_data."""

    text: str | None = None
    fields: JsonObject | None = None
    reply_to_message_id: int | None = None


def post_user_message(
    state: EmulatorState,
    bot: BotState,
    user: SimulatedUser,
    content: UserMessageContent,
    chat_id: int | None = None,
) -> tuple[StoredMessage, int | None]:
    """Store the user's message in the chat and queue it as a message update."""
    text = None if content.text is None else _typed_text(content.text)
    state.users[user.id] = user
    chat = _user_chat(state, bot, user, chat_id)
    reply_to = None
    if content.reply_to_message_id is not None:
        reply_to = chat.find(content.reply_to_message_id)
        if reply_to is None:
            raise ControlError(400, "the message to reply to is not in the chat")
    message = chat.add(
        sender=user.to_api(),
        sent_by_bot=False,
        body=MessageBody(text=text),
        attachments=content.fields,
        reply_to=reply_to,
    )
    return message, bot.updates.push({"message": message.to_api()})


def press_button(
    state: EmulatorState,
    bot: BotState,
    user: SimulatedUser,
    *,
    chat_id: int,
    message_id: int,
    callback_data: str | None = None,
    button_text: str | None = None,
    forged: bool = False,
) -> tuple[CallbackRecord, int | None]:
    """Press the inline button of a bot message that has this callback data or text.

    A forged press sends the given callback data whether or not such a button exists, as a
    modified client could.
    """
    message = _pressable_message(bot, user, chat_id, message_id)
    if forged:
        data = callback_data
    elif callback_data is None and button_text is None:
        raise ControlError(400, "name the button by callback_data or text")
    else:
        data = _button_data(message, callback_data, button_text)
    if not data:
        raise ControlError(400, "a forged press needs callback_data")
    state.users[user.id] = user
    record = CallbackRecord(state.next_id(), user.id, chat_id, message_id, data, forged)
    bot.callbacks[record.id] = record
    query = {
        "id": record.id,
        "from": user.to_api(),
        "message": message.to_api(),
        "chat_instance": str((chat_id * 1_000_003 + bot.id) & 0x7FFF_FFFF_FFFF_FFFF),
        "data": data,
    }
    return record, bot.updates.push({"callback_query": query})


def post_inline_query(
    state: EmulatorState,
    bot: BotState,
    user: SimulatedUser,
    query: str,
    offset: str = "",
) -> tuple[InlineQueryRecord, int | None]:
    if len(query) > MAX_INLINE_QUERY_LENGTH:
        raise ControlError(400, f"an inline query holds at most {MAX_INLINE_QUERY_LENGTH} chars")
    state.users[user.id] = user
    record = InlineQueryRecord(state.next_id(), user.id, query, offset)
    bot.inline_queries[record.id] = record
    update = {"id": record.id, "from": user.to_api(), "query": query, "offset": offset}
    return record, bot.updates.push({"inline_query": update})


def post_raw_update(bot: BotState, update: object) -> int | None:
    """Queue an update as given; the emulator numbers it."""
    if not isinstance(update, dict):
        raise ControlError(400, "an update must be a JSON object")
    fields = {key: value for key, value in update.items() if key != "update_id"}
    try:
        update_type(fields)
    except ValueError as error:
        raise ControlError(400, str(error)) from None
    return bot.updates.push(fields)


def _typed_text(text: str) -> FormattedText:
    if not text.strip() or utf16_length(text) > MAX_TEXT_LENGTH:
        raise ControlError(400, f"a user's text must hold 1-{MAX_TEXT_LENGTH} characters")
    entities = [
        {
            "type": "bot_command",
            "offset": utf16_length(text[: match.start()]),
            "length": utf16_length(match.group()),
        }
        for match in _BOT_COMMAND.finditer(text)
    ]
    return FormattedText(text, entities)


def _user_chat(
    state: EmulatorState, bot: BotState, user: SimulatedUser, chat_id: int | None
) -> ChatHistory:
    if chat_id is None or chat_id == user.id:
        return bot.open_private_chat(user)
    group = state.groups.get(chat_id)
    if group is None:
        raise ControlError(404, f"no group chat {chat_id}; create it first")
    return bot.chat_history(group)


def _pressable_message(
    bot: BotState, user: SimulatedUser, chat_id: int, message_id: int
) -> StoredMessage:
    chat = bot.chats.get(chat_id)
    message = chat.find(message_id) if chat else None
    if message is None or not message.sent_by_bot:
        raise ControlError(400, f"no bot message {message_id} in chat {chat_id}")
    if chat_id > 0 and chat_id != user.id:
        raise ControlError(400, f"user {user.id} cannot see private chat {chat_id}")
    return message


def _button_data(message: StoredMessage, callback_data: str | None, button_text: str | None) -> str:
    for button in inline_buttons(message.body.reply_markup):
        data_matches = callback_data is None or button.get("callback_data") == callback_data
        text_matches = button_text is None or button.get("text") == button_text
        if data_matches and text_matches and "callback_data" in button:
            return str(button["callback_data"])
    wanted = f"callback_data={callback_data!r}" if callback_data else f"text={button_text!r}"
    raise ControlError(400, f"message {message.message_id} has no callback button with {wanted}")
