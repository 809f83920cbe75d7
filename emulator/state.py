"""What the emulator remembers: bots, simulated users, chats, messages and their history."""

from __future__ import annotations

import itertools
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from emulator.errors import JsonObject
from emulator.html_entities import FormattedText
from emulator.limits import RateLimitHit, RateLimits, SendLimiter
from emulator.updates import UpdateQueue
from emulator.users import SimulatedUser
from emulator.waiting import ChangeSignal

FileKind = Literal["document", "photo"]
_TOKEN = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")


def unix_now() -> int:
    return int(time.time())


def _without_none(values: JsonObject) -> JsonObject:
    return {key: value for key, value in values.items() if value is not None}


@dataclass
class StoredFile:
    """A file a bot uploaded (or named by URL), addressable afterwards by its file_id."""

    kind: FileKind
    file_name: str | None
    mime_type: str | None
    file_size: int | None
    content: bytes | None = field(default=None, repr=False)
    file_id: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    file_unique_id: str = field(default_factory=lambda: secrets.token_urlsafe(8))

    def to_api(self) -> JsonObject:
        """The message fields Telegram shows for this file: a Document or a list of PhotoSize."""
        ids = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.kind == "photo":
            # The emulator does not decode images, so it cannot know their dimensions.
            size = {**ids, "width": 0, "height": 0, "file_size": self.file_size}
            return {"photo": [_without_none(size)]}
        document = {**ids, "file_name": self.file_name, "mime_type": self.mime_type}
        return {"document": _without_none({**document, "file_size": self.file_size})}

    def to_control(self) -> JsonObject:
        return {
            "kind": self.kind,
            "file_id": self.file_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": self.file_size,
        }


@dataclass
class MessageBody:
    """The part of a message that an edit can change."""

    text: FormattedText | None = None
    caption: FormattedText | None = None
    source: str | None = None
    parse_mode: str | None = None
    reply_markup: JsonObject | None = None

    def looks_the_same_as(self, other: MessageBody) -> bool:
        """Whether a user would see no difference, which makes an edit "not modified"."""
        return (self.text, self.caption, self.reply_markup) == (
            other.text,
            other.caption,
            other.reply_markup,
        )

    def to_api(self) -> JsonObject:
        fields: JsonObject = {}
        if self.text is not None:
            fields["text"] = self.text.text
            if self.text.entities:
                fields["entities"] = self.text.entities
        if self.caption is not None and self.caption.text:
            fields["caption"] = self.caption.text
            if self.caption.entities:
                fields["caption_entities"] = self.caption.entities
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            fields["reply_markup"] = self.reply_markup
        return fields

    def to_control(self) -> JsonObject:
        return {
            "text": self.text.text if self.text else None,
            "entities": self.text.entities if self.text else [],
            "caption": self.caption.text if self.caption else None,
            "caption_entities": self.caption.entities if self.caption else [],
            "html": self.source,
            "parse_mode": self.parse_mode,
            "reply_markup": self.reply_markup,
        }


@dataclass
class StoredMessage:
    message_id: int
    chat: JsonObject
    sender: JsonObject
    sent_by_bot: bool
    date: int
    body: MessageBody
    file: StoredFile | None = None
    attachments: JsonObject = field(default_factory=dict)
    reply_to: StoredMessage | None = None
    edit_date: int | None = None
    history: list[MessageBody] = field(default_factory=list)
    deleted: bool = False
    version: int = 0

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    def edit(self, body: MessageBody) -> None:
        self.history.append(self.body)
        self.body = body
        self.edit_date = unix_now()
        self.version += 1

    def delete(self) -> None:
        self.deleted = True
        self.version += 1

    def to_api(self, *, with_reply: bool = True) -> JsonObject:
        """The Bot API Message object, as the bot last left it."""
        message: JsonObject = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat,
            "from": self.sender,
        }
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.reply_to is not None and with_reply:
            message["reply_to_message"] = self.reply_to.to_api(with_reply=False)
        message.update(self.attachments)
        if self.file is not None:
            message.update(self.file.to_api())
        message.update(self.body.to_api())
        return message

    def to_control(self) -> JsonObject:
        """What a test asserts on: the visible text, the markup as sent and the history."""
        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "date": self.date,
            "from_bot": self.sent_by_bot,
            **self.body.to_control(),
            "file": self.file.to_control() if self.file else None,
            "attachments": self.attachments,
            "reply_to_message_id": self.reply_to.message_id if self.reply_to else None,
            "edited": self.edit_date is not None,
            "edit_date": self.edit_date,
            "history": [body.to_control() for body in self.history],
            "deleted": self.deleted,
            "version": self.version,
        }


@dataclass
class ChatHistory:
    """The messages of one chat, numbered as that chat numbers them."""

    chat: JsonObject
    messages: dict[int, StoredMessage] = field(default_factory=dict)

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    @property
    def is_private(self) -> bool:
        return bool(self.chat["type"] == "private")

    def add(
        self,
        *,
        sender: JsonObject,
        sent_by_bot: bool,
        body: MessageBody,
        file: StoredFile | None = None,
        attachments: JsonObject | None = None,
        reply_to: StoredMessage | None = None,
    ) -> StoredMessage:
        message = StoredMessage(
            message_id=len(self.messages) + 1,
            chat=self.chat,
            sender=sender,
            sent_by_bot=sent_by_bot,
            date=unix_now(),
            body=body,
            file=file,
            attachments=attachments or {},
            reply_to=reply_to,
        )
        self.messages[message.message_id] = message
        return message

    def find(self, message_id: int) -> StoredMessage | None:
        """A message that still exists in the chat."""
        message = self.messages.get(message_id)
        return None if message is None or message.deleted else message


@dataclass
class CallbackRecord:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    forged: bool
    answer: JsonObject | None = None

    def to_control(self) -> JsonObject:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "data": self.data,
            "forged": self.forged,
            "answered": self.answer is not None,
            "answer": self.answer,
        }


@dataclass
class InlineQueryRecord:
    id: str
    user_id: int
    query: str
    offset: str
    answer: JsonObject | None = None

    def to_control(self) -> JsonObject:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "query": self.query,
            "offset": self.offset,
            "answered": self.answer is not None,
            "answer": self.answer,
        }


@dataclass(frozen=True)
class ChatActionRecord:
    chat_id: int
    action: str
    at: float


@dataclass(frozen=True)
class ApiErrorRecord:
    """An error the emulator answered to a bot, so tests can assert there were none."""

    bot_id: int | None
    method: str
    error_code: int
    description: str
    at: float


@dataclass(frozen=True)
class WebhookAttempt:
    update_id: int
    delivered: bool
    error: str | None
    at: float


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None
    max_connections: int
    attempts: list[WebhookAttempt] = field(default_factory=list)

    def record(self, update_id: int, error: str | None) -> None:
        self.attempts.append(WebhookAttempt(update_id, error is None, error, time.time()))

    def last_error(self) -> WebhookAttempt | None:
        failures = [attempt for attempt in self.attempts if not attempt.delivered]
        return failures[-1] if failures else None

    def to_control(self) -> JsonObject:
        return {
            "url": self.url,
            "secret_token": self.secret_token,
            "max_connections": self.max_connections,
            "attempts": [vars(attempt) for attempt in self.attempts],
        }


@dataclass
class BotState:
    token: str
    username: str
    first_name: str
    limiter: SendLimiter
    updates: UpdateQueue = field(default_factory=UpdateQueue)
    chats: dict[int, ChatHistory] = field(default_factory=dict)
    started_users: set[int] = field(default_factory=set)
    blocked_users: set[int] = field(default_factory=set)
    commands: dict[tuple[str, str], list[JsonObject]] = field(default_factory=dict)
    menu_buttons: dict[int | None, JsonObject] = field(default_factory=dict)
    callbacks: dict[str, CallbackRecord] = field(default_factory=dict)
    inline_queries: dict[str, InlineQueryRecord] = field(default_factory=dict)
    chat_actions: list[ChatActionRecord] = field(default_factory=list)
    files: dict[str, StoredFile] = field(default_factory=dict)
    webhook: WebhookConfig | None = None

    @property
    def id(self) -> int:
        return int(self.token.split(":", 1)[0])

    def identity(self) -> JsonObject:
        """The Bot API User object of the bot itself."""
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def chat_history(self, chat: JsonObject) -> ChatHistory:
        return self.chats.setdefault(int(chat["id"]), ChatHistory(chat))

    def open_private_chat(self, user: SimulatedUser) -> ChatHistory:
        """The user pressed Start or wrote to the bot, which also lifts a block."""
        self.started_users.add(user.id)
        self.blocked_users.discard(user.id)
        return self.chat_history(user.private_chat())

    def to_control(self) -> JsonObject:
        return {**self.identity(), "token": self.token, "webhook": self.webhook is not None}


@dataclass
class EmulatorState:
    rate_limits: RateLimits = field(default_factory=RateLimits)
    clock: Callable[[], float] = time.monotonic
    bots: dict[str, BotState] = field(default_factory=dict)
    users: dict[int, SimulatedUser] = field(default_factory=dict)
    groups: dict[int, JsonObject] = field(default_factory=dict)
    rate_limit_hits: list[RateLimitHit] = field(default_factory=list)
    api_errors: list[ApiErrorRecord] = field(default_factory=list)
    changed: ChangeSignal = field(default_factory=ChangeSignal)
    closing: bool = False
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(4_000_000_000_000_001))

    def register_bot(
        self, token: str, *, username: str | None = None, first_name: str | None = None
    ) -> BotState:
        match = _TOKEN.match(token)
        if match is None:
            raise ValueError(f"not a bot token: {token!r} (expected <digits>:<secret>)")
        bot = BotState(
            token=token,
            username=username or f"emulated_{match.group(1)}_bot",
            first_name=first_name or "Emulated Bot",
            limiter=SendLimiter(self.rate_limits, self.clock),
        )
        self.bots[token] = bot
        return bot

    def bot_by_id(self, bot_id: int) -> BotState | None:
        return next((bot for bot in self.bots.values() if bot.id == bot_id), None)

    def next_id(self) -> str:
        """A fresh identifier for a callback or inline query, shaped like Telegram's."""
        return str(next(self._ids))

    def reset(self) -> None:
        """Forget everything but the registered bots; update ids keep counting up."""
        for token, bot in list(self.bots.items()):
            bot.updates.clear()
            bot.updates.allow(())
            self.bots[token] = BotState(
                token=token,
                username=bot.username,
                first_name=bot.first_name,
                limiter=SendLimiter(self.rate_limits, self.clock),
                updates=bot.updates,
            )
        self.users.clear()
        self.groups.clear()
        self.rate_limit_hits.clear()
        self.api_errors.clear()
        self.changed.notify()
