"""Simulated Telegram users: the people who talk to the bot under test."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from emulator.errors import JsonObject


@dataclass(frozen=True)
class SimulatedUser:
    id: int
    first_name: str = "Test"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SimulatedUser:
        return cls(
            id=int(data["id"]),
            first_name=str(data.get("first_name") or "Test"),
            last_name=data.get("last_name"),
            username=data.get("username"),
            language_code=data.get("language_code"),
        )

    def to_json(self) -> JsonObject:
        return {key: value for key, value in asdict(self).items() if value is not None}

    def to_api(self) -> JsonObject:
        """The Bot API User object."""
        return {"is_bot": False, **self.to_json()}

    def private_chat(self) -> JsonObject:
        """The Bot API Chat object of this user's private chat with a bot."""
        chat: JsonObject = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat
