"""Errors answered in the Bot API's own shape and wording."""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]


class BotApiError(Exception):
    """A failed Bot API call: the HTTP status doubles as Telegram's error_code."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> JsonObject:
        body: JsonObject = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> BotApiError:
    return BotApiError(403, f"Forbidden: {reason}")


def conflict(reason: str) -> BotApiError:
    return BotApiError(409, f"Conflict: {reason}")


def too_many_requests(retry_after: int) -> BotApiError:
    return BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def unauthorized() -> BotApiError:
    return BotApiError(401, "Unauthorized")


def method_not_found() -> BotApiError:
    return BotApiError(404, "Not Found: method not found")


def request_too_large() -> BotApiError:
    return BotApiError(413, "Request Entity Too Large")


class ControlError(Exception):
    """A control API request the emulator cannot carry out, e.g. pressing a missing button."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
