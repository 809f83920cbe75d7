"""An async client of the emulator's control API: act as users, read what the bot did."""

from __future__ import annotations

import base64
from dataclasses import dataclass, fields
from types import TracebackType
from typing import Any

import aiohttp

from emulator.errors import JsonObject
from emulator.keyboards import inline_buttons
from emulator.limits import RateLimitHit
from emulator.users import SimulatedUser

DEFAULT_TIMEOUT = 5.0
_HTTP_TIMEOUT_MARGIN = 5.0


class ControlApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description


@dataclass(frozen=True)
class SentMessage:
    """A message in a chat as the emulator stores it: its current state and its history."""

    message_id: int
    chat_id: int
    date: int
    from_bot: bool
    text: str | None
    entities: list[JsonObject]
    caption: str | None
    caption_entities: list[JsonObject]
    html: str | None
    parse_mode: str | None
    reply_markup: JsonObject | None
    file: JsonObject | None
    attachments: JsonObject
    reply_to_message_id: int | None
    edited: bool
    edit_date: int | None
    history: list[JsonObject]
    deleted: bool
    version: int

    @classmethod
    def from_json(cls, data: JsonObject) -> SentMessage:
        return cls(**{field.name: data[field.name] for field in fields(cls)})

    @property
    def buttons(self) -> list[JsonObject]:
        """The inline keyboard's buttons, row by row."""
        return inline_buttons(self.reply_markup)

    def button(self, text: str) -> JsonObject:
        for button in self.buttons:
            if button["text"] == text:
                return button
        raise LookupError(f"no button {text!r} on message {self.message_id}")


@dataclass(frozen=True)
class UserMessage:
    """A message a simulated user sent; update_id is None if allowed_updates filtered it out."""

    update_id: int | None
    message_id: int
    chat_id: int


@dataclass(frozen=True)
class CallbackAnswer:
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


class EmulatorClient:
    """The control API of an emulator at base_url; bot_id picks a bot when it runs several."""

    def __init__(self, base_url: str, *, bot_id: int | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.bot_id = bot_id
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> EmulatorClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # Setting the scene.

    async def register_bot(
        self, token: str, *, username: str | None = None, first_name: str | None = None
    ) -> JsonObject:
        body = {"token": token, "username": username, "first_name": first_name}
        result: JsonObject = await self._post("/control/bots", body)
        return result

    async def register_user(self, user: SimulatedUser) -> None:
        """Make the user known without starting a chat, so sends get 403 instead of 400."""
        await self._post("/control/users", user.to_json())

    async def create_group(
        self,
        chat_id: int,
        title: str,
        *,
        chat_type: str = "supergroup",
        username: str | None = None,
    ) -> JsonObject:
        body = {"id": chat_id, "title": title, "type": chat_type, "username": username}
        result: JsonObject = await self._post("/control/groups", body)
        return result

    async def set_blocked(self, user: SimulatedUser, blocked: bool = True) -> None:
        await self._post(f"/control/users/{user.id}/blocked", {"blocked": blocked})

    # Acting as users.

    async def start_chat(self, user: SimulatedUser, payload: str | None = None) -> UserMessage:
        """The user presses Start, optionally through a deep link with a payload."""
        return await self.send_text(user, f"/start {payload}" if payload else "/start")

    async def send_text(
        self,
        user: SimulatedUser,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to_message_id: int | None = None,
        forward_from: SimulatedUser | None = None,
        forward_sender_name: str | None = None,
        forward_date: int | None = None,
    ) -> UserMessage:
        return await self._send_message(
            user,
            chat_id,
            text=text,
            reply_to_message_id=reply_to_message_id,
            forward_from=forward_from.to_json() if forward_from else None,
            forward_sender_name=forward_sender_name,
            forward_date=forward_date,
        )

    async def send_document(
        self,
        user: SimulatedUser,
        file_name: str,
        content: bytes,
        *,
        file_size: int | None = None,
    ) -> UserMessage:
        """The user sends a file; ``file_size`` claims a larger size than ``content`` has."""
        body: JsonObject = {
            "user": user.to_json(),
            "file_name": file_name,
            "content": base64.b64encode(content).decode(),
        }
        if file_size is not None:
            body["file_size"] = file_size
        result = await self._post("/control/documents", body)
        message = result["message"]
        return UserMessage(result["update_id"], message["message_id"], message["chat"]["id"])

    async def send_contact(
        self,
        user: SimulatedUser,
        phone_number: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        user_id: int | None = None,
        chat_id: int | None = None,
    ) -> UserMessage:
        contact = {
            "phone_number": phone_number,
            "first_name": first_name or user.first_name,
            "last_name": last_name,
            "user_id": user_id,
        }
        contact = {key: value for key, value in contact.items() if value is not None}
        return await self._send_message(user, chat_id, contact=contact)

    async def send_web_app_data(
        self, user: SimulatedUser, data: str, button_text: str
    ) -> UserMessage:
        web_app_data = {"data": data, "button_text": button_text}
        return await self._send_message(user, None, web_app_data=web_app_data)

    async def press_button(
        self,
        user: SimulatedUser,
        message: SentMessage,
        *,
        callback_data: str | None = None,
        text: str | None = None,
        forged: bool = False,
    ) -> str:
        """Press a button of the message; returns the callback query id."""
        body = {
            "user": user.to_json(),
            "chat_id": message.chat_id,
            "message_id": message.message_id,
            "callback_data": callback_data,
            "text": text,
            "forged": forged,
        }
        result = await self._post("/control/callbacks", body)
        return str(result["id"])

    async def inline_query(self, user: SimulatedUser, query: str, offset: str = "") -> str:
        """The user types "@bot query"; returns the inline query id."""
        body = {"user": user.to_json(), "query": query, "offset": offset}
        result = await self._post("/control/inline_queries", body)
        return str(result["id"])

    async def post_update(self, update: JsonObject) -> int | None:
        """Queue any update as given (its update_id is assigned by the emulator)."""
        result = await self._post("/control/updates", {"update": update})
        return None if result["update_id"] is None else int(result["update_id"])

    # Reading what the bot did.

    async def messages(
        self, chat_id: int, *, include_user_messages: bool = False
    ) -> list[SentMessage]:
        """The bot's messages in the chat, oldest first, deleted ones flagged."""
        result = await self._get(f"/control/chats/{chat_id}/messages")
        return _sent_messages(result, include_user_messages)

    async def message(self, chat_id: int, message_id: int) -> SentMessage:
        return SentMessage.from_json(
            await self._get(f"/control/chats/{chat_id}/messages/{message_id}")
        )

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 (the server waits)
    ) -> list[SentMessage]:
        """The bot's messages once it has sent at least count to the chat."""
        body = {"count": count, "timeout": timeout}
        result = await self._post(f"/control/chats/{chat_id}/messages/wait", body, timeout)
        return _sent_messages(result, include_user_messages=False)

    async def wait_for_edit(
        self,
        message: SentMessage,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 (the server waits)
    ) -> SentMessage:
        """The message once it changed (edited or deleted) after this snapshot of it."""
        path = f"/control/chats/{message.chat_id}/messages/{message.message_id}/wait"
        body = {"after_version": message.version, "timeout": timeout}
        return SentMessage.from_json(await self._post(path, body, timeout))

    async def file_content(self, file_id: str) -> bytes:
        """The bytes of a file the bot uploaded (sendDocument, sendPhoto)."""
        url = f"{self.base_url}/control/files/{file_id}"
        async with self._client().get(url, params=self._bot_query()) as response:
            if response.status != 200:
                raise ControlApiError(response.status, await response.text())
            return await response.read()

    async def callback(self, callback_id: str) -> JsonObject:
        """The callback query's record: its data, whether it was forged and answered."""
        result: JsonObject = await self._get(f"/control/callbacks/{callback_id}")
        return result

    async def callbacks(self) -> list[JsonObject]:
        result: list[JsonObject] = await self._get("/control/callbacks")
        return result

    async def callback_answer(self, callback_id: str) -> CallbackAnswer | None:
        """How the bot answered the callback query, or None if it has not (yet)."""
        return _callback_answer(await self.callback(callback_id))

    async def wait_for_callback_answer(
        self,
        callback_id: str,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 (the server waits)
    ) -> CallbackAnswer:
        path = f"/control/callbacks/{callback_id}/wait"
        answer = _callback_answer(await self._post(path, {"timeout": timeout}, timeout))
        if answer is None:
            raise TimeoutError(f"callback query {callback_id} is still unanswered")
        return answer

    async def inline_answer(self, query_id: str) -> JsonObject | None:
        """The bot's answerInlineQuery for the query: results, next_offset and so on."""
        result = await self._get(f"/control/inline_queries/{query_id}")
        answer: JsonObject | None = result["answer"]
        return answer

    async def commands(
        self,
        language_code: str = "",
        *,
        scope: str = "default",
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[JsonObject]:
        """The command list the bot set for exactly this scope and language."""
        query: dict[str, str] = {"scope": scope, "language_code": language_code}
        if chat_id is not None:
            query["chat_id"] = str(chat_id)
        if user_id is not None:
            query["user_id"] = str(user_id)
        result: list[JsonObject] = await self._get("/control/commands", query)
        return result

    async def menu_button(self, chat_id: int | None = None) -> JsonObject | None:
        query = {} if chat_id is None else {"chat_id": str(chat_id)}
        result: JsonObject | None = await self._get("/control/menu_button", query)
        return result

    async def chat_actions(self, chat_id: int) -> list[str]:
        return [item["action"] for item in await self._get(f"/control/chats/{chat_id}/actions")]

    async def webhook(self) -> JsonObject | None:
        """The webhook's url, secret and every delivery attempt, or None if none is set."""
        result: JsonObject | None = await self._get("/control/webhook")
        return result

    async def rate_limit_hits(self) -> list[RateLimitHit]:
        return [RateLimitHit(**hit) for hit in await self._get("/control/rate_limit_hits")]

    async def api_errors(self) -> list[JsonObject]:
        """Every error the emulator answered to a bot: method, error_code, description."""
        result: list[JsonObject] = await self._get("/control/errors")
        return result

    async def reset(self) -> None:
        """Forget users, chats, updates and logs; registered bots stay."""
        await self._post("/control/reset", {})

    async def _send_message(
        self, user: SimulatedUser, chat_id: int | None, **fields: Any
    ) -> UserMessage:
        body = {"user": user.to_json(), "chat_id": chat_id, **fields}
        result = await self._post("/control/messages", body)
        message = result["message"]
        return UserMessage(result["update_id"], message["message_id"], message["chat"]["id"])

    async def _get(self, path: str, query: dict[str, str] | None = None) -> Any:
        return await self._request("GET", path, query=query)

    async def _post(self, path: str, body: JsonObject, wait: float = 0.0) -> Any:
        return await self._request("POST", path, body=body, wait=wait)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        body: JsonObject | None = None,
        query: dict[str, str] | None = None,
        wait: float = 0.0,
    ) -> Any:
        query = {**(query or {}), **self._bot_query()}
        timeout = aiohttp.ClientTimeout(total=wait + _HTTP_TIMEOUT_MARGIN)
        async with self._client().request(
            method, self.base_url + path, json=body, params=query, timeout=timeout
        ) as response:
            try:
                payload = await response.json()
            except (aiohttp.ContentTypeError, ValueError):
                raise ControlApiError(response.status, await response.text()) from None
        if response.status == 408:
            raise TimeoutError(payload["description"])
        if not payload["ok"]:
            raise ControlApiError(response.status, payload["description"])
        return payload["result"]

    def _bot_query(self) -> dict[str, str]:
        return {} if self.bot_id is None else {"bot_id": str(self.bot_id)}

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session


def _sent_messages(items: list[JsonObject], include_user_messages: bool) -> list[SentMessage]:
    messages = [SentMessage.from_json(item) for item in items]
    return [message for message in messages if include_user_messages or message.from_bot]


def _callback_answer(record: JsonObject) -> CallbackAnswer | None:
    answer = record["answer"]
    if answer is None:
        return None
    return CallbackAnswer(
        text=answer["text"],
        show_alert=answer["show_alert"],
        url=answer["url"],
        cache_time=answer["cache_time"],
    )
