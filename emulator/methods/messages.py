"""Sending, editing and deleting messages, and chat actions."""

from __future__ import annotations

import mimetypes
import time
from dataclasses import replace

from emulator.errors import JsonObject, bad_request, forbidden, too_many_requests
from emulator.formatting import format_caption, format_text
from emulator.html_entities import checked_link
from emulator.keyboards import (
    require_private_chat_for_web_apps,
    validate_inline_keyboard,
    validate_reply_markup,
)
from emulator.limits import RateLimitHit
from emulator.methods.registry import ApiCall, MethodHandler
from emulator.params import UploadedFile
from emulator.state import (
    ChatActionRecord,
    ChatHistory,
    FileKind,
    MessageBody,
    StoredFile,
    StoredMessage,
)

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


async def send_message(call: ApiCall) -> JsonObject:
    chat = _writable_chat(call)
    markup = validate_reply_markup(call.params.get_json("reply_markup"))
    require_private_chat_for_web_apps(markup, private=chat.is_private)
    body = _text_body(call, markup)
    reply_to = _replied_message(call, chat)
    _count_send(call, chat)
    message = chat.add(sender=call.bot.identity(), sent_by_bot=True, body=body, reply_to=reply_to)
    return message.to_api()


async def send_document(call: ApiCall) -> JsonObject:
    return _send_file(call, "document")


async def send_photo(call: ApiCall) -> JsonObject:
    return _send_file(call, "photo")


async def edit_message_text(call: ApiCall) -> JsonObject:
    message = _editable_message(call)
    if message.body.text is None:
        raise bad_request("there is no text in the message to edit")
    # Telegram drops the keyboard of an edited message unless the edit repeats it.
    markup = _edited_markup(call)
    return _apply_edit(message, _text_body(call, markup))


async def edit_message_reply_markup(call: ApiCall) -> JsonObject:
    message = _editable_message(call)
    markup = _edited_markup(call)
    return _apply_edit(message, replace(message.body, reply_markup=markup))


async def delete_message(call: ApiCall) -> bool:
    chat = _existing_chat(call)
    message = chat.find(call.params.require_int("message_id"))
    if message is None:
        raise bad_request("message to delete not found")
    if not message.sent_by_bot and not chat.is_private:
        raise bad_request("message can't be deleted")
    message.delete()
    return True


async def send_chat_action(call: ApiCall) -> bool:
    chat = _writable_chat(call)
    action = call.params.get_str("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    call.bot.chat_actions.append(ChatActionRecord(chat.chat_id, action, time.time()))
    return True


def _edited_markup(call: ApiCall) -> JsonObject | None:
    markup = validate_inline_keyboard(call.params.get_json("reply_markup"))
    require_private_chat_for_web_apps(markup, private=_existing_chat(call).is_private)
    return markup


def _text_body(call: ApiCall, reply_markup: JsonObject | None) -> MessageBody:
    source, parse_mode = call.params.get_str("text"), call.params.get_str("parse_mode")
    return MessageBody(
        text=format_text(source, parse_mode, call.params.get_json("entities")),
        source=source,
        parse_mode=parse_mode,
        reply_markup=reply_markup,
    )


def _send_file(call: ApiCall, kind: FileKind) -> JsonObject:
    chat = _writable_chat(call)
    params = call.params
    file = _input_file(call, kind)
    source, parse_mode = params.get_str("caption"), params.get_str("parse_mode")
    caption = format_caption(source, parse_mode, params.get_json("caption_entities"))
    markup = validate_reply_markup(params.get_json("reply_markup"))
    require_private_chat_for_web_apps(markup, private=chat.is_private)
    body = MessageBody(
        caption=caption if caption.text else None,
        source=source,
        parse_mode=parse_mode,
        reply_markup=markup,
    )
    reply_to = _replied_message(call, chat)
    _count_send(call, chat)
    call.bot.files[file.file_id] = file
    message = chat.add(
        sender=call.bot.identity(), sent_by_bot=True, body=body, file=file, reply_to=reply_to
    )
    return message.to_api()


def _input_file(call: ApiCall, kind: FileKind) -> StoredFile:
    value = call.params.input_file(kind)
    if value is None:
        raise bad_request(f"there is no {kind} in the request")
    if isinstance(value, UploadedFile):
        if not value.content:
            raise bad_request("file must be non-empty")
        mime_type = _mime_type(value)
        return StoredFile(kind, value.filename, mime_type, len(value.content), value.content)
    known = call.bot.files.get(value)
    if known is not None:
        if known.kind != kind:
            raise bad_request(f"can't use file of type {known.kind.title()} as {kind.title()}")
        return known
    if value.startswith(("http://", "https://")) and checked_link(value) is not None:
        return StoredFile(kind, value.rsplit("/", 1)[-1] or None, None, None)
    raise bad_request("wrong file identifier/HTTP URL specified")


def _mime_type(upload: UploadedFile) -> str:
    # Clients such as aiogram upload everything as octet-stream; Telegram goes by the name.
    if upload.content_type != "application/octet-stream":
        return upload.content_type
    guessed, _ = mimetypes.guess_type(upload.filename)
    return guessed or upload.content_type


def _writable_chat(call: ApiCall) -> ChatHistory:
    """The chat a bot may send to, with Telegram's refusals for the chats it may not."""
    chat_id = _chat_id(call)
    if chat_id < 0:
        group = call.state.groups.get(chat_id)
        if group is None:
            raise bad_request("chat not found")
        return call.bot.chat_history(group)
    if chat_id in call.bot.blocked_users:
        raise forbidden("bot was blocked by the user")
    user = call.state.users.get(chat_id)
    if user is None:
        raise bad_request("chat not found")
    if chat_id not in call.bot.started_users:
        raise forbidden("bot can't initiate conversation with a user")
    return call.bot.open_private_chat(user)


def _existing_chat(call: ApiCall) -> ChatHistory:
    chat = call.bot.chats.get(_chat_id(call))
    if chat is None:
        raise bad_request("chat not found")
    return chat


def _chat_id(call: ApiCall) -> int:
    chat_ref = call.params.chat_id()
    if isinstance(chat_ref, int):
        return chat_ref
    for chat_id, group in call.state.groups.items():
        if f"@{group.get('username')}".lower() == chat_ref.lower():
            return chat_id
    raise bad_request("chat not found")


def _replied_message(call: ApiCall, chat: ChatHistory) -> StoredMessage | None:
    reply = call.params.get_json("reply_parameters")
    if isinstance(reply, dict):
        message_id = reply.get("message_id")
        allow_missing = bool(reply.get("allow_sending_without_reply"))
    else:
        message_id = call.params.get_int("reply_to_message_id")
        allow_missing = call.params.get_bool("allow_sending_without_reply")
    if message_id is None:
        return None
    replied = chat.find(int(message_id))
    if replied is None and not allow_missing:
        raise bad_request("message to be replied not found")
    return replied


def _count_send(call: ApiCall, chat: ChatHistory) -> None:
    refusal = call.bot.limiter.try_send(chat.chat_id)
    if refusal is None:
        return
    limit, retry_after = refusal
    hit = RateLimitHit(call.bot.id, chat.chat_id, call.method, limit, retry_after, time.time())
    call.state.rate_limit_hits.append(hit)
    raise too_many_requests(retry_after)


def _editable_message(call: ApiCall) -> StoredMessage:
    if call.params.get_str("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    message = _existing_chat(call).find(call.params.require_int("message_id"))
    if message is None:
        raise bad_request("message to edit not found")
    if not message.sent_by_bot:
        raise bad_request("message can't be edited")
    return message


def _apply_edit(message: StoredMessage, body: MessageBody) -> JsonObject:
    if body.looks_the_same_as(message.body):
        raise bad_request(NOT_MODIFIED)
    message.edit(body)
    return message.to_api()


METHODS: dict[str, MethodHandler] = {
    "sendMessage": send_message,
    "sendDocument": send_document,
    "sendPhoto": send_photo,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "sendChatAction": send_chat_action,
}
