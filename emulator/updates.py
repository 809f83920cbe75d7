"""A bot's queue of pending updates, as getUpdates and webhook delivery see it."""

from __future__ import annotations

from collections.abc import Iterable

from emulator.errors import JsonObject
from emulator.waiting import ChangeSignal

ALL_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
# Telegram leaves these out unless a bot asks for them by name.
DEFAULT_UPDATE_TYPES = ALL_UPDATE_TYPES - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}


def update_type(update: JsonObject) -> str:
    """The kind of an update: its one field besides update_id."""
    kinds = [key for key in update if key != "update_id"]
    if len(kinds) != 1 or kinds[0] not in ALL_UPDATE_TYPES:
        raise ValueError(f"an update needs exactly one known update field, got {kinds}")
    return kinds[0]


class UpdateQueue:
    """Updates waiting to be confirmed, numbered in arrival order.

    Only one getUpdates call may wait at a time: a newer call supersedes a waiting one, which
    then answers 409, as Telegram does when two instances of a bot poll at once.
    """

    def __init__(self) -> None:
        self.changed = ChangeSignal()
        self.allowed_types = DEFAULT_UPDATE_TYPES
        self._pending: list[JsonObject] = []
        self._last_update_id = 0
        self.polls_started = 0

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def has_pending(self) -> bool:
        return bool(self._pending)

    def push(self, update: JsonObject) -> int | None:
        """Queue an update; None if the bot's allowed_updates leave its kind out."""
        if update_type(update) not in self.allowed_types:
            return None
        self._last_update_id += 1
        self._pending.append({"update_id": self._last_update_id, **update})
        self.changed.notify()
        return self._last_update_id

    def peek(self, limit: int) -> list[JsonObject]:
        return self._pending[:limit]

    def confirm(self, offset: int) -> None:
        """Forget updates below offset; a negative offset keeps only the last -offset ones."""
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [item for item in self._pending if item["update_id"] >= offset]

    def clear(self) -> None:
        self._pending.clear()

    def allow(self, types: Iterable[str]) -> None:
        """Keep only these update kinds from now on; none named means Telegram's default."""
        named = ALL_UPDATE_TYPES.intersection(types)
        self.allowed_types = frozenset(named) if named else DEFAULT_UPDATE_TYPES

    def begin_poll(self) -> int:
        """Note a new getUpdates call; its number tells whether a newer one superseded it."""
        self.polls_started += 1
        self.changed.notify()
        return self.polls_started

    def is_current_poll(self, poll: int) -> bool:
        return poll == self.polls_started

    def wake_all(self) -> None:
        self.changed.notify()
