"""The control API under /control/: act as users and read what the bot did.

Requests and answers are JSON; answers are {"ok": true, "result": ...} or {"ok": false,
"description": ...}. When several bots are registered, ?bot_id=<id> picks one.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict

from aiohttp import web

from emulator.errors import BotApiError, ControlError, JsonObject
from emulator.methods.bot_settings import commands_key
from emulator.simulation import (
    UserMessageContent,
    post_inline_query,
    post_raw_update,
    post_user_message,
    press_button,
)
from emulator.state import (
    BotState,
    CallbackRecord,
    EmulatorState,
    StoredFile,
    StoredMessage,
    unix_now,
)
from emulator.users import SimulatedUser
from emulator.webhooks import WebhookDelivery

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DEFAULT_WAIT_SECONDS = 5.0
EVENT_KEEPALIVE_SECONDS = 15.0


@web.middleware
async def control_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ControlError as error:
        body = {"ok": False, "description": error.description}
        return web.json_response(body, status=error.status)


def _ok(result: object) -> web.Response:
    return web.json_response({"ok": True, "result": result})


async def _body(request: web.Request) -> JsonObject:
    try:
        body = await request.json()
    except ValueError:
        raise ControlError(400, "the request body must be JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "the request body must be a JSON object")
    return body


def _user(body: JsonObject, key: str = "user") -> SimulatedUser:
    try:
        return SimulatedUser.from_json(body[key])
    except (KeyError, TypeError, ValueError):
        raise ControlError(400, f'"{key}" must be a user object with an "id"') from None


def _int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ControlError(400, f'"{name}" must be an integer')
    try:
        return int(value)
    except ValueError:
        raise ControlError(400, f'"{name}" must be an integer') from None


def _optional_int(body: JsonObject, name: str) -> int | None:
    value = body.get(name)
    return None if value is None else _int(value, name)


def _max_wait(body: JsonObject) -> float:
    return float(body.get("timeout", DEFAULT_WAIT_SECONDS))


class ControlApi:
    def __init__(self, state: EmulatorState, webhooks: WebhookDelivery) -> None:
        self.state = state
        self.webhooks = webhooks

    def routes(self) -> list[web.RouteDef]:
        chat = "/control/chats/{chat_id}"
        return [
            web.get("/control/bots", self.list_bots),
            web.post("/control/bots", self.register_bot),
            web.post("/control/users", self.register_user),
            web.post("/control/users/{user_id}/blocked", self.set_blocked),
            web.post("/control/groups", self.create_group),
            web.post("/control/messages", self.post_message),
            web.post("/control/documents", self.post_document),
            web.post("/control/callbacks", self.press_button),
            web.get("/control/callbacks", self.list_callbacks),
            web.get("/control/callbacks/{callback_id}", self.get_callback),
            web.post("/control/callbacks/{callback_id}/wait", self.wait_for_callback_answer),
            web.post("/control/inline_queries", self.post_inline_query),
            web.get("/control/inline_queries/{query_id}", self.get_inline_query),
            web.post("/control/inline_queries/{query_id}/wait", self.wait_for_inline_answer),
            web.post("/control/updates", self.post_update),
            web.get(f"{chat}/messages", self.list_messages),
            web.post(f"{chat}/messages/wait", self.wait_for_messages),
            web.get(f"{chat}/messages/{{message_id}}", self.get_message),
            web.post(f"{chat}/messages/{{message_id}}/wait", self.wait_for_change),
            web.get(f"{chat}/actions", self.list_chat_actions),
            web.get("/control/files/{file_id}", self.get_file_content),
            web.get("/control/commands", self.get_commands),
            web.get("/control/menu_button", self.get_menu_button),
            web.get("/control/webhook", self.get_webhook),
            web.get("/control/rate_limit_hits", self.list_rate_limit_hits),
            web.get("/control/errors", self.list_errors),
            web.post("/control/reset", self.reset),
            web.get("/control/events", self.stream_events),
        ]

    def _bot(self, request: web.Request) -> BotState:
        bot_id = request.query.get("bot_id")
        if bot_id is not None:
            bot = self.state.bot_by_id(_int(bot_id, "bot_id"))
            if bot is None:
                raise ControlError(404, f"no bot with id {bot_id}")
            return bot
        if len(self.state.bots) != 1:
            raise ControlError(400, f"{len(self.state.bots)} bots are registered; pass bot_id")
        return next(iter(self.state.bots.values()))

    async def list_bots(self, request: web.Request) -> web.Response:
        return _ok([bot.to_control() for bot in self.state.bots.values()])

    async def register_bot(self, request: web.Request) -> web.Response:
        body = await _body(request)
        try:
            bot = self.state.register_bot(
                str(body.get("token")),
                username=body.get("username"),
                first_name=body.get("first_name"),
            )
        except ValueError as error:
            raise ControlError(400, str(error)) from None
        return _ok(bot.to_control())

    async def register_user(self, request: web.Request) -> web.Response:
        user = _user({"user": await _body(request)})
        self.state.users[user.id] = user
        return _ok(user.to_json())

    async def set_blocked(self, request: web.Request) -> web.Response:
        bot, body = self._bot(request), await _body(request)
        user_id = _int(request.match_info["user_id"], "user_id")
        if body.get("blocked", True):
            bot.blocked_users.add(user_id)
        else:
            bot.blocked_users.discard(user_id)
        return _ok(True)

    async def create_group(self, request: web.Request) -> web.Response:
        body = await _body(request)
        chat_id = _int(body.get("id"), "id")
        if chat_id >= 0:
            raise ControlError(400, "group chat ids are negative")
        group = {"id": chat_id, "type": body.get("type", "supergroup"), "title": body.get("title")}
        if body.get("username"):
            group["username"] = body["username"]
        self.state.groups[chat_id] = group
        return _ok(group)

    async def post_message(self, request: web.Request) -> web.Response:
        bot, body = self._bot(request), await _body(request)
        text = body.get("text")
        if text is not None and not isinstance(text, str):
            raise ControlError(400, '"text" must be a string')
        content = UserMessageContent(
            text=text,
            fields=_message_fields(body),
            reply_to_message_id=_optional_int(body, "reply_to_message_id"),
        )
        if content.text is None and not content.fields:
            raise ControlError(400, "a message needs text, contact or web_app_data")
        chat_id = _optional_int(body, "chat_id")
        message, update_id = post_user_message(self.state, bot, _user(body), content, chat_id)
        self.state.changed.notify()
        return _ok({"update_id": update_id, "message": message.to_api()})

    async def post_document(self, request: web.Request) -> web.Response:
        """A user sends a file: ``file_name``, ``content`` in base64, optional ``mime_type``
        and ``file_size`` (to claim a size larger than the content, as a huge file would)."""
        bot, body = self._bot(request), await _body(request)
        try:
            content = base64.b64decode(str(body.get("content", "")), validate=True)
        except binascii.Error:
            raise ControlError(400, '"content" must be base64') from None
        size = _optional_int(body, "file_size") or len(content)
        stored = StoredFile("document", body.get("file_name"), body.get("mime_type"), size, content)
        bot.files[stored.file_id] = stored
        message, update_id = post_user_message(
            self.state,
            bot,
            _user(body),
            UserMessageContent(text=None, fields=stored.to_api()),
            _optional_int(body, "chat_id"),
        )
        self.state.changed.notify()
        return _ok({"update_id": update_id, "message": message.to_api()})

    async def press_button(self, request: web.Request) -> web.Response:
        bot, body = self._bot(request), await _body(request)
        record, update_id = press_button(
            self.state,
            bot,
            _user(body),
            chat_id=_int(body.get("chat_id"), "chat_id"),
            message_id=_int(body.get("message_id"), "message_id"),
            callback_data=body.get("callback_data"),
            button_text=body.get("text"),
            forged=bool(body.get("forged", False)),
        )
        self.state.changed.notify()
        return _ok({"update_id": update_id, **record.to_control()})

    async def list_callbacks(self, request: web.Request) -> web.Response:
        return _ok([record.to_control() for record in self._bot(request).callbacks.values()])

    async def get_callback(self, request: web.Request) -> web.Response:
        return _ok(self._callback(request).to_control())

    async def wait_for_callback_answer(self, request: web.Request) -> web.Response:
        record, body = self._callback(request), await _body(request)
        await self._wait(lambda: record.answer is not None, _max_wait(body), "callback answer")
        return _ok(record.to_control())

    async def post_inline_query(self, request: web.Request) -> web.Response:
        bot, body = self._bot(request), await _body(request)
        query = str(body.get("query", ""))
        offset = str(body.get("offset", ""))
        record, update_id = post_inline_query(self.state, bot, _user(body), query, offset)
        self.state.changed.notify()
        return _ok({"update_id": update_id, **record.to_control()})

    async def get_inline_query(self, request: web.Request) -> web.Response:
        record = self._bot(request).inline_queries.get(request.match_info["query_id"])
        if record is None:
            raise ControlError(404, "no such inline query")
        return _ok(record.to_control())

    async def wait_for_inline_answer(self, request: web.Request) -> web.Response:
        record = self._bot(request).inline_queries.get(request.match_info["query_id"])
        if record is None:
            raise ControlError(404, "no such inline query")
        body = await _body(request)
        await self._wait(lambda: record.answer is not None, _max_wait(body), "an inline answer")
        return _ok(record.to_control())

    async def stream_events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: every message of every chat once, then each message again
        whenever it is new, edited or deleted, as a JSON list per event (what a chat client
        such as the sandbox's page shows without polling)."""
        bot = self._bot(request)
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        shown: dict[tuple[int, int], int] = {}

        def unseen() -> list[StoredMessage]:
            return [
                message
                for chat in list(bot.chats.values())
                for message in list(chat.messages.values())
                if shown.get((message.chat_id, message.message_id)) != message.version
            ]

        try:
            while not self.state.closing:
                changed = unseen()
                for message in changed:
                    shown[message.chat_id, message.message_id] = message.version
                event = json.dumps([message.to_control() for message in changed])
                # An empty list now and then keeps proxies and the browser from giving up.
                await response.write(f"data: {event}\n\n".encode())
                await self.state.changed.wait_for(
                    lambda: self.state.closing or bool(unseen()), EVENT_KEEPALIVE_SECONDS
                )
        except ConnectionResetError:
            pass
        return response

    async def post_update(self, request: web.Request) -> web.Response:
        bot, body = self._bot(request), await _body(request)
        update_id = post_raw_update(bot, body.get("update"))
        self.state.changed.notify()
        return _ok({"update_id": update_id})

    async def list_messages(self, request: web.Request) -> web.Response:
        return _ok([message.to_control() for message in self._chat_messages(request)])

    async def wait_for_messages(self, request: web.Request) -> web.Response:
        body = await _body(request)
        count = _int(body.get("count", 1), "count")

        def bot_messages() -> list[StoredMessage]:
            return [message for message in self._chat_messages(request) if message.sent_by_bot]

        await self._wait(lambda: len(bot_messages()) >= count, _max_wait(body), f"{count} messages")
        return _ok([message.to_control() for message in self._chat_messages(request)])

    async def get_message(self, request: web.Request) -> web.Response:
        return _ok(self._message(request).to_control())

    async def wait_for_change(self, request: web.Request) -> web.Response:
        message, body = self._message(request), await _body(request)
        after_version = _int(body.get("after_version", message.version), "after_version")
        await self._wait(lambda: message.version > after_version, _max_wait(body), "a change")
        return _ok(message.to_control())

    async def list_chat_actions(self, request: web.Request) -> web.Response:
        chat_id = _int(request.match_info["chat_id"], "chat_id")
        actions = [asdict(action) for action in self._bot(request).chat_actions]
        return _ok([action for action in actions if action["chat_id"] == chat_id])

    async def get_file_content(self, request: web.Request) -> web.Response:
        """The bytes the bot uploaded, so a test can check a generated report."""
        file = self._bot(request).files.get(request.match_info["file_id"])
        if file is None or file.content is None:
            raise ControlError(404, "no uploaded file with this file_id")
        return web.Response(body=file.content, content_type=file.mime_type)

    async def get_commands(self, request: web.Request) -> web.Response:
        bot, query = self._bot(request), request.query
        scope: JsonObject = {"type": query.get("scope", "default")}
        for field in ("chat_id", "user_id"):
            if field in query:
                scope[field] = _int(query[field], field)
        key = _commands_key_or_400(scope, query.get("language_code"))
        return _ok(bot.commands.get(key, []))

    async def get_menu_button(self, request: web.Request) -> web.Response:
        chat_id = request.query.get("chat_id")
        buttons = self._bot(request).menu_buttons
        return _ok(buttons.get(None if chat_id is None else _int(chat_id, "chat_id")))

    async def get_webhook(self, request: web.Request) -> web.Response:
        webhook = self._bot(request).webhook
        return _ok(webhook.to_control() if webhook else None)

    async def list_rate_limit_hits(self, request: web.Request) -> web.Response:
        return _ok([asdict(hit) for hit in self.state.rate_limit_hits])

    async def list_errors(self, request: web.Request) -> web.Response:
        return _ok([asdict(error) for error in self.state.api_errors])

    async def reset(self, request: web.Request) -> web.Response:
        for bot in self.state.bots.values():
            self.webhooks.stop(bot)
        self.state.reset()
        return _ok(True)

    def _callback(self, request: web.Request) -> CallbackRecord:
        record = self._bot(request).callbacks.get(request.match_info["callback_id"])
        if record is None:
            raise ControlError(404, "no such callback query")
        return record

    def _chat_messages(self, request: web.Request) -> list[StoredMessage]:
        chat = self._bot(request).chats.get(_int(request.match_info["chat_id"], "chat_id"))
        return list(chat.messages.values()) if chat else []

    def _message(self, request: web.Request) -> StoredMessage:
        message_id = _int(request.match_info["message_id"], "message_id")
        for message in self._chat_messages(request):
            if message.message_id == message_id:
                return message
        raise ControlError(404, f"no message {message_id} in the chat")

    async def _wait(self, condition: Callable[[], bool], max_wait: float, what: str) -> None:
        satisfied = await self.state.changed.wait_for(
            lambda: condition() or self.state.closing, max_wait
        )
        if not satisfied:
            raise ControlError(408, f"timed out after {max_wait}s waiting for {what}")


def _message_fields(body: JsonObject) -> JsonObject:
    """The non-text fields of a user's message: a contact, Web App data, a forward origin."""
    fields: JsonObject = {}
    contact = body.get("contact")
    if contact is not None:
        if not isinstance(contact, dict) or not contact.get("phone_number"):
            raise ControlError(400, "a contact needs phone_number and first_name")
        fields["contact"] = {"first_name": contact.get("first_name") or "", **contact}
    if body.get("web_app_data") is not None:
        fields["web_app_data"] = body["web_app_data"]
    origin = _forward_origin(body)
    if origin is not None:
        fields["forward_origin"] = origin
    return fields


def _forward_origin(body: JsonObject) -> JsonObject | None:
    date = body.get("forward_date") or unix_now()
    if body.get("forward_from") is not None:
        sender = _user(body, "forward_from").to_api()
        return {"type": "user", "date": date, "sender_user": sender}
    if body.get("forward_sender_name"):
        name = body["forward_sender_name"]
        return {"type": "hidden_user", "date": date, "sender_user_name": name}
    return None


def _commands_key_or_400(scope: JsonObject, language_code: str | None) -> tuple[str, str]:
    try:
        return commands_key(scope, language_code)
    except BotApiError as error:
        raise ControlError(400, error.description) from None
